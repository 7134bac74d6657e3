package httpconn

import (
	"crypto/tls"
	"net"
	"strconv"
	"sync"
	"time"
)

// logTimes caches the access log's time stamp for the current second, as
// dates does for the Date header.
var logTimes = secondCache{layout: "02/Jan/2006:15:04:05 -0700", local: true}

// logLines holds scratch buffers for access log lines.
var logLines = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// logAccess writes one line in the Combined Log Format of Apache and
// nginx, followed by the scheme (http or https):
//
//	127.0.0.1 - - [29/Nov/2026:17:00:00 +0000] "GET /index.html HTTP/1.1" 200 1024 "-" "curl/7.88.1" http
//
// Tools such as GoAccess read it (their COMBINED format plus one ignored
// field). Quotes, backslashes and control bytes in client-sent text are
// escaped, so a client cannot forge log lines.
func (c *conn) logAccess() {
	if c.srv.AccessLog == nil {
		return
	}
	bp := logLines.Get().(*[]byte)
	b := (*bp)[:0]
	req, w := &c.req, &c.w
	b = appendHost(b, c.nc.RemoteAddr())
	b = append(b, " - - ["...)
	b = append(b, logTimes.format(time.Now())...)
	b = append(b, "] \""...)
	if req.Method != "" && req.Proto != "" {
		b = appendEscaped(b, req.Method)
		b = append(b, ' ')
		b = appendEscaped(b, req.Target)
		b = append(b, ' ')
		b = append(b, req.Proto...)
	} else {
		b = append(b, '-') // the request line itself was bad
	}
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, int64(w.status), 10)
	b = append(b, ' ')
	if w.written > 0 && !w.noBody {
		b = strconv.AppendInt(b, w.written, 10)
	} else {
		b = append(b, '-')
	}
	b = appendQuoted(b, req.Header.Get("Referer"))
	b = appendQuoted(b, req.Header.Get("User-Agent"))
	if _, ok := c.nc.(*tls.Conn); ok {
		b = append(b, " https"...)
	} else {
		b = append(b, " http"...)
	}
	b = append(b, '\n')
	c.srv.AccessLog.Write(b)
	*bp = b
	logLines.Put(bp)
}

// appendHost appends the client's IP address. A TCP address is formatted
// in place; turning it into a string and splitting off the port would
// cost two allocations on every request.
func appendHost(b []byte, addr net.Addr) []byte {
	if ta, ok := addr.(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap().AppendTo(b)
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		host = addr.String()
	}
	return append(b, host...)
}

// appendQuoted appends ` "value"`, or ` "-"` for an empty value.
func appendQuoted(b []byte, v string) []byte {
	b = append(b, " \""...)
	if v == "" {
		v = "-"
	}
	b = appendEscaped(b, v)
	return append(b, '"')
}

// appendEscaped copies s, writing `"`, `\` and bytes outside printable
// ASCII as \xHH, as nginx does.
func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' {
			b = append(b, '\\', 'x', hex[ch>>4], hex[ch&0xf])
			continue
		}
		b = append(b, ch)
	}
	return b
}
