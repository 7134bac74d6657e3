// Package poll holds idle HTTP connections without a goroutine each: one
// epoll(7) instance for all of them, watched by a single goroutine. It is
// the Go version of the course's select() loop, and of how nginx waits.
//
// A goroutine per connection is the simple way to serve many clients, but
// while a keep-alive client is idle (most of its life) its goroutine still
// costs a 2 KiB stack and half a kilobyte of bookkeeping. Package httpconn
// parks an idle connection here instead; when it becomes readable, or has
// waited past its timeout, the Poller tells its Waker, which gives it a
// goroutine again. Only httpconn uses it, hence internal.
package poll

import (
	"errors"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// Poller is the epoll instance and the goroutine that watches it.
//
// The epoll instance's own descriptor is watched by the Go runtime's
// poller (an epoll instance is readable while it holds events), so the
// Poller's goroutine does not hold a thread while it waits.
type Poller struct {
	epfd   int
	file   *os.File           // epfd, registered with the runtime's poller
	raw    syscall.RawConn    // file's, to wait on it
	probe  func(uintptr) bool // p.collect, made once rather than on every wait
	epoch  time.Time          // deadlines are durations since epoch, on the monotonic clock
	events [32]syscall.EpollEvent
	n      int     // events that collect filled in
	woken  []*Spot // dispatch's scratch list

	mu     sync.Mutex
	parked map[int32]*Spot // by file descriptor; guarded by mu
	queues []*spotQueue    // one per timeout, each in deadline order; guarded by mu
	gen    uint32          // the last generation handed out; guarded by mu
	armed  time.Duration   // the deadline file is set to, 0 for none; guarded by mu
	closed bool            // guarded by mu
}

// A Waker is told when its parked connection needs it again: readable is
// true when bytes (or the peer's close) have arrived, false when the
// connection waited past its timeout. Close wakes every connection still
// parked, readable or not as its socket says. Wake runs on the Poller's
// goroutine (or Close's), so it must hand work on rather than do it.
type Waker interface {
	Wake(readable bool)
}

// Spot is a connection's place in a Poller. Each connection embeds one, so
// parking allocates nothing. A Spot must not be copied once set up.
type Spot struct {
	fd       int32
	gen      uint32 // tells this parking's events from an earlier one's
	added    bool   // the descriptor is in the epoll instance
	readable bool   // what dispatch will tell w
	w        Waker
	deadline time.Duration
	queue    *spotQueue
	prev     *Spot
	next     *Spot
}

// spotQueue is the spots parked with one timeout. Parked later means a
// later deadline, so the list is in deadline order without sorting.
type spotQueue struct {
	timeout     time.Duration
	first, last *Spot
}

// Init sets s up for c, reporting false when c is not a socket with a
// file descriptor (a TLS connection, a net.Pipe): it cannot be parked.
func (s *Spot) Init(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	*s = Spot{fd: -1}
	raw.Control(func(fd uintptr) { s.fd = int32(fd) })
	return s.fd >= 0
}

// Pending reports, without waiting, whether bytes (or the peer's close)
// are waiting to be read on s's connection.
func (s *Spot) Pending() bool {
	var b [1]byte
	for {
		_, _, err := syscall.Recvfrom(int(s.fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if err != syscall.EINTR {
			return err != syscall.EAGAIN
		}
	}
}

// NewPoller starts a Poller. Close stops it.
func NewPoller() (*Poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	if err := syscall.SetNonblock(epfd, true); err != nil {
		syscall.Close(epfd)
		return nil, os.NewSyscallError("setnonblock", err)
	}
	// A non-blocking descriptor makes os.NewFile register it with the
	// runtime's poller.
	p := &Poller{epfd: epfd, file: os.NewFile(uintptr(epfd), "epoll"), epoch: time.Now(), parked: make(map[int32]*Spot)}
	if p.raw, err = p.file.SyscallConn(); err != nil {
		p.file.Close()
		return nil, err
	}
	p.probe = p.collect
	go p.loop()
	return p, nil
}

// ErrClosed is Park's error after Close.
var ErrClosed = errors.New("poll: poller closed")

// Park watches s's connection until it is readable or timeout has passed,
// then tells w (once). The caller must not touch the connection meanwhile.
func (p *Poller) Park(s *Spot, timeout time.Duration, w Waker) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	p.gen++
	s.gen, s.w, s.readable = p.gen, w, false
	s.deadline = time.Since(p.epoch) + timeout
	p.queueFor(timeout).push(s)
	p.parked[s.fd] = s

	// EPOLLONESHOT: one report, then the descriptor stays in the instance
	// but silent until parked again. Level-triggered: bytes that arrived
	// before this call are reported at once.
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: s.fd, Pad: int32(s.gen)}
	op := syscall.EPOLL_CTL_MOD
	if !s.added {
		op = syscall.EPOLL_CTL_ADD
	}
	if err := syscall.EpollCtl(p.epfd, op, int(s.fd), &ev); err != nil {
		p.remove(s)
		return os.NewSyscallError("epoll_ctl", err)
	}
	s.added = true
	if p.armed == 0 || s.deadline < p.armed {
		p.arm(s.deadline)
	}
	return nil
}

// Close stops the Poller: Park refuses from now on, and every connection
// still parked is woken at once, readable if bytes are waiting for it (a
// request that arrived just as a server began to shut down).
func (p *Poller) Close() error {
	p.mu.Lock()
	p.closed = true
	woken := make([]*Spot, 0, len(p.parked))
	for _, s := range p.parked {
		p.remove(s)
		woken = append(woken, s)
	}
	p.arm(0)
	p.mu.Unlock()
	for _, s := range woken {
		w := s.w
		s.w = nil
		w.Wake(s.Pending())
	}
	return p.file.Close()
}

// loop waits for events and deadlines until Close.
func (p *Poller) loop() {
	for {
		err := p.raw.Read(p.probe)
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return // closed
		}
		p.dispatch()
		// Let the goroutines just woken run before taking more events:
		// taking all there are first would wake as many goroutines as
		// there are busy connections, and grow a stack for each.
		runtime.Gosched()
	}
}

// collect takes the events that are ready, without blocking; returning
// false asks the runtime to park the loop until there are some.
func (p *Poller) collect(uintptr) bool {
	for {
		n, err := syscall.EpollWait(p.epfd, p.events[:], 0)
		if err == syscall.EINTR {
			continue
		}
		p.n = max(n, 0)
		return p.n > 0
	}
}

// dispatch wakes the spots whose connections are readable, and those past
// their deadlines. The Wakers run after the lock is released, so that they
// may park again at once.
func (p *Poller) dispatch() {
	woken := p.woken[:0]
	p.mu.Lock()
	for _, ev := range p.events[:p.n] {
		s := p.parked[ev.Fd]
		if s == nil || s.gen != uint32(ev.Pad) {
			continue // a report for a connection since woken another way
		}
		p.remove(s)
		s.readable = true
		woken = append(woken, s)
	}
	p.n = 0
	now := time.Since(p.epoch)
	for _, q := range p.queues {
		for q.first != nil && q.first.deadline <= now {
			s := q.first
			p.remove(s)
			// Bytes that came before the Poller got round to the timeout
			// (its report not yet read, on a loaded machine) came in time.
			s.readable = s.Pending()
			woken = append(woken, s)
		}
	}
	p.arm(p.earliest())
	p.mu.Unlock()

	for i, s := range woken {
		w, readable := s.w, s.readable
		s.w = nil
		woken[i] = nil
		w.Wake(readable)
	}
	p.woken = woken[:0]
}

// queueFor returns the queue for timeout, making it on first use: servers
// use only a few timeouts.
func (p *Poller) queueFor(timeout time.Duration) *spotQueue {
	for _, q := range p.queues {
		if q.timeout == timeout {
			return q
		}
	}
	q := &spotQueue{timeout: timeout}
	p.queues = append(p.queues, q)
	return q
}

// remove takes s off its queue and out of the map.
func (p *Poller) remove(s *Spot) {
	q := s.queue
	if s.prev != nil {
		s.prev.next = s.next
	} else {
		q.first = s.next
	}
	if s.next != nil {
		s.next.prev = s.prev
	} else {
		q.last = s.prev
	}
	s.prev, s.next, s.queue = nil, nil, nil
	if p.parked[s.fd] == s {
		delete(p.parked, s.fd)
	}
}

func (q *spotQueue) push(s *Spot) {
	s.queue, s.prev, s.next = q, q.last, nil
	if q.last != nil {
		q.last.next = s
	} else {
		q.first = s
	}
	q.last = s
}

// earliest is the nearest deadline of any parked spot, or 0 for none.
func (p *Poller) earliest() time.Duration {
	var d time.Duration
	for _, q := range p.queues {
		if q.first != nil && (d == 0 || q.first.deadline < d) {
			d = q.first.deadline
		}
	}
	return d
}

// arm makes the loop's wait end at deadline d (0: no deadline).
func (p *Poller) arm(d time.Duration) {
	if d == p.armed {
		return
	}
	p.armed = d
	if d == 0 {
		p.file.SetReadDeadline(time.Time{})
		return
	}
	p.file.SetReadDeadline(p.epoch.Add(d))
}
