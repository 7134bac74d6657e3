package poll_test

import (
	"testing"
	"time"

	"liso/shared/httpconn/internal/poll"
)

// BenchmarkPollerParkWake: one connection parked, woken by a byte from the
// client, its byte read, parked again. It shows what waiting costs a
// connection per request: two system calls (epoll_ctl to park, the read)
// and a share of the Poller's epoll_wait, and no allocation.
//
//	go test -run '^$' -bench Poller -benchmem ./shared/httpconn/internal/poll
func BenchmarkPollerParkWake(b *testing.B) {
	p, err := poll.NewPoller()
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	client, srv := pair(b)
	var spot poll.Spot
	if !spot.Init(srv) {
		b.Fatal("Init refused a TCP connection")
	}
	w := make(wakes, 1)
	one, buf := []byte("x"), make([]byte, 1)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Park(&spot, time.Minute, w); err != nil {
			b.Fatal(err)
		}
		client.Write(one)
		if !<-w {
			b.Fatal("timed out")
		}
		if _, err := srv.Read(buf); err != nil {
			b.Fatal(err)
		}
	}
}
