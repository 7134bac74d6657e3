package httpmsg_test

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"liso/shared/httpmsg"
)

// crlf turns the "\n" of a readable literal into the "\r\n" of the wire.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// hdr builds a Header from name, value pairs.
func hdr(nameValues ...string) httpmsg.Header {
	var h httpmsg.Header
	for i := 0; i+1 < len(nameValues); i += 2 {
		h = append(h, httpmsg.Field{Name: nameValues[i], Value: nameValues[i+1]})
	}
	return h
}

// readMode is one way for the bytes of a request to arrive.
type readMode struct {
	name string
	br   func(io.Reader) *bufio.Reader
}

// readModes covers whole reads, one byte per Read (every line, field and
// chunk split everywhere it can be), and a 16-byte bufio.Reader (the
// smallest there is), so that ordinary lines are longer than its buffer.
var readModes = []readMode{
	{"whole", func(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }},
	{"one-byte", func(r io.Reader) *bufio.Reader { return bufio.NewReader(iotest.OneByteReader(r)) }},
	{"16-byte-buffer", func(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 16) }},
}

// ignoreBody compares Requests without their Body (a reader, not a value)
// and treats a nil and an empty Header as equal.
var ignoreBody = cmp.Options{
	cmpopts.IgnoreFields(httpmsg.Request{}, "Body"),
	cmpopts.EquateEmpty(),
}

// statusCode returns the Code of a *StatusError, or 0 for any other error.
func statusCode(err error) int {
	var se *httpmsg.StatusError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// errorReader returns its bytes, then err (instead of io.EOF).
type errorReader struct {
	data string
	err  error
}

func (e *errorReader) Read(p []byte) (int, error) {
	if e.data == "" {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

// readBody reads req's whole Body, as a server would, in small reads so
// that chunk boundaries fall inside reads.
func readBody(t *testing.T, req *httpmsg.Request) (string, error) {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 7)
	for range 1 << 20 {
		n, err := req.Body.Read(buf)
		b.Write(buf[:n])
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return b.String(), err
		}
	}
	t.Fatalf("Body.Read never returned io.EOF")
	return "", nil
}
