package main

import (
	"fmt"
	"testing"
)

// FuzzParseWrk checks that parseWrk never panics, and that what it
// accepts survives being printed the way wrkDone prints it.
func FuzzParseWrk(f *testing.F) {
	f.Add("lisobench: requests=960000 bytes=1234567890 duration_us=10000123 connect=0 read=1 write=2 timeout=3 status=4\n")
	f.Add("Running 1s test\nlisobench: requests=1 bytes=2 duration_us=3 connect=0 read=0 write=0 timeout=0 status=0")
	f.Add("lisobench: requests=1 bytes=2")
	f.Add("lisobench: =")
	f.Add(wrkLatencyOutput) // wrk --latency, with the hook's percentiles
	// tlsload's line
	f.Add("lisobench: requests=9169 bytes=11433743 duration_us=5000000 connect=0 read=0 write=0 timeout=0 status=0 resumed=9119\n")
	f.Fuzz(func(t *testing.T, out string) {
		r, err := parseWrk(out)
		if err != nil {
			return
		}
		line := fmt.Sprintf("lisobench: requests=%d bytes=%d duration_us=%d connect=%d read=%d write=%d timeout=%d status=%d p50_us=%d p99_us=%d resumed=%d\n",
			r.Requests, r.Bytes, r.Duration.Microseconds(), r.Connect, r.Read, r.Write, r.Timeout, r.BadStatus,
			r.P50.Microseconds(), r.P99.Microseconds(), r.Resumed)
		again, err := parseWrk(line)
		if err != nil || again != r {
			t.Errorf("parseWrk(%q) = %+v, %v; want %+v (first parsed from %q)", line, again, err, r, out)
		}
	})
}

// FuzzParseStat checks that parseStat never panics on what /proc might
// hold, and reads back the pid and parent it was given whatever the
// command name.
func FuzzParseStat(f *testing.F) {
	f.Add("1234 (nginx) S 1200 1234 1234 0 -1", "nginx")
	f.Add("77 (a (weird) name) R 5 77 77", ") S 1 (")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, stat, comm string) {
		parseStat(stat)
		line := fmt.Sprintf("42 (%s) S 7 42 42 0", comm)
		if pid, ppid, ok := parseStat(line); !ok || pid != 42 || ppid != 7 {
			t.Errorf("parseStat(%q) = %d, %d, %v; want 42, 7, true", line, pid, ppid, ok)
		}
	})
}
