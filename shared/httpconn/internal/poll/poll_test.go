package poll_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"liso/shared/httpconn/internal/poll"
	"liso/shared/lisotest"
)

// hangGuard bounds every wait, so that a broken Poller fails a test
// instead of hanging it; it is not a speed assertion.
const hangGuard = 20 * time.Second

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

// waitPending waits (bounded) until bytes sent to c are surely in its
// socket, which Spot.Pending sees.
func waitPending(t *testing.T, c net.Conn) {
	t.Helper()
	var probe poll.Spot
	probe.Init(c)
	for deadline := time.Now().Add(hangGuard); !probe.Pending(); {
		if time.Now().After(deadline) {
			t.Fatal("the bytes never arrived")
		}
		time.Sleep(time.Millisecond) // polling a condition with a deadline
	}
}

func newPoller(t *testing.T) *poll.Poller {
	t.Helper()
	p, err := poll.NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// park parks the server end of a connection and returns its spot and the
// channel its wake-ups arrive on.
func park(t *testing.T, p *poll.Poller, c net.Conn, timeout time.Duration) (*poll.Spot, wakes) {
	t.Helper()
	spot := new(poll.Spot)
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
	var spot poll.Spot
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
	waitPending(t, srv)
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
	_, longWakes := park(t, p, long, time.Hour)
	start := time.Now()
	_, shortWakes := park(t, p, short, 30*time.Millisecond)
	if shortWakes.next(t) {
		t.Fatal("woken as readable; want timed out")
	}
	if waited := time.Since(start); waited < 30*time.Millisecond {
		t.Errorf("timed out after %v; want at least 30ms", waited)
	}
	longWakes.none(t)
}

// TestCloseWakesParked checks what a server shutting down relies on:
// Close wakes every connection still parked, at once, readable when bytes
// wait for it and not otherwise, and Park refuses afterwards.
func TestCloseWakesParked(t *testing.T) {
	p, err := poll.NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	_, quiet := pair(t)
	_, quietWakes := park(t, p, quiet, time.Hour)
	client, busy := pair(t)
	spot, busyWakes := park(t, p, busy, time.Hour)
	client.Write([]byte("x"))
	waitPending(t, busy)
	p.Close()
	if quietWakes.next(t) {
		t.Error("Close woke an idle connection as readable")
	}
	// Woken by Close or, just before it, by the Poller: readable either way.
	if !busyWakes.next(t) {
		t.Error("Close woke a connection with a byte waiting as not readable")
	}
	if err := p.Park(spot, time.Hour, busyWakes); !errors.Is(err, poll.ErrClosed) {
		t.Fatalf("Park after Close = %v; want ErrClosed", err)
	}
	busyWakes.none(t)
}

func TestPollerClosed(t *testing.T) {
	p, err := poll.NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	_, srv := pair(t)
	var spot poll.Spot
	spot.Init(srv)
	if err := p.Park(&spot, time.Hour, make(wakes, 1)); !errors.Is(err, poll.ErrClosed) {
		t.Fatalf("Park after Close = %v; want ErrClosed", err)
	}
}

func TestSpotRefusesAPipe(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	var spot poll.Spot
	if spot.Init(a) {
		t.Fatal("Init accepted a net.Pipe")
	}
}

// TestExpiredWithBytesIsReadable: a connection whose timeout passes while
// bytes already wait for it (the poller ran late, on a loaded machine) is
// woken readable, not timed out: the request came in time, and the server
// must answer it rather than close the connection under it.
func TestExpiredWithBytesIsReadable(t *testing.T) {
	p := newPoller(t)
	const n = 50
	var all []wakes
	for range n {
		client, srv := pair(t)
		client.Write([]byte("GET"))
		waitPending(t, srv)
		// A timeout that has passed before the Poller looks: whether the
		// timer or the socket's report reaches it first, the bytes are there.
		_, w := park(t, p, srv, time.Nanosecond)
		all = append(all, w)
	}
	for i, w := range all {
		if !w.next(t) {
			t.Errorf("connection %d of %d, with bytes waiting, woken as timed out; want readable", i+1, n)
		}
	}
}
