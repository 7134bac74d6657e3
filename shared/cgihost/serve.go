package cgihost

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"liso/shared/httpconn"
	"liso/shared/httpmsg"
)

// statusClientGone is logged (as nginx does) for a request whose client
// went away before its answer was complete; nobody receives it.
const statusClientGone = 499

// outBufSize is the buffer between the script's stdout and the client,
// the only copy of the script's output the server holds at a time.
const outBufSize = 16 << 10

var outReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, outBufSize) }}

// outcome is how relaying a script's output ended.
type outcome struct {
	location string // a local redirect for the caller to follow
	status   int    // the error status to answer, or to cut the answer with; 0 if it went well
	err      error  // what went wrong, for the log
}

// serveScript runs the script for r and answers it. It returns the target
// of a local redirect (RFC 3875 6.2.2), which the caller follows, or "".
func (h *Handler) serveScript(w *httpconn.ResponseWriter, r *httpmsg.Request, pathInfo string) string {
	// A chunked body is read in full first (see requestBody), before the
	// request takes one of the MaxScripts places: a slow client must not
	// hold one while it trickles its body in.
	body, err := h.openBody(r)
	if err != nil {
		h.Log.Info("cgi: reading the request body", "err", err)
		w.Error(bodyStatus(err))
		return ""
	}
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	default:
		body.close()
		h.Log.Warn("cgi: too many scripts running; answering 503", "max", h.MaxScripts)
		w.SetHeader("Retry-After", "1")
		w.Error(503)
		return ""
	}
	env := buildEnv(envInput{
		req:      r,
		mount:    h.mount,
		pathInfo: pathInfo,
		script:   h.script,
		local:    w.LocalAddr(),
		remote:   w.RemoteAddr(),
		https:    w.TLS() != nil,
		bodyLen:  body.length,
		pathVar:  h.pathVar,
	})
	rn, err := h.start(env, body.stdin)
	if err != nil {
		body.close()
		h.Log.Error("cgi: cannot run the script", "err", err)
		w.Error(500)
		return ""
	}
	if body.stdin != nil {
		body.stdin.Close() // the script has its own copy
	}
	go rn.serveClient(w, r.Body, body.feed)

	out := outReaders.Get().(*bufio.Reader)
	out.Reset(rn.stdout)
	res := rn.relay(w, out)
	out.Reset(nil)
	outReaders.Put(out)

	rn.end(res.status != 0 || res.err != nil)
	if res.err != nil {
		h.Log.Info("cgi: answer failed", "pid", rn.pid, "status", res.status, "err", res.err)
	}
	if res.status != 0 {
		// Nothing written yet: an error page. Otherwise the answer is cut
		// short and the connection closed, which tells the client.
		w.Error(res.status)
	}
	return res.location
}

// relay turns the script's output into the answer to the client, as the
// output arrives.
func (rn *run) relay(w *httpconn.ResponseWriter, out *bufio.Reader) outcome {
	// The course's scripts write a whole response, status line included
	// (a "non-parsed header" script): it goes to the client unmodified,
	// and the connection closes after it, as its framing is unknown.
	if p, _ := out.Peek(len("HTTP/1.")); string(p) == "HTTP/1." {
		raw, err := w.Raw()
		if err != nil {
			return outcome{status: 500, err: err}
		}
		return rn.pump(raw, w, out, -1)
	}

	hdr, err := parseHeader(out, rn.h.MaxHeaderBytes)
	if err != nil {
		return rn.failure(err)
	}
	if hdr.localRedirect() {
		// Only a Location with no body is a local redirect; with a body
		// it is a document for the client, sent as 302.
		switch _, err := out.Peek(1); {
		case err == io.EOF:
			return outcome{location: hdr.location}
		case err != nil:
			return rn.failure(err)
		}
	}
	status := writeHead(w, &hdr)
	// The answer is complete with its head alone (HEAD, 204, 304), with
	// the Content-Length's bytes, or else at the end of the output.
	size := hdr.contentLength
	if w.Request().Method == "HEAD" || status == 204 || status == 304 {
		size = 0
	}
	return rn.pump(w, w, out, size)
}

// writeHead sends the status line and header fields of a script's answer,
// and returns the status.
func writeHead(w *httpconn.ResponseWriter, hdr *header) int {
	status := hdr.status
	if status == 0 {
		status = 200
		if hdr.location != "" {
			status = 302 // a client redirect (RFC 3875 6.2.3, 6.2.4)
		}
	}
	for _, f := range hdr.fields {
		if !serverOwned(f.Name) {
			w.AddHeader(f.Name, f.Value)
		}
	}
	if hdr.contentLength >= 0 {
		w.SetContentLength(hdr.contentLength)
	}
	w.WriteHeader(status)
	return status
}

// serverOwned reports the fields a script may not send: those that frame
// or describe one connection (RFC 9110 7.6.1), which the server sets for
// its own framing, and Server and Date, which it always sends itself.
func serverOwned(name string) bool {
	switch strings.ToLower(name) {
	case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
		"server", "date":
		return true
	}
	return false
}

// pump copies the rest of the script's output to dst as it comes: each
// read from the pipe is written and flushed at once, so the client sees
// what the script has written, and the server holds one buffer of it at
// most, however much the script writes. dst is w, or w.Raw().
//
// The answer is complete, and the client free to leave without that
// killing the script (see serveClient), once size body bytes are written
// or, when size is -1 (no Content-Length: chunked, closed, or a script's
// own status line), once the script has closed its stdout with every byte
// written. "Written" means handed to the kernel: a server cannot know
// more about what its client has read.
func (rn *run) pump(dst io.Writer, w *httpconn.ResponseWriter, out *bufio.Reader, size int64) outcome {
	var written int64
	if size == 0 {
		// The head is the whole answer (HEAD, 204, 304, an empty body):
		// it goes now, not with whatever the script writes next.
		if _, err := rn.send(dst, w, nil, true); err != nil {
			return rn.cut(err)
		}
	}
	for {
		// On an empty buffer Peek(1) makes one read from the pipe; what
		// it brought is then written from the buffer itself.
		if _, err := out.Peek(1); err != nil {
			// The end of the output is the end of the answer, unless it
			// came from killing the script (timeout, client gone; both
			// are recorded before the kill): then the answer is cut
			// short, and must not look complete.
			if err == io.EOF && !rn.timedOut.Load() && rn.markAnswered() {
				return outcome{}
			}
			return rn.failure(err)
		}
		p, _ := out.Peek(out.Buffered())
		n, err := rn.send(dst, w, p, size >= 0 && written+int64(len(p)) >= size)
		out.Discard(len(p))
		written += int64(n)
		switch {
		case errors.Is(err, httpconn.ErrBodyTooLong):
			// The answer is complete (its Content-Length was sent); the
			// rest is dropped and the script stopped.
			return outcome{err: fmt.Errorf("the script wrote more than its Content-Length")}
		case err != nil:
			return rn.cut(err)
		}
	}
}

// send writes p to dst and flushes it to the client. If that write
// completes the answer (last), it records so before it lets go of
// answerMu, so that the client watch, which takes answerMu too, sees
// either a write still owed or the whole answer, never the moment between.
func (rn *run) send(dst io.Writer, w *httpconn.ResponseWriter, p []byte, last bool) (int, error) {
	rn.answerMu.Lock()
	defer rn.answerMu.Unlock()
	n, err := dst.Write(p)
	if err == nil {
		err = w.Flush()
	}
	if err == nil && last {
		rn.markAnswered()
	}
	return n, err
}

// cut is the outcome for a write to the client that failed: the client
// has gone, before its whole answer.
func (rn *run) cut(err error) outcome {
	rn.markLeft()
	return outcome{status: statusClientGone, err: fmt.Errorf("writing to the client: %w", err)}
}

// failure is the outcome for an error reading the script's output: the
// timeout (504), a client that went away, or output that is not a CGI
// answer (502 Bad Gateway, RFC 9110 15.6.3: the server acts as a gateway
// to the script).
func (rn *run) failure(err error) outcome {
	switch {
	case rn.timedOut.Load():
		return outcome{status: 504, err: fmt.Errorf("timed out after %v", rn.h.Timeout)}
	case rn.clientLeft():
		return outcome{status: statusClientGone, err: errors.New("the client went away")}
	case isHeaderError(err):
		return outcome{status: 502, err: err}
	}
	return outcome{status: 502, err: fmt.Errorf("reading the script's output: %w", err)}
}
