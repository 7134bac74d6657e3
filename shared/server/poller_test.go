package server_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"liso/shared/lisotest"
	"liso/shared/server"
)

// wakes records what a Poller tells a parked connection.
type wakes chan bool

func (w wakes) Wake(readable bool) { w <- readable }

// next returns the next wake-up, failing the test if none comes in time.
func (w wakes) next(t *testing.T) bool {
	t.Helper()
	select {
	case r := <-w:
		return r
	case <-time.After(hangGuard):
		t.Fatal("no wake-up")
		return false
	}
}

// none checks that no wake-up has come (the Poller calls Wake
// synchronously, so one already due would be in the channel or arrive
// while the caller waits on something else the Poller did later).
func (w wakes) none(t *testing.T) {
	t.Helper()
	select {
	case r := <-w:
		t.Fatalf("unexpected wake-up (readable=%v)", r)
	default:
	}
}

// pair returns the two ends of a loopback TCP connection.
func pair(t testing.TB) (client, srv net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client = lisotest.Dial(t, l.Addr().String())
	srv, err = l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return client, srv
}

func newPoller(t *testing.T) *server.Poller {
	t.Helper()
	p, err := server.NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// park parks the server end of a connection and returns its spot and the
// channel its wake-ups arrive on.
func park(t *testing.T, p *server.Poller, c net.Conn, timeout time.Duration) (*server.Spot, wakes) {
	t.Helper()
	spot := new(server.Spot)
	if !spot.Init(c) {
		t.Fatal("Init refused a TCP connection")
	}
	w := make(wakes, 1)
	if err := p.Park(spot, timeout, w); err != nil {
		t.Fatal(err)
	}
	return spot, w
}

func TestPollerWakesOnData(t *testing.T) {
	p := newPoller(t)
	client, srv := pair(t)
	var spot server.Spot
	if !spot.Init(srv) {
		t.Fatal("Init refused a TCP connection")
	}
	w := make(wakes, 1)
	// Several rounds: parking again after a wake-up re-arms the socket.
	for round := range 3 {
		if err := p.Park(&spot, time.Hour, w); err != nil {
			t.Fatal(err)
		}
		w.none(t)
		client.Write([]byte("x"))
		if !w.next(t) {
			t.Fatalf("round %d: woken as timed out; want readable", round)
		}
		if p.Unpark(&spot) {
			t.Fatal("Unpark after the wake-up = true; want false")
		}
		var b [1]byte
		if _, err := srv.Read(b[:]); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPollerWakesAtOnceForBytesAlreadyThere(t *testing.T) {
	p := newPoller(t)
	client, srv := pair(t)
	client.Write([]byte("early"))
	// Wait (bounded) until the bytes are surely in the server's socket.
	srv.SetReadDeadline(time.Now().Add(hangGuard))
	if err := server.NewWaiter(srv).Wait(); err != nil {
		t.Fatal(err)
	}
	srv.SetReadDeadline(time.Time{})
	_, w := park(t, p, srv, time.Hour)
	if !w.next(t) {
		t.Fatal("woken as timed out; want readable")
	}
}

func TestPollerWakesOnPeerClose(t *testing.T) {
	p := newPoller(t)
	client, srv := pair(t)
	_, w := park(t, p, srv, time.Hour)
	client.Close()
	if !w.next(t) {
		t.Fatal("woken as timed out; want readable (the next read sees EOF)")
	}
}

func TestPollerTimeouts(t *testing.T) {
	p := newPoller(t)
	_, long := pair(t)
	_, short := pair(t)
	// The short timeout is parked second: its deadline, earlier than the
	// one the Poller waits for, must move that wait forward.
	longSpot, longWakes := park(t, p, long, time.Hour)
	start := time.Now()
	_, shortWakes := park(t, p, short, 30*time.Millisecond)
	if shortWakes.next(t) {
		t.Fatal("woken as readable; want timed out")
	}
	if waited := time.Since(start); waited < 30*time.Millisecond {
		t.Errorf("timed out after %v; want at least 30ms", waited)
	}
	longWakes.none(t)
	if !p.Unpark(longSpot) {
		t.Fatal("Unpark of the connection still parked = false")
	}
	if p.Unpark(longSpot) {
		t.Fatal("second Unpark = true")
	}
}

func TestPollerUnparkedIsNotWoken(t *testing.T) {
	p := newPoller(t)
	client, srv := pair(t)
	spot, w := park(t, p, srv, time.Hour)
	if !p.Unpark(spot) {
		t.Fatal("Unpark = false")
	}
	client.Write([]byte("x"))
	// A second connection's wake-up shows that the Poller has looked at
	// its events since the write.
	client2, srv2 := pair(t)
	_, w2 := park(t, p, srv2, time.Hour)
	client2.Write([]byte("y"))
	w2.next(t)
	w.none(t)
}

func TestPollerClosed(t *testing.T) {
	p, err := server.NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	_, srv := pair(t)
	var spot server.Spot
	spot.Init(srv)
	if err := p.Park(&spot, time.Hour, make(wakes, 1)); !errors.Is(err, server.ErrPollerClosed) {
		t.Fatalf("Park after Close = %v; want ErrPollerClosed", err)
	}
}

func TestSpotRefusesAPipe(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	var spot server.Spot
	if spot.Init(a) {
		t.Fatal("Init accepted a net.Pipe")
	}
}
