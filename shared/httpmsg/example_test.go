package httpmsg_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"liso/shared/httpmsg"
)

// A connection loop: one Reader and one Request per connection, a request
// answered after its body is read, and the connection closed after any
// error or a request that asks for it.
func ExampleReader() {
	conn := strings.NewReader("GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n" +
		"POST /cgi/echo?x=1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello" +
		"BREW /pot HTTP/1.1\r\nHost: localhost\r\n\r\n" +
		"GET / HTTP/2.0\r\nHost: localhost\r\n\r\n")
	r := httpmsg.NewReader(bufio.NewReader(conn), httpmsg.Limits{})
	var req httpmsg.Request
	for {
		err := r.ReadRequest(&req)
		var se *httpmsg.StatusError
		switch {
		case err == io.EOF:
			fmt.Println("client closed the connection")
			return
		case errors.As(err, &se):
			fmt.Println("answer", se.Code, se.Reason, "and close")
			return
		case err != nil:
			fmt.Println("close:", err)
			return
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			fmt.Println("close:", err)
			return
		}
		fmt.Printf("%s %s query=%q body=%q\n", req.Method, req.Path, req.RawQuery, body)
		if req.Close {
			return
		}
	}
	// Output:
	// GET /index.html query="" body=""
	// POST /cgi/echo query="x=1" body="hello"
	// BREW /pot query="" body=""
	// answer 505 HTTP version not supported and close
}
