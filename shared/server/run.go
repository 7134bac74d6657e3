package server

import (
	"context"
	"log/slog"
	"net"
	"time"
)

// Service is a server Run can drive: checkpoint 1's Server, and the HTTP
// server of the later checkpoints (httpconn.Server).
type Service interface {
	// Serve serves l until Shutdown, then returns ErrServerClosed.
	Serve(l net.Listener) error
	// Shutdown stops accepting, lets open connections finish until ctx
	// ends, then closes the rest.
	Shutdown(ctx context.Context) error
	// OpenConns reports how many connections are open now.
	OpenConns() int
}

// Run serves every listener with s until ctx is done (lisod cancels it on
// SIGINT or SIGTERM), then shuts s down, giving open connections grace to
// finish before they are closed. It logs to log (nil discards), and
// returns nil after a shutdown, or the error of a listener that stopped by
// itself.
func Run(ctx context.Context, s Service, log *slog.Logger, grace time.Duration, listeners ...net.Listener) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	stopped := make(chan error, len(listeners))
	for _, l := range listeners {
		go func() { stopped <- s.Serve(l) }()
	}
	var err error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "open_connections", s.OpenConns(), "grace", grace)
	case err = <-stopped:
		log.Error("listener stopped; shutting down", "err", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if serr := s.Shutdown(sctx); serr != nil {
		log.Warn("shutdown grace period over", "err", serr)
	}
	log.Info("stopped")
	return err
}
