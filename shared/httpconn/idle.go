package httpconn

import "time"

// park hands idle c to the poller until its next request begins. While it
// waits, no goroutine and no buffer is spent on it. c is no longer the
// caller's.
func (c *conn) park() {
	if err := c.srv.poller.Park(&c.spot, c.idleTimeout(), c); err != nil {
		c.lastCall() // the poller is closed: the server is shutting down
	}
}

// Wake is the poller's call: c's next request has begun (readable), or c
// waited past its timeout, or the poller closed (readable if bytes wait).
// start calls it too, for a request already there at accept.
func (c *conn) Wake(readable bool) {
	if readable {
		c.ready = time.Since(epoch)
		c.srv.runBurst(c)
		return
	}
	c.to(stateClosed)
}

// lastCall serves a request whose bytes arrived just as shutdown began,
// and otherwise closes c.
func (c *conn) lastCall() {
	c.Wake(c.spot.Pending())
}

// maxIdleWorkers bounds the burst workers kept waiting for work.
const maxIdleWorkers = 128

// runBurst has a worker goroutine take c (see serveTurn): serve the
// requests that have arrived on it, then park it again or close it; or,
// for an HTTPS connection, serve it to its end. Workers are reused,
// because a fresh goroutine starts with a 2 KiB stack and would grow it
// (by copying) on every burst; a worker's stack has already grown to what
// parsing, handling and a TLS handshake need.
func (s *Server) runBurst(c *conn) {
	select {
	case s.work <- c: // an idle worker takes it
	default:
		go s.worker(c)
	}
}

// worker serves bursts until it has waited for work too long, or too many
// workers already wait.
func (s *Server) worker(c *conn) {
	timer := time.NewTimer(time.Minute)
	defer timer.Stop()
	for {
		c.serveTurn()
		if s.idleWorkers.Add(1) > maxIdleWorkers {
			s.idleWorkers.Add(-1)
			return
		}
		timer.Reset(time.Minute)
		select {
		case c = <-s.work:
			s.idleWorkers.Add(-1)
		case <-timer.C:
			s.idleWorkers.Add(-1)
			return
		}
	}
}
