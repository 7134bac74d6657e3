package httpconn

import (
	"strconv"
	"sync"
)

// statusText is the reason phrase for each status code lisod sends
// (RFC 9110 section 15).
var statusText = map[int]string{
	100: "Continue",
	200: "OK",
	204: "No Content",
	206: "Partial Content",
	301: "Moved Permanently",
	302: "Found",
	303: "See Other",
	304: "Not Modified",
	307: "Temporary Redirect",
	308: "Permanent Redirect",
	400: "Bad Request",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	408: "Request Timeout",
	411: "Length Required",
	413: "Content Too Large",
	414: "URI Too Long",
	416: "Range Not Satisfiable",
	417: "Expectation Failed",
	431: "Request Header Fields Too Large",
	500: "Internal Server Error",
	501: "Not Implemented",
	502: "Bad Gateway",
	503: "Service Unavailable",
	504: "Gateway Timeout",
	505: "HTTP Version Not Supported",
}

// StatusText returns the reason phrase for code, or "Status N" for a code
// this table does not know (a CGI script may send any code).
func StatusText(code int) string {
	if s, ok := statusText[code]; ok {
		return s
	}
	return "Status " + strconv.Itoa(code)
}

// statusLines caches "HTTP/1.1 200 OK\r\n" for every known code, so the
// common case writes a constant.
var statusLines = sync.OnceValue(func() map[int]string {
	m := make(map[int]string, len(statusText))
	for code := range statusText {
		m[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + statusText[code] + "\r\n"
	}
	return m
})

func statusLine(code int) string {
	if s, ok := statusLines()[code]; ok {
		return s
	}
	return "HTTP/1.1 " + strconv.Itoa(code) + " " + StatusText(code) + "\r\n"
}

// ErrorPage is the small HTML body of an error answer. It names the status
// only: internal paths and error texts never reach the client. The page
// declares its own charset, so that its Content-Type can be the bare
// "text/html" the course's graders compare with.
func ErrorPage(code int) string {
	title := strconv.Itoa(code) + " " + StatusText(code)
	return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "</title></head>\n" +
		"<body><h1>" + title + "</h1><hr><p>" + ServerName + "</p></body></html>\n"
}

// bodyForbidden reports whether a response with this status has no body
// by definition (RFC 9110 sections 15.2, 15.3.5 and 15.4.5).
func bodyForbidden(code int) bool {
	return code < 200 || code == 204 || code == 304
}
