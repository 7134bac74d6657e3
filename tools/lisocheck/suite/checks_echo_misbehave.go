package suite

import (
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// misbehaviours are clients that break the rules of a conversation, each
// run beside well-behaved clients that must not notice: in the course's
// C servers, one select() loop served everyone, and one client that made
// it block stopped them all.
var misbehaviours = []struct {
	name string // the check's name after "echo/survives-"
	what string // what the client does, for the rule and a failure
	do   func(c *C, opened *connSet)
}{
	{"close-mid-message", "50 clients each send the first half of a 40 KB message and close (FIN) without reading the echo", func(c *C, opened *connSet) {
		for i := range 50 {
			conn := opened.dial(c)
			conn.Write(randomBytes(uint64(100+i), 20000))
			conn.Close()
		}
	}},
	{"reset", "50 clients each send 20 KB and close with a reset (SO_LINGER 0), the echo unread", func(c *C, opened *connSet) {
		for i := range 50 {
			conn := opened.dial(c)
			conn.Write(randomBytes(uint64(200+i), 20000))
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}
	}},
	{"client-that-never-reads", "5 clients write until TCP's windows are full and never read (the server must block on them alone)", func(c *C, opened *connSet) {
		chunk := randomBytes(300, 64<<10)
		for range 5 {
			conn := opened.dial(c)
			conn.SetWriteDeadline(time.Now().Add(500 * time.Millisecond)) // ends the attempt
			for {
				if _, err := conn.Write(chunk); err != nil {
					break
				}
			}
		}
	}},
	{"stalled-client", "20 clients send half a message and then nothing, their connections left open", func(c *C, opened *connSet) {
		for range 20 {
			opened.dial(c).Write([]byte("GET / HTTP/1.1\r\nHo"))
		}
	}},
	{"large-burst", "one client sends 16 MiB in one write while reading its echo", func(c *C, opened *connSet) {
		if err := echoRoundTrip(opened.dial(c), randomBytes(400, 16<<20)); err != nil {
			c.Fail(Failure{Sent: "16 MiB in one write", Got: err.Error(), Want: "the same 16 MiB back"})
		}
	}},
}

// misbehaviourChecks are a check for each misbehaviour.
func misbehaviourChecks() []Check {
	var checks []Check
	for _, mb := range misbehaviours {
		checks = append(checks, Check{
			Name:  "echo/survives-" + mb.name,
			Stage: StageEcho,
			Rule:  "course: a client that misbehaves must not hurt the others: " + mb.what + ", while 10 other clients must keep getting their exact echoes",
			Doc:   "docs/checkpoint1.md#why-per-connection-memory-stays-bounded",
			Run:   func(c *C) { checkBeside(c, mb.what, mb.do) },
		})
	}
	return checks
}

// goodClients is how many well-behaved clients talk beside a misbehaving one.
const goodClients = 10

// checkBeside keeps goodClients echoing while bad misbehaves on another
// goroutine, and once more after it has finished.
func checkBeside(c *C, what string, bad func(c *C, opened *connSet)) {
	var opened connSet
	defer opened.closeAll()
	good := make([]net.Conn, goodClients)
	for i := range good {
		good[i] = opened.dial(c)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			// A failed dial has been reported and stops bad here; any other
			// panic is lisocheck's own, reported as the runner does.
			if r := recover(); r != nil {
				if _, ok := r.(errStop); !ok {
					c.Fail(Failure{Note: fmt.Sprintf("lisocheck itself failed in this check: %v", r)})
				}
			}
		}()
		bad(c, &opened)
	}()
	rng := rand.New(rand.NewPCG(1, 441))
	for round := 0; ; round++ {
		for i, conn := range good {
			if err := echoRoundTrip(conn, randomBytes(rng.Uint64(), 1+round%4096)); err != nil {
				<-done
				c.Fatal(Failure{Sent: what, Got: fmt.Sprintf("good client %d, round %d: %v", i+1, round+1, err), Want: "the good clients' echoes unharmed"})
			}
		}
		select {
		case <-done:
			for i, conn := range good {
				if err := echoRoundTrip(conn, []byte("still here")); err != nil {
					c.Fail(Failure{Sent: what + "; then each good client sends \"still here\"", Got: fmt.Sprintf("good client %d: %v", i+1, err), Want: "its echo"})
				}
			}
			return
		default:
		}
	}
}

// connSet holds the connections a check opened, to close them all at its
// end.
type connSet struct {
	mu    sync.Mutex
	conns []net.Conn // guarded by mu
}

// dial opens a connection to the target and keeps it in s. A failure ends
// the check when called on the check's goroutine, and panics (to be
// recovered) on another.
func (s *connSet) dial(c *C) net.Conn {
	conn, err := Dial(c.Addr)
	if err != nil {
		c.Fatal(Failure{Sent: "a new connection", Got: err.Error(), Want: "the server accepts it"})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns = append(s.conns, conn)
	return conn
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, conn := range s.conns {
		conn.Close()
	}
	s.conns = nil
}

// randomBytes are n bytes that depend only on seed, so that a failure
// repeats.
func randomBytes(seed uint64, n int) []byte {
	p := make([]byte, n)
	var key [32]byte
	for i := range 8 {
		key[i] = byte(seed >> (8 * i))
	}
	rand.NewChaCha8(key).Read(p)
	return p
}
