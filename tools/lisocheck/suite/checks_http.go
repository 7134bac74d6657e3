package suite

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/google/go-cmp/cmp"
)

// httpChecks are checkpoint 2's: the static site over HTTP/1.1, in the
// order they run: the header fields of a 200, the content types and HEAD,
// the status codes, persistent connections, pipelining, the load, and the
// RFC's rules that --strict adds.
var httpChecks = slices.Concat(httpHeaderChecks, httpContentChecks, httpStatusChecks,
	httpConnChecks, httpPipeliningChecks, httpLoadChecks, httpStrictChecks)

// httpContentChecks: what each file is served as.
var httpContentChecks = []Check{
	{
		Name:  "http/mime-types",
		Stage: StageHTTP,
		Rule:  "course: Content-Type from the extension: html text/html, css text/css, png image/png, jpg/jpeg image/jpeg, gif image/gif, else application/octet-stream, with no parameter",
		Doc:   "docs/checkpoint2.md#status-codes",
		Run: func(c *C) {
			for _, m := range MIMETypes {
				r, raw, err := Get(c.Addr, "GET", m.Path)
				switch {
				case err != nil:
					c.Fail(Failure{Sent: raw, Got: err.Error(), Want: "200 with Content-Type: " + m.Type})
				case r.Status != 200 || r.Header.Get("Content-Type") != m.Type:
					c.Fail(Failure{Sent: raw, Got: r.Head(), Want: "200 with Content-Type: " + m.Type})
				case !bytes.Equal(r.Body, c.Site.Files[m.Path]):
					c.Fail(Failure{Sent: raw, Got: Shorten(string(r.Body), 200), Want: "the file's bytes: " + Shorten(string(c.Site.Files[m.Path]), 200)})
				}
			}
		},
	},
	{
		Name:  "http/head-equals-get",
		Stage: StageHTTP,
		Rule:  "course: HEAD gets the same header fields as GET, and no body (RFC 9110 9.3.2)",
		Doc:   "docs/checkpoint2.md#status-codes",
		Run: func(c *C) {
			for _, m := range MIMETypes {
				get, _, err1 := Get(c.Addr, "GET", m.Path)
				head, raw, err2 := Get(c.Addr, "HEAD", m.Path)
				if err1 != nil || err2 != nil {
					c.Fatal(Failure{Sent: raw, Got: fmt.Sprint(err1, err2), Want: "answers to GET and HEAD"})
				}
				// Date may tick between the two; every other field must match.
				get.Header.Del("Date")
				head.Header.Del("Date")
				if diff := cmp.Diff(get.Header, head.Header); diff != "" || len(head.Body) != 0 {
					c.Fail(Failure{Sent: raw, Got: head.Head(), Want: "GET's fields, no body", Note: "(-GET +HEAD):\n" + diff})
				}
			}
		},
	},
}
