// Package logfile is lisod's log: one file, opened for append and never
// truncated, that the error log (log/slog lines) and, from checkpoint 2 on,
// the access log share.
//
// Writes never wait for the disk. Write copies the line into a memory buffer
// and wakes a background writer, which hands everything gathered so far to
// the kernel in one write(2). Under load many lines leave in one system call;
// when idle each line leaves at once. Close writes out what is left, so no
// line is lost at shutdown. Introduced in checkpoint 1.
package logfile

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"sync"
)

// maxPending bounds the memory held for a slow disk: past it, Write waits
// for the background writer instead of growing the buffer.
const maxPending = 1 << 20

// File is the log destination. It is safe for concurrent use; each Write
// must be whole lines, which are never interleaved with another Write's.
type File struct {
	path string // "" for standard error

	mu      sync.Mutex
	cond    *sync.Cond // signalled when pending is taken or the file closes
	pending []byte     // lines not yet handed to the writer; guarded by mu
	spare   []byte     // the last batch's memory, for reuse; guarded by mu
	closed  bool       // guarded by mu

	outMu   sync.Mutex    // held while writing a batch and while swapping out
	out     io.Writer     // the open file; guarded by outMu
	wake    chan struct{} // capacity 1: "there is something to write"
	written chan struct{} // closed when the writer goroutine has finished
}

// Open opens path for appending, creating it with mode 0640 if needed. An
// empty path logs to stderr, which Close leaves open.
func Open(path string, stderr io.Writer) (*File, error) {
	f := &File{path: path, out: stderr, wake: make(chan struct{}, 1), written: make(chan struct{})}
	f.cond = sync.NewCond(&f.mu)
	if path != "" {
		file, err := openAppend(path)
		if err != nil {
			return nil, err
		}
		f.out = file
	}
	go f.writeLoop()
	return f, nil
}

func openAppend(path string) (*os.File, error) {
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("opening log file: %w", err)
	}
	return file, nil
}

// Path is the file's name, or "" for standard error.
func (f *File) Path() string { return f.path }

// Write queues p, which must be one or more whole lines.
func (f *File) Write(p []byte) (int, error) {
	f.mu.Lock()
	for len(f.pending) > maxPending && !f.closed {
		f.cond.Wait()
	}
	if f.closed {
		f.mu.Unlock()
		return 0, os.ErrClosed
	}
	f.pending = append(f.pending, p...)
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default: // the writer is already awake and will see these bytes
	}
	return len(p), nil
}

// writeLoop hands pending lines to the file until Close.
func (f *File) writeLoop() {
	defer close(f.written)
	for range f.wake {
		// Let the goroutines that are ready to run go first: under load
		// they log lines too, and this write takes them all. When the
		// server is idle, nothing else is ready and this costs nothing.
		runtime.Gosched()
		if closed := f.flush(); closed {
			return
		}
	}
}

// flush takes the pending lines and writes them. It holds outMu from
// taking to writing, so that batches reach the file in order even when
// Reopen flushes too.
func (f *File) flush() (closed bool) {
	f.outMu.Lock()
	defer f.outMu.Unlock()
	f.mu.Lock()
	batch := f.pending
	f.pending, f.spare = f.spare[:0], nil
	closed = f.closed
	f.cond.Broadcast()
	f.mu.Unlock()

	if len(batch) > 0 {
		f.out.Write(batch) // a log that cannot be written has nowhere to report it
	}
	f.mu.Lock()
	f.spare = batch // reuse the memory for the next batch
	f.mu.Unlock()
	return closed
}

// Reopen closes and reopens the file by name, so that after a log rotation
// (the old file renamed away) new lines go to a new file. Checkpoint 3 calls
// it on SIGHUP. On failure the old file stays in use.
func (f *File) Reopen() error {
	if f.path == "" {
		return nil
	}
	file, err := openAppend(f.path)
	if err != nil {
		return err
	}
	f.flush() // lines logged before the reopen go to the old file
	f.outMu.Lock()
	old := f.out
	f.out = file
	f.outMu.Unlock()
	return old.(*os.File).Close()
}

// Close writes out every queued line and closes the file. Writes after
// Close fail with os.ErrClosed.
func (f *File) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	f.cond.Broadcast()
	f.mu.Unlock()
	// Wake the writer for a last flush. If a wake-up is already queued, or
	// the writer has already flushed after seeing closed, there is nothing
	// more to do: a blocking send could wait forever on a writer that quit.
	select {
	case f.wake <- struct{}{}:
	default:
	}
	<-f.written
	if file, ok := f.out.(*os.File); ok && f.path != "" {
		return file.Close()
	}
	return nil
}

// NewLogger returns the structured logger for lisod's own events (start,
// errors, connections), writing "key=value" lines to f.
func NewLogger(f *File) *slog.Logger {
	return slog.New(slog.NewTextHandler(f, nil))
}
