package cgihost

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"liso/shared/httpconn"
	"liso/shared/httpmsg"
)

// requestBody is how a request's body reaches the script's stdin.
//
// RFC 3875 4.1.2 wants CONTENT_LENGTH whenever there is a body, and a
// script may rely on it (Werkzeug reads exactly that many bytes). A body
// with a Content-Length streams to the script through a pipe as it
// arrives. A chunked body has no length until its end, so it is first
// decoded into an unnamed temporary file (bounded by the server's
// MaxBodyBytes, so memory stays flat), counted, and the file becomes the
// script's stdin.
type requestBody struct {
	stdin  *os.File // the script's stdin: a pipe's read end, a temporary file, or nil (none)
	feed   *os.File // the pipe's write end the feeder copies the body into; nil when not streamed
	length int64    // CONTENT_LENGTH; -1 when the request has no body
}

// openBody prepares the body of r for the script.
func (h *Handler) openBody(r *httpmsg.Request) (requestBody, error) {
	switch {
	case r.Chunked:
		f, err := os.CreateTemp(h.TempDir, "lisod-cgi-body-")
		if err != nil {
			return requestBody{}, fmt.Errorf("cgihost: buffering a chunked body: %w", err)
		}
		os.Remove(f.Name()) // the open file lives on, nameless, until closed
		n, err := io.Copy(f, r.Body)
		if err == nil {
			_, err = f.Seek(0, io.SeekStart)
		}
		if err != nil {
			f.Close()
			return requestBody{}, err
		}
		return requestBody{stdin: f, length: n}, nil
	case r.ContentLength > 0:
		pr, pw, err := os.Pipe()
		if err != nil {
			return requestBody{}, fmt.Errorf("cgihost: stdin pipe: %w", err)
		}
		return requestBody{stdin: pr, feed: pw, length: r.ContentLength}, nil
	case len(r.Header.Values("Content-Length")) > 0:
		return requestBody{length: 0}, nil // "Content-Length: 0"
	}
	return requestBody{length: -1}, nil
}

// close releases what the server still holds of the body.
func (b requestBody) close() {
	if b.stdin != nil {
		b.stdin.Close()
	}
	if b.feed != nil {
		b.feed.Close()
	}
}

// bodyStatus is the answer to a request whose body could not be prepared:
// the parser's own status (413, 400), 408 for a client too slow, 500 for
// our own failure (a full disk), else 400.
func bodyStatus(err error) int {
	var se *httpmsg.StatusError
	var pe *fs.PathError
	switch {
	case errors.As(err, &se):
		return se.Code
	case errors.Is(err, os.ErrDeadlineExceeded):
		return 408
	case errors.As(err, &pe):
		return 500
	}
	return 400
}

// serveClient is the goroutine on the client's side of a run. It copies a
// streamed body into the script's stdin, closes stdin at the body's end,
// and then watches the connection, killing the script if the client goes
// away before its whole answer is written, until the run is over.
func (rn *run) serveClient(w *httpconn.ResponseWriter, body io.Reader, feed *os.File) {
	defer close(rn.clientDone)
	if feed != nil {
		err := rn.feed(feed, body)
		if err != nil {
			// Recorded before stdin closes: a script that ends at the
			// EOF of a cut body must not pass for one that answered.
			rn.h.Log.Info("cgi: reading the request body", "pid", rn.pid, "err", err)
			if rn.markLeft() {
				rn.abort()
			}
		}
		feed.Close() // EOF on the script's stdin
		if err != nil {
			<-rn.finished
			return
		}
	}
	stop := w.WatchClient(func() {
		// The client may have closed because it has just read the last
		// bytes of its answer, while the relay that wrote them has not
		// yet recorded so: answerMu waits for that write to be over.
		rn.answerMu.Lock()
		cut := rn.markLeft()
		rn.answerMu.Unlock()
		if !cut {
			// A client that leaves once it has its whole answer (curl,
			// after a Content-Length body) lets the script end in peace.
			rn.h.Log.Debug("cgi: the client left after its whole answer", "pid", rn.pid)
			return
		}
		rn.abort()
	})
	<-rn.finished
	stop()
}

// feed copies the body into the script's stdin. It returns an error only
// when reading the body fails; a script that stops reading its stdin (it
// closed it, or exited) ends the copy quietly, and the server deals with
// the rest of the body after the answer.
func (rn *run) feed(stdin *os.File, body io.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := body.Read(buf) // while the relay writes: see httpconn.ResponseWriter
		if n > 0 {
			if _, werr := stdin.Write(buf[:n]); werr != nil {
				return nil // EPIPE: nobody reads stdin any more
			}
		}
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		}
	}
}
