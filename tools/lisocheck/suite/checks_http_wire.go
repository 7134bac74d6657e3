package suite

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// rawAnswer is one request sent on a new connection and everything the
// server sent back until it closed the connection, byte for byte: the
// checks of single header fields read it, so that a wrong Content-Length
// shows as the bytes that came, not as a parser's complaint.
type rawAnswer struct {
	Sent   string
	Raw    []byte      // everything the server sent
	Status int         // of the status line
	Header http.Header // the fields of the head, parsed by Go's parser
	Body   []byte      // every byte after the head's empty line
	// Start is when the request was sent, End when the answer ended.
	Start, End time.Time
}

// fetchRaw sends raw (a request that asks to close) and reads until the
// server closes the connection.
func fetchRaw(addr, raw string) (rawAnswer, error) {
	a := rawAnswer{Sent: raw}
	conn, err := Dial(addr)
	if err != nil {
		return a, err
	}
	defer conn.Close()
	a.Start = time.Now()
	if _, err := io.WriteString(conn, raw); err != nil {
		return a, err
	}
	a.Raw, err = io.ReadAll(conn)
	a.End = time.Now()
	if err != nil && !Closed(err) {
		return a, fmt.Errorf("reading until the server closes the connection: %w (after %d bytes: %s)", err, len(a.Raw), Shorten(string(a.Raw), 300))
	}
	head, body, ok := bytes.Cut(a.Raw, []byte("\r\n\r\n"))
	if !ok {
		return a, fmt.Errorf("no head ended by an empty line (CRLF CRLF) in the %d bytes that came: %s", len(a.Raw), Shorten(string(a.Raw), 300))
	}
	a.Body = body
	if a.Status, a.Header, err = parseHead(head); err != nil {
		return a, fmt.Errorf("the head does not parse: %w: %s", err, Shorten(string(head), 300))
	}
	return a, nil
}

// parseHead parses a response's status line and fields with
// net/textproto, which keeps every field as it came (http.ReadResponse
// takes "Connection: close" out).
func parseHead(head []byte) (int, http.Header, error) {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(head, "\r\n\r\n"...))))
	line, err := tp.ReadLine()
	if err != nil {
		return 0, nil, err
	}
	proto, rest, _ := strings.Cut(line, " ")
	code, _, _ := strings.Cut(rest, " ")
	status, err := strconv.Atoi(code)
	if !strings.HasPrefix(proto, "HTTP/") || len(code) != 3 || err != nil {
		return 0, nil, fmt.Errorf("a malformed status line %q", line)
	}
	fields, err := tp.ReadMIMEHeader()
	if err != nil {
		return 0, nil, err
	}
	return status, http.Header(fields), nil
}

// connectionField is the Connection field of an answer that Go's parser
// read: it takes "close" out of an HTTP/1.1 answer's fields, and sets
// Close instead.
func connectionField(r Reply) string {
	if v := r.Header.Get("Connection"); v != "" {
		return v
	}
	if r.Close && r.Proto == "HTTP/1.1" {
		return "close"
	}
	return ""
}

// Head is the status line and fields as they came, for a failure.
func (a rawAnswer) Head() string {
	head, _, _ := bytes.Cut(a.Raw, []byte("\r\n\r\n"))
	return strings.ReplaceAll(string(head), "\r\n", "\n")
}

// fetchPage is fetchRaw of a GET of path that asks to close; a request
// that gets no 200 ends the check.
func fetchPage(c *C, path string) rawAnswer {
	raw := CRLF("GET " + path + " HTTP/1.1\nHost: localhost\nUser-Agent: lisocheck\nConnection: close\n\n")
	a, err := fetchRaw(c.Addr, raw)
	switch {
	case err != nil:
		c.Fatal(Failure{Sent: raw, Got: err.Error(), Want: "200 OK and the file"})
	case a.Status != 200:
		c.Fatal(Failure{Sent: raw, Got: a.Head(), Want: "200 OK and the file"})
	}
	return a
}

// firstAnswer sends raw on a new connection and reads the first final
// answer, for the checks of a status code: what the server does with the
// connection afterwards is not theirs to judge. wait bounds the wait for
// the answer.
func firstAnswer(addr, raw string, wait time.Duration) (Reply, error) {
	conn, err := Dial(addr)
	if err != nil {
		return Reply{}, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(conn, raw); err != nil {
		return Reply{}, err
	}
	r, err := ReadReply(bufio.NewReader(conn), Method(raw))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = fmt.Errorf("no answer within %v", wait)
	}
	return r, err
}

// statusCase is a request and the status code it must get.
type statusCase struct {
	name string
	raw  string
	want int
}

// checkStatuses sends each case on a new connection and compares the
// first answer's status code.
func checkStatuses(c *C, cases []statusCase, why string) {
	for _, tt := range cases {
		r, err := firstAnswer(c.Addr, tt.raw, HangGuard)
		want := fmt.Sprintf("%d %s (%s)", tt.want, http.StatusText(tt.want), tt.name)
		switch {
		case err != nil:
			c.Fail(Failure{Sent: tt.raw, Got: err.Error(), Want: want, Note: why})
		case r.Status != tt.want:
			c.Fail(Failure{Sent: tt.raw, Got: r.Head(), Want: want, Note: why})
		}
	}
}

// expectClosed reads on br, after the last answer, and reports whether
// the server closed the connection within wait; got is what came instead.
func expectClosed(conn net.Conn, br *bufio.Reader, wait time.Duration) (got string, closed bool) {
	conn.SetReadDeadline(time.Now().Add(wait))
	rest, err := io.ReadAll(br)
	switch {
	case len(rest) > 0:
		return fmt.Sprintf("%d more bytes: %s", len(rest), Shorten(string(rest), 200)), false
	case err == nil || Closed(err):
		return "", true
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("the connection still open %v after the last answer", wait), false
	default:
		return err.Error(), false
	}
}

// hasToken reports whether a comma-separated field value (Connection)
// holds token, in any case.
func hasToken(value, token string) bool {
	for _, t := range strings.Split(value, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// closeWait is how long a check waits for the server to close a
// connection it said it would close.
const closeWait = 5 * time.Second

func sha256Sum(p []byte) [32]byte { return sha256.Sum256(p) }

// logLine is the last line of the file that contains s, or "".
func logLine(file, s string) string {
	data, _ := os.ReadFile(file)
	for _, line := range slices.Backward(strings.Split(string(data), "\n")) {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

// logTail is the last n bytes of the file, for a failure message.
func logTail(file string, n int) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return err.Error()
	}
	return string(data[max(0, len(data)-n):])
}
