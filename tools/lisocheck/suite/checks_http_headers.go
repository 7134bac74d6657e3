package suite

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// The header fields the course's graders look for on a 200 answer to a
// GET, a check each, so that a failure names the field.
var httpHeaderChecks = []Check{
	{
		Name:  "http/header-server",
		Stage: StageHTTP,
		Rule:  "course: every answer names the server in a Server field (the graders look for it)",
		Doc:   "docs/checkpoint2.md#how-an-http11-message-is-framed",
		Run: func(c *C) {
			a := fetchPage(c, "/index.html")
			if a.Header.Get("Server") == "" {
				c.Fail(Failure{Sent: a.Sent, Got: a.Head(), Want: "a Server field"})
			}
		},
	},
	{
		Name:  "http/header-server-liso",
		Stage: StageHTTP,
		Rule:  "course: the graders compare the Server field with the handout's value, Server: Liso/1.0",
		Doc:   "docs/checkpoint2.md#how-an-http11-message-is-framed",
		Run: func(c *C) {
			a := fetchPage(c, "/index.html")
			if got := a.Header.Values("Server"); len(got) != 1 || got[0] != "Liso/1.0" {
				c.Fail(Failure{Sent: a.Sent, Got: a.Head(), Want: "Server: Liso/1.0", Note: "a server of your own may name itself otherwise; the course's graders expect this value"})
			}
		},
	},
	{
		Name:  "http/header-content-length",
		Stage: StageHTTP,
		Rule:  "course: an exact Content-Length: the number of bytes of the body that follows, which is the file (RFC 9110 8.6)",
		Doc:   "docs/checkpoint2.md#how-an-http11-message-is-framed",
		Run: func(c *C) {
			for _, path := range []string{"/index.html", "/logo.png", BigPath} {
				a := fetchPage(c, path)
				want := len(c.Site.Files[path])
				got := a.Header.Values("Content-Length")
				switch {
				case len(got) != 1:
					c.Fail(Failure{Sent: a.Sent, Got: a.Head(), Want: fmt.Sprintf("one Content-Length: %d", want)})
				case got[0] != strconv.Itoa(len(a.Body)):
					c.Fail(Failure{Sent: a.Sent, Got: fmt.Sprintf("Content-Length: %s, and %d bytes of body before the server closed the connection", got[0], len(a.Body)), Want: "the body's length"})
				case len(a.Body) != want:
					c.Fail(Failure{Sent: a.Sent, Got: fmt.Sprintf("a body of %d bytes", len(a.Body)), Want: fmt.Sprintf("the file's %d bytes", want)})
				}
			}
		},
	},
	{
		Name:  "http/header-date",
		Stage: StageHTTP,
		Rule:  "course: a Date field in IMF-fixdate, the one form a server may send (RFC 9110 5.6.7: \"Sun, 06 Nov 1994 08:49:37 GMT\"), and the time now",
		Doc:   "docs/checkpoint2.md#how-an-http11-message-is-framed",
		Run: func(c *C) {
			a := fetchPage(c, "/index.html")
			d, err := imfFixdate(a.Header.Values("Date"))
			if err != nil {
				c.Fatal(Failure{Sent: a.Sent, Got: a.Head(), Want: "Date: " + time.Now().UTC().Format(http.TimeFormat), Note: err.Error()})
			}
			// The date has whole seconds, and a server may format it once a second.
			if d.Before(a.Start.Add(-dateSlack)) || d.After(a.End.Add(dateSlack)) {
				c.Fail(Failure{Sent: a.Sent, Got: "Date: " + a.Header.Get("Date"), Want: fmt.Sprintf("the time of the answer, %s, within %v", a.End.UTC().Format(http.TimeFormat), dateSlack)})
			}
		},
	},
	{
		Name:  "http/header-last-modified",
		Stage: StageHTTP,
		Rule:  "course: a Last-Modified field, in IMF-fixdate, that is the file's modification time (RFC 9110 8.8.2)",
		Doc:   "docs/checkpoint2.md#how-an-http11-message-is-framed",
		Run: func(c *C) {
			for _, path := range []string{"/index.html", "/logo.png"} {
				a := fetchPage(c, path)
				info, err := os.Stat(filepath.Join(c.Site.WWW, filepath.FromSlash(path)))
				if err != nil {
					c.Fatal(Errorf("the site's file: %v", err))
				}
				want := info.ModTime().UTC().Truncate(time.Second)
				d, err := imfFixdate(a.Header.Values("Last-Modified"))
				switch {
				case err != nil:
					c.Fail(Failure{Sent: a.Sent, Got: a.Head(), Want: "Last-Modified: " + want.Format(http.TimeFormat), Note: err.Error()})
				case !d.Equal(want):
					c.Fail(Failure{Sent: a.Sent, Got: "Last-Modified: " + a.Header.Get("Last-Modified"), Want: "Last-Modified: " + want.Format(http.TimeFormat) + ", the file's modification time"})
				}
			}
		},
	},
	{
		Name:  "http/header-content-type",
		Stage: StageHTTP,
		Rule:  "course: a Content-Type field on every file (the graders look for it; http/mime-types checks its values)",
		Doc:   "docs/checkpoint2.md#status-codes",
		Run: func(c *C) {
			a := fetchPage(c, "/index.html")
			if a.Header.Get("Content-Type") == "" {
				c.Fail(Failure{Sent: a.Sent, Got: a.Head(), Want: "Content-Type: text/html"})
			}
		},
	},
	{
		Name:  "http/header-connection",
		Stage: StageHTTP,
		Rule:  "course: a Connection field on every answer (the graders look for it): close when the request asked to close, keep-alive or close otherwise (RFC 9112 9.6)",
		Doc:   "docs/checkpoint2.md#keep-alive-and-pipelining-rules",
		Run: func(c *C) {
			a := fetchPage(c, "/index.html")
			if v := a.Header.Get("Connection"); !hasToken(v, "close") {
				c.Fail(Failure{Sent: a.Sent, Got: a.Head(), Want: "Connection: close"})
			}
			raw := CRLF("GET /index.html HTTP/1.1\nHost: localhost\n\n")
			r, err := firstAnswer(c.Addr, raw, HangGuard)
			switch {
			case err != nil:
				c.Fail(Failure{Sent: raw, Got: err.Error(), Want: "200 with a Connection field"})
			case !hasToken(connectionField(r), "keep-alive") && !hasToken(connectionField(r), "close"):
				c.Fail(Failure{Sent: raw, Got: r.Head(), Want: "Connection: keep-alive (or close)"})
			}
		},
	},
}

// dateSlack is how far a Date may be from the clock of a check on the
// same machine: the field has whole seconds, and a server may format it
// once a second.
const dateSlack = 2 * time.Second

// imfFixdate parses the one value of a date field, which must be in
// IMF-fixdate: http.ParseTime would also take the obsolete forms (RFC 850,
// asctime), which a server must not send (RFC 9110 5.6.7).
func imfFixdate(values []string) (time.Time, error) {
	if len(values) != 1 {
		return time.Time{}, fmt.Errorf("%d such fields; want one", len(values))
	}
	t, err := time.Parse(http.TimeFormat, values[0])
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an IMF-fixdate: %v", values[0], err)
	}
	// Parse ignores the weekday, and takes a one-digit day: the value must be
	// exactly what the date formats to.
	if want := t.Format(http.TimeFormat); values[0] != want {
		return time.Time{}, fmt.Errorf("%q is not an IMF-fixdate: the date is %s", values[0], want)
	}
	return t, nil
}
