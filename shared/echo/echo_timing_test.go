package echo_test

import (
	"fmt"
	"io"
	"testing"
)

// BenchmarkEcho measures echo throughput over loopback: one client writes a
// block and reads it back, so this is the round trip of one connection.
// Run: go test -bench Echo -benchmem ./shared/echo
func BenchmarkEcho(b *testing.B) {
	for _, size := range []int{64, 1 << 10, 32 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			c := dial(b, startEcho(b))
			p := randomBytes(size)
			got := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				go c.Write(p)
				if _, err := io.ReadFull(c, got); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEchoParallel runs many clients at once (GOMAXPROCS x 16).
func BenchmarkEchoParallel(b *testing.B) {
	addr := startEcho(b)
	const size = 4 << 10
	b.SetBytes(size)
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		c := dial(b, addr)
		p := randomBytes(size)
		got := make([]byte, size)
		for pb.Next() {
			if _, err := c.Write(p); err != nil {
				b.Error(err)
				return
			}
			if _, err := io.ReadFull(c, got); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
