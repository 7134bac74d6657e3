package httpconn

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"liso/shared/httpmsg"
	"liso/shared/lisotest"
	"liso/shared/server"
)

// groupCount counts the connection groups s keeps (each with a Poller).
func (s *Server) groupCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.groups)
}

// TestGroupOutlivesItsConnections checks the Poller's lifetime: it stays
// while the server runs, even when no connection is open (making one per
// connection cost a new connection a third more CPU), and is gone once
// the server has shut down.
func TestGroupOutlivesItsConnections(t *testing.T) {
	web := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *httpmsg.Request) { w.Error(404) })}
	srv := &server.Server{Handler: web}
	addr := lisotest.Serve(t, srv)

	for round := range 2 {
		c := lisotest.Dial(t, addr)
		fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		c.Close()
		// The server closes its side after the answer; wait (bounded)
		// until it has let the connection go.
		for deadline := time.Now().Add(20 * time.Second); srv.OpenConns() > 0; {
			if time.Now().After(deadline) {
				t.Fatal("the connection never closed")
			}
			time.Sleep(time.Millisecond) // polling a condition with a deadline
		}
		if n := web.groupCount(); n != 1 {
			t.Fatalf("round %d: %d groups with no connection open; want the server's one kept", round, n)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// The context's AfterFunc drops the group on a goroutine of its own,
	// so it may finish just after Shutdown returns.
	for deadline := time.Now().Add(20 * time.Second); web.groupCount() != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("%d groups after shutdown; want none", web.groupCount())
		}
		time.Sleep(time.Millisecond) // polling a condition with a deadline
	}
}
