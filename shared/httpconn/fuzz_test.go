package httpconn

import (
	"bytes"
	"strconv"
	"testing"
	"time"
)

// FuzzParseTime: ParseTime never panics, and a date it accepts is a real
// instant that survives a round trip through IMF-fixdate, the one format
// lisod sends (Last-Modified, Date).
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"Sun, 06 Nov 1994 08:49:37 GMT", // the three forms of RFC 9110 5.6.7
		"Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994",
		"Thu, 01 Jan 1970 00:00:00 GMT",
		"Fri, 31 Dec 9999 23:59:59 GMT",
		"Sun, 06 Nov 1994 08:49:37 PST", // only GMT is allowed
		"Sun, 06 Nov 1994 25:61:61 GMT",
		"Mon, 29 Feb 2021 00:00:00 GMT", // no such day
		"garbage", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, ok := ParseTime(s)
		if !ok {
			return
		}
		again, ok := ParseTime(tm.UTC().Format(TimeFormat))
		if !ok || !again.Equal(tm.Truncate(time.Second)) {
			t.Fatalf("ParseTime(%q) = %v; formatted and parsed again it is %v, %v", s, tm, again, ok)
		}
	})
}

// FuzzAppendEscaped: whatever a client sends as its target, Referer or
// User-Agent, the access log gets it on one line, with no byte that a log
// reader could take for a line end, a field end or an escape it did not
// write (log injection), and nothing lost: the escapes decode back to the
// input.
func FuzzAppendEscaped(f *testing.F) {
	for _, s := range []string{
		"/index.html", "curl/8.5.0",
		"/a\r\n127.0.0.1 - - [01/Jan/2026:00:00:00 +0000] \"GET /forged HTTP/1.1\" 200 1",
		`a "quoted" \x41 value`, "caf\xc3\xa9", "\x00\x1b[31mred\x7f\xff", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendEscaped(nil, s)
		for i, c := range out {
			if c < 0x20 || c >= 0x7f || c == '"' {
				t.Fatalf("appendEscaped(%q) = %q: byte %#x at %d", s, out, c, i)
			}
		}
		if got, err := unescapeLog(out); err != nil || got != s {
			t.Fatalf("appendEscaped(%q) = %q, which decodes to %q, %v", s, out, got, err)
		}
	})
}

// unescapeLog decodes the \xHH escapes appendEscaped writes; a backslash
// followed by anything else is an error.
func unescapeLog(b []byte) (string, error) {
	var out bytes.Buffer
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			out.WriteByte(b[i])
			continue
		}
		if i+3 >= len(b) || b[i+1] != 'x' {
			return "", strconv.ErrSyntax
		}
		v, err := strconv.ParseUint(string(b[i+2:i+4]), 16, 8)
		if err != nil {
			return "", err
		}
		out.WriteByte(byte(v))
		i += 3
	}
	return out.String(), nil
}
