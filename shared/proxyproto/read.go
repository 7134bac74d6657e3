package proxyproto

import (
	"errors"
	"io"
	"os"
	"syscall"
)

// Read reads one header from r, and not one byte more: what follows it
// stays in r for whoever reads next. Until the header's length is known
// (a version 1 line's LF, a version 2 header's 16 fixed bytes) it reads a
// byte at a time, so it works on any reader; a Conn on a socket does
// better (see peekHeader).
func Read(r io.Reader) (Header, error) {
	var buf [maxSmall]byte
	have := 0
	for {
		n, err := frame(buf[:have])
		if err != nil {
			return Header{}, err
		}
		if n > 0 {
			return readRest(r, buf[:], have, n)
		}
		if _, err := io.ReadFull(r, buf[have:have+1]); err != nil {
			return Header{}, ended(err, have)
		}
		have++
	}
}

// readRest reads the rest of an n-byte header whose first have bytes are
// in buf already, and parses it. Only a version 2 header with TLVs can be
// longer than buf (its length field allows 65,535 bytes after the fixed
// part); it gets a buffer of its own.
func readRest(r io.Reader, buf []byte, have, n int) (Header, error) {
	b := buf[:min(n, len(buf))]
	if n > len(buf) {
		b = make([]byte, n)
		copy(b, buf[:have])
	}
	if _, err := io.ReadFull(r, b[have:]); err != nil {
		return Header{}, ended(err, have)
	}
	return Parse(b)
}

// ended is the error of a stream that ended or failed after have bytes
// of the header: io.EOF only when it ended before the first byte.
func ended(err error, have int) error {
	if errors.Is(err, io.EOF) && have > 0 {
		return io.ErrUnexpectedEOF
	}
	return err
}

// peekHeader reads the header from a socket with one peek and one read,
// where Read would take one read per byte of a version 1 line. It waits
// for the first bytes to arrive, looks at them without taking them
// (recv(2) with MSG_PEEK), and when they hold the whole header's start,
// reads exactly the header. When they do not (a header split across
// packets, which a proxy hardly ever sends), complete is false and
// nothing was taken: the caller reads with Read instead.
func peekHeader(raw syscall.RawConn, r io.Reader) (h Header, complete bool, err error) {
	var buf [maxSmall]byte
	var got int
	var peekErr error
	// raw.Read calls the function again each time the socket becomes
	// readable, until it returns true, and honours the read deadline.
	rerr := raw.Read(func(fd uintptr) bool {
		for {
			n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK)
			switch {
			case err == syscall.EINTR:
				continue
			case err == syscall.EAGAIN:
				return false // nothing yet: wait
			case err != nil:
				peekErr = os.NewSyscallError("recvfrom", err)
			case n == 0:
				peekErr = io.EOF // the peer left before sending a byte
			}
			got = max(n, 0)
			return true
		}
	})
	if rerr != nil {
		return Header{}, true, rerr
	}
	if peekErr != nil {
		return Header{}, true, peekErr
	}
	n, err := frame(buf[:got])
	switch {
	case err != nil:
		return Header{}, true, err
	case n == 0:
		return Header{}, false, nil
	}
	h, err = readRest(r, buf[:], 0, n)
	return h, true, err
}
