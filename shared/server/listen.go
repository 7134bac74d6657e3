package server

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// Listen opens a TCP listener on host:port. An empty host means every
// interface, as the course's INADDR_ANY; port 0 lets the kernel choose, and
// the listener's Addr says which port it chose.
func Listen(host string, port int) (net.Listener, error) {
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w%s", addr, unwrapOp(err), listenHint(port, err))
	}
	return l, nil
}

// listenHint says what to do when the error alone does not: Linux keeps
// ports below 1024 for root and for programs given CAP_NET_BIND_SERVICE,
// and bind's "permission denied" names neither.
func listenHint(port int, err error) string {
	if errors.Is(err, syscall.EACCES) && port > 0 && port < 1024 {
		return " (ports below 1024 need root or the CAP_NET_BIND_SERVICE capability:" +
			" sudo setcap cap_net_bind_service=+ep on the lisod binary; or use a port of 1024 or more)"
	}
	return ""
}

// unwrapOp drops the *net.OpError wrapper, whose text repeats the address.
func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Err
	}
	return err
}
