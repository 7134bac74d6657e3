package cgihost

import (
	"net"
	"slices"
	"strconv"
	"strings"

	"liso/shared/httpconn"
	"liso/shared/httpmsg"
)

// defaultPATH is the scripts' PATH when the server has none.
const defaultPATH = "/usr/local/bin:/usr/bin:/bin"

// envInput is what a script's environment is made of: the request, and the
// facts about its connection and the script that the request does not carry.
type envInput struct {
	req      *httpmsg.Request
	mount    string   // SCRIPT_NAME: the URL prefix the script owns ("/cgi")
	pathInfo string   // PATH_INFO: the decoded, cleaned rest of the path
	script   string   // SCRIPT_FILENAME: the script's absolute path
	local    net.Addr // the server's side of the connection
	remote   net.Addr // the client's side
	https    bool     // the request came over TLS
	bodyLen  int64    // CONTENT_LENGTH, or -1 when the request has no body
	pathVar  string   // the scripts' PATH
}

// buildEnv returns the script's environment, sorted by name. It holds the
// meta-variables of RFC 3875 section 4.1 that describe the request, a few
// that servers commonly add (REMOTE_PORT, SCRIPT_FILENAME, REQUEST_URI,
// HTTPS), HTTP_* for the request's header fields (section 4.1.18), and
// PATH. Nothing else of the server's own environment is passed on.
func buildEnv(in envInput) []string {
	r := in.req
	env := []string{
		"GATEWAY_INTERFACE=CGI/1.1",
		"SERVER_SOFTWARE=" + httpconn.ServerName,
		"SERVER_PROTOCOL=" + r.Proto,
		"SERVER_NAME=" + serverName(r.Host, in.local),
		"SERVER_PORT=" + port(in.local),
		"REQUEST_METHOD=" + r.Method,
		"REQUEST_URI=" + requestURI(r),
		"SCRIPT_NAME=" + in.mount,
		"SCRIPT_FILENAME=" + in.script,
		"PATH_INFO=" + in.pathInfo,
		"QUERY_STRING=" + r.RawQuery,
		"REMOTE_ADDR=" + host(in.remote),
		"REMOTE_PORT=" + port(in.remote),
		"PATH=" + in.pathVar,
	}
	if in.https {
		env = append(env, "HTTPS=on")
	}
	// RFC 3875 4.1.2 and 4.1.3: only when the request has a body; for a
	// chunked one the server has decoded it and counted its bytes.
	if in.bodyLen >= 0 {
		env = append(env, "CONTENT_LENGTH="+strconv.FormatInt(in.bodyLen, 10))
	}
	if ct := r.Header.Values("Content-Type"); len(ct) > 0 {
		env = append(env, "CONTENT_TYPE="+ct[0])
	}
	env = append(env, headerVars(r.Header)...)
	slices.Sort(env)
	return env
}

// headerVars turns header fields into HTTP_* variables (RFC 3875 4.1.18):
// "User-Agent" becomes HTTP_USER_AGENT. Fields that appear more than once
// are joined into one value with ", " (RFC 9110 5.3), Cookie with "; "
// (RFC 6265 5.4).
func headerVars(h httpmsg.Header) []string {
	var vars []string
	index := map[string]int{} // variable name -> its place in vars
	for _, f := range h {
		name, ok := varName(f.Name)
		if !ok || skipField(name) {
			continue
		}
		i, seen := index[name]
		if !seen {
			index[name] = len(vars)
			vars = append(vars, name+"="+f.Value)
			continue
		}
		sep := ", "
		if name == "HTTP_COOKIE" {
			sep = "; "
		}
		vars[i] += sep + f.Value
	}
	return vars
}

// varName maps a field name to its variable: upper case, '-' to '_',
// "HTTP_" in front. A name with any other character (an underscore
// included) is refused: "X_Forwarded_For" and "X-Forwarded-For" must not
// both become HTTP_X_FORWARDED_FOR, or a client could pose as a proxy.
func varName(field string) (string, bool) {
	b := make([]byte, 0, len("HTTP_")+len(field))
	b = append(b, "HTTP_"...)
	for i := 0; i < len(field); i++ {
		c := field[i]
		switch {
		case 'a' <= c && c <= 'z':
			b = append(b, c-'a'+'A')
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			b = append(b, c)
		case c == '-':
			b = append(b, '_')
		default:
			return "", false
		}
	}
	return string(b), true
}

// skipField reports the header variables a script never sees.
func skipField(name string) bool {
	switch name {
	case "HTTP_CONTENT_LENGTH", "HTTP_CONTENT_TYPE":
		return true // they are CONTENT_LENGTH and CONTENT_TYPE (RFC 3875 4.1.18)
	case "HTTP_AUTHORIZATION", "HTTP_PROXY_AUTHORIZATION":
		return true // credentials stay with the server (RFC 3875 4.1.18 allows it)
	case "HTTP_PROXY":
		return true // "httpoxy": HTTP_PROXY would set the script's outgoing proxy
	case "HTTP_TRANSFER_ENCODING":
		return true // the body reaches stdin decoded, with a CONTENT_LENGTH
	}
	return false
}

// requestURI is the request's target in origin form, query included, as
// Apache and nginx set REQUEST_URI ("/cgi/a%20b?x=1"; the course's handout
// leaves the query out). It is a URL, so its path is the raw one, still
// encoded. An absolute-form target ("http://host/cgi/a") is reduced to its
// path and query.
func requestURI(r *httpmsg.Request) string {
	if i := strings.IndexByte(r.Target, '?'); i >= 0 {
		return r.RawPath + r.Target[i:]
	}
	return r.RawPath
}

// serverName is the host the client asked for, without its port (RFC 3875
// 4.1.14), or the server's own address when the request names none (an
// HTTP/1.0 request without Host). An IPv6 address keeps its brackets.
func serverName(hostHeader string, local net.Addr) string {
	h := hostHeader
	if h == "" {
		ip := host(local)
		if strings.Contains(ip, ":") {
			return "[" + ip + "]"
		}
		return ip
	}
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i > 0 {
			return h[:i+1]
		}
		return h
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		return h[:i]
	}
	return h
}

// host is the IP address of a, without a port.
func host(a net.Addr) string {
	if a == nil {
		return ""
	}
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}

// port is the port of a, in decimal.
func port(a net.Addr) string {
	if a == nil {
		return ""
	}
	if t, ok := a.(*net.TCPAddr); ok {
		return strconv.Itoa(t.Port)
	}
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

// splitPath decides whether the request's path p (Request.Path: decoded,
// and cleaned of "." and ".." segments, so that "/cgi/../../etc/passwd"
// is "/etc/passwd", not a CGI request) lies under mount, and returns the
// rest: PATH_INFO, which RFC 3875 4.1.5 says is not URL-encoded. ok is
// false for a path that cannot be a variable value: one that is not
// absolute, or that holds a control character (a NUL cannot be passed at
// all; a newline could forge lines in a script's output).
func splitPath(p, mount string) (pathInfo string, under, ok bool) {
	if !strings.HasPrefix(p, "/") {
		return "", false, false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f {
			return "", false, false
		}
	}
	switch {
	case mount == "":
		return p, true, true // the script owns every path
	case p == mount:
		return "", true, true
	case strings.HasPrefix(p, mount+"/"):
		return p[len(mount):], true, true
	}
	return "", false, true
}
