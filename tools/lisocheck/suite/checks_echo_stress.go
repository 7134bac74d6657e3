package suite

import (
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// The course grader's checker for checkpoint 1 opened 800 sockets and ran
// 100 trials; in each it wrote random bytes (up to 32 KiB a write) to 50
// of the sockets, then read each echo back and compared it. echo/course-
// stress is that same load, 800 sockets and 100 x 50 writes (about 80 MiB
// each way), with the trials shared by stressWorkers workers on disjoint
// sockets so that several echoes are in flight at once, as they are
// against a server with many clients. So sized it runs in seconds: about
// half a second against lisod on two cores, four under the race detector.
const (
	stressSockets  = 800      // open at once, as the course's grader had
	stressTrials   = 100      // in all, shared by the workers
	stressWrites   = 50       // per trial, each to a different socket
	stressMaxWrite = 32 << 10 // the largest write
	stressWorkers  = 4
)

// checkCourseStress runs the course grader's trials.
func checkCourseStress(c *C) {
	conns := make([]net.Conn, 0, stressSockets)
	defer func() {
		for _, conn := range conns {
			conn.Close()
		}
	}()
	for len(conns) < stressSockets {
		if c.Context().Err() != nil {
			c.Fatal(Errorf("interrupted after %d connections", len(conns)))
		}
		conn, err := Dial(c.Addr)
		if err != nil {
			c.Fatal(Failure{Sent: fmt.Sprintf("connection %d of %d, the others kept open", len(conns)+1, stressSockets), Got: err.Error(), Want: "the server accepts them all"})
		}
		conns = append(conns, conn)
		if len(conns)%100 == 0 {
			c.Progress("%d/%d sockets open", len(conns), stressSockets)
		}
	}

	var trials atomic.Int32
	stop := tickProgress(c, func() string {
		return fmt.Sprintf("trial %d/%d, %d sockets open", trials.Load(), stressTrials, stressSockets)
	})
	start := time.Now()
	var wg sync.WaitGroup
	for w := range stressWorkers {
		mine := conns[w*stressSockets/stressWorkers : (w+1)*stressSockets/stressWorkers]
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 441))
			data := rand.NewChaCha8([32]byte{'e', 'c', 'h', 'o', byte(w)})
			for trial := w; trial < stressTrials; trial += stressWorkers {
				if c.Failed() || c.Context().Err() != nil {
					return
				}
				if f, ok := stressTrial(mine, w*stressSockets/stressWorkers, trial, rng, data); !ok {
					c.Fail(f)
					return
				}
				trials.Add(1)
			}
		})
	}
	wg.Wait()
	stop()
	if !c.Failed() {
		c.Logf("%d trials of %d writes on %d sockets in %v", stressTrials, stressWrites, stressSockets, time.Since(start).Round(time.Millisecond))
	}
}

// stressTrial writes one random message to each of stressWrites sockets
// picked from conns (the first is socket number first), in order, while
// it reads the echoes back in the same order, and compares them.
func stressTrial(conns []net.Conn, first, trial int, rng *rand.Rand, data *rand.ChaCha8) (Failure, bool) {
	picked := rng.Perm(len(conns))[:stressWrites]
	sent := make([][]byte, len(picked))
	for i := range sent {
		sent[i] = make([]byte, 1+rng.IntN(stressMaxWrite))
		data.Read(sent[i])
	}
	deadline := time.Now().Add(HangGuard)
	for _, i := range picked {
		conns[i].SetDeadline(deadline)
	}
	wrote := make(chan error, 1)
	go func() {
		for j, i := range picked {
			if _, err := conns[i].Write(sent[j]); err != nil {
				wrote <- fmt.Errorf("writing %d bytes to socket %d: %w", len(sent[j]), first+i, err)
				return
			}
		}
		wrote <- nil
	}()
	abort := func() {
		for _, i := range picked {
			conns[i].SetDeadline(time.Now()) // ends a write that is stuck
		}
		<-wrote
	}
	what := fmt.Sprintf("trial %d: %d random writes of 1 to %d bytes, each to another of %d open sockets", trial+1, stressWrites, stressMaxWrite, stressSockets)
	for j, i := range picked {
		got := make([]byte, len(sent[j]))
		n, err := readEcho(conns[i], got)
		if err != nil {
			abort()
			return Failure{Sent: what, Got: fmt.Sprintf("socket %d (write %d of the trial): %d of %d bytes came back, then %v", first+i, j+1, n, len(got), err), Want: "each write's bytes back on its socket"}, false
		}
		if k := firstDiff(got, sent[j]); k < len(got) {
			abort()
			return Failure{Sent: what, Got: fmt.Sprintf("socket %d (write %d of the trial): the echo of %d bytes differs from byte %d on", first+i, j+1, len(got), k), Want: "exactly the bytes written to that socket, in order", Note: "another client's bytes, or bytes lost or reordered"}, false
		}
	}
	if err := <-wrote; err != nil {
		return Failure{Sent: what, Got: err.Error(), Want: "the server takes every write"}, false
	}
	return Failure{}, true
}

// tickProgress shows line() as the check's progress five times a second,
// until stop is called.
func tickProgress(c *C, line func() string) (stop func()) {
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				c.Progress("%s", line())
			}
		}
	}()
	return func() {
		close(done)
		<-ended // no progress line after the verdict
	}
}
