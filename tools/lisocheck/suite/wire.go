package suite

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"syscall"
)

// CRLF turns the "\n" of a readable request literal into "\r\n".
func CRLF(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// Reply is one response as checks compare it.
type Reply struct {
	Status int
	Header http.Header
	Close  bool // the server said it closes the connection
	Body   []byte
	Proto  string
}

// Head is the reply's status line and header fields, one a line, as a
// failure shows what came back.
func (r Reply) Head() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d %s", r.Proto, r.Status, http.StatusText(r.Status))
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range r.Header[k] {
			fmt.Fprintf(&b, "\n%s: %s", k, v)
		}
	}
	if len(r.Body) > 0 {
		fmt.Fprintf(&b, "\n\n%s", Shorten(string(r.Body), 200))
	}
	return b.String()
}

// ReadReply reads the next final response on br to a request with method,
// skipping interim (1xx) answers. Go's own parser is the independent peer.
func ReadReply(br *bufio.Reader, method string) (Reply, error) {
	for {
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			return Reply{}, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return Reply{}, fmt.Errorf("reading the body of a %d answer: %w", resp.StatusCode, err)
		}
		if resp.StatusCode >= 200 {
			return Reply{Status: resp.StatusCode, Header: resp.Header, Close: resp.Close, Body: body, Proto: resp.Proto}, nil
		}
	}
}

// ReadAllReplies reads answers on br until the connection ends, for
// requests that all have method. It stops at the first bytes that are not
// a response, and returns them in the error.
func ReadAllReplies(br *bufio.Reader, method string) ([]Reply, error) {
	var got []Reply
	for {
		if _, err := br.Peek(1); err != nil {
			if Closed(err) {
				return got, nil
			}
			return got, err
		}
		r, err := ReadReply(br, method)
		if err != nil {
			rest, _ := br.Peek(br.Buffered())
			return got, fmt.Errorf("answer %d: %w (bytes %q)", len(got)+1, err, rest)
		}
		got = append(got, r)
	}
}

// Closed reports whether err means the server closed the connection: the
// end of the stream, or a reset (a server that closes with request bytes
// unread makes the kernel send RST).
func Closed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF)
}

// Method is the method of a raw request, as a response parser needs it
// (answers to HEAD have no body).
func Method(raw string) string {
	m, _, _ := strings.Cut(strings.TrimLeft(raw, "\r\n"), " ")
	return m
}

// Exchange sends raw on a new connection to addr and reads every answer
// until the server closes the connection.
func Exchange(addr, raw string) ([]Reply, error) {
	c, err := Dial(addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		return nil, err
	}
	return ReadAllReplies(bufio.NewReader(c), Method(raw))
}

// Get sends one "Connection: close" request for path and returns the
// answer, and the raw request for a failure message.
func Get(addr, method, path string) (Reply, string, error) {
	raw := method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
	c, err := Dial(addr)
	if err != nil {
		return Reply{}, raw, err
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		return Reply{}, raw, err
	}
	r, err := ReadReply(bufio.NewReader(c), method)
	return r, raw, err
}
