package server

import (
	"context"
	"net"
	"time"
)

// Run serves every listener with s until ctx is done (lisod cancels it on
// SIGINT or SIGTERM), then shuts s down, giving open connections grace to
// finish before they are closed. It returns nil after a shutdown, or the
// error of a listener that stopped by itself.
func Run(ctx context.Context, s *Server, grace time.Duration, listeners ...net.Listener) error {
	s.init()
	stopped := make(chan error, len(listeners))
	for _, l := range listeners {
		go func() { stopped <- s.Serve(l) }()
	}
	var err error
	select {
	case <-ctx.Done():
		s.Log.Info("shutting down", "open_connections", s.OpenConns(), "grace", grace)
	case err = <-stopped:
		s.Log.Error("listener stopped; shutting down", "err", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if serr := s.Shutdown(sctx); serr != nil {
		s.Log.Warn("shutdown grace period over", "err", serr)
	}
	s.Log.Info("stopped")
	return err
}
