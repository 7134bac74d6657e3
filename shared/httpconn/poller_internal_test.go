package httpconn

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"liso/shared/httpconn/internal/poll"
	"liso/shared/httpmsg"
	"liso/shared/lisotest"
)

// TestPollerLivesWithTheServer checks the poller's lifetime: one for the
// server, made once and kept while it runs, even when no connection is
// open (making one per connection cost a new connection a third more
// CPU), and closed by Shutdown, after which nothing can park in it.
func TestPollerLivesWithTheServer(t *testing.T) {
	web := &Server{Handler: HandlerFunc(func(w *ResponseWriter, r *httpmsg.Request) { w.Error(404) })}
	addr := lisotest.Serve(t, web)
	web.OpenConns() // sets the server up, as Serve does
	first := web.poller
	if first == nil {
		t.Fatal("no poller once serving")
	}
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
		for deadline := time.Now().Add(20 * time.Second); web.OpenConns() > 0; {
			if time.Now().After(deadline) {
				t.Fatal("the connection never closed")
			}
			time.Sleep(time.Millisecond) // polling a condition with a deadline
		}
		if web.poller != first {
			t.Fatalf("round %d: the poller was replaced", round)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := web.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	var spot poll.Spot
	if err := first.Park(&spot, time.Hour, nil); !errors.Is(err, poll.ErrClosed) {
		t.Fatalf("Park after Shutdown = %v; want poll.ErrClosed", err)
	}
}
