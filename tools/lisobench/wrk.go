package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A wrkResult is what one load run measured, from the line wrkDone
// prints; tlsload prints a line of the same form.
type wrkResult struct {
	Requests  int64         // answers completed
	Bytes     int64         // bytes read, headers included
	Duration  time.Duration // how long the run took
	Connect   int64         // socket errors by kind
	Read      int64
	Write     int64
	Timeout   int64
	BadStatus int64         // answers other than 2xx and 3xx
	P50       time.Duration // latency percentiles (wrk only)
	P99       time.Duration
	Resumed   int64         // answers whose TLS handshake resumed a session (tlsload only)
	CPU       time.Duration // CPU time the load generator used (not from its output)
}

// millisOf returns d in milliseconds, the unit of the latency rows.
func millisOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// value is the result in the scenario's unit.
func (r wrkResult) value(u unit) float64 {
	secs := r.Duration.Seconds()
	if secs <= 0 {
		return 0
	}
	if u == bytesPerSec {
		return float64(r.Bytes) / secs
	}
	return float64(r.Requests) / secs
}

// problems describes the run's errors, or returns "" when there were none.
// A run measured in bytes may complete no answer and still count: a slow
// 256 MiB transfer is slow, not wrong.
func (r wrkResult) problems(u unit) string {
	var p []string
	for _, e := range []struct {
		n    int64
		what string
	}{
		{r.Connect, "connect errors"}, {r.Read, "read errors"}, {r.Write, "write errors"},
		{r.Timeout, "timeouts"}, {r.BadStatus, "answers not 2xx/3xx"},
	} {
		if e.n > 0 {
			p = append(p, fmt.Sprintf("%d %s", e.n, e.what))
		}
	}
	if r.Requests == 0 && (u != bytesPerSec || r.Bytes == 0) {
		p = append(p, "no answer at all")
	}
	return strings.Join(p, ", ")
}

// wrkDone is the Lua done() hook every run uses: wrk calls it at the end
// with its totals, and it prints them exactly, where wrk's own summary
// rounds (1.31GB). The latency percentiles, in microseconds, are the ones
// --latency prints (both come from wrk's histogram), unrounded.
const wrkDone = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("lisobench: requests=%d bytes=%d duration_us=%d connect=%d read=%d write=%d timeout=%d status=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50.0), latency:percentile(99.0)))
end
`

// wrkPipeline makes each connection write %d requests at once and wait for
// all of their answers (wrk counts the requests in the buffer).
const wrkPipeline = `
local pipelined
init = function(args)
  local r = {}
  for i = 1, %d do
    r[i] = wrk.format(nil, %q)
  end
  pipelined = table.concat(r)
end
request = function()
  return pipelined
end
`

// wrkScript writes the Lua script of a scenario and returns its path. It
// is written once, before any run: runs in parallel (smoke mode) must not
// see it half-written.
func (b *bench) wrkScript(s scenario) (string, error) {
	script := wrkDone
	if s.pipeline > 1 {
		script = fmt.Sprintf(wrkPipeline, s.pipeline, s.path) + script
	}
	path := filepath.Join(b.dir, "wrk-"+s.id+".lua")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return "", fmt.Errorf("writing the wrk script: %w", err)
	}
	return path, nil
}

// timeout is wrk's --timeout in seconds: how long an answer may take
// before wrk counts it as a timeout error (it only counts, never cuts). A
// 256 MiB answer shared with three other connections can take seconds.
func (s scenario) timeout() int {
	if s.unit == bytesPerSec {
		return 60
	}
	return 5
}

// wrkArgs is the wrk command line of a scenario against a server: one
// thread, pinned to the load core.
func (b *bench) wrkArgs(s scenario, srv *server, script string) []string {
	url := "http://" + srv.http + s.path
	if s.tls {
		url = "https://" + srv.https + s.path
	}
	args := []string{"-c", strconv.Itoa(b.cfg.loadCPU), "wrk", "-t1", "-c", strconv.Itoa(s.conns),
		"-d", strconv.Itoa(int(b.cfg.duration / time.Second)), "--timeout", strconv.Itoa(s.timeout()) + "s", "-s", script}
	if s.close {
		args = append(args, "-H", "Connection: close")
	}
	if s.latency {
		args = append(args, "--latency") // the distribution, for whoever reads wrk's output
	}
	return append(args, url)
}

// tlsloadArgs is the tlsload command line of a scenario with one TLS
// handshake per request, pinned to the load core like wrk.
func (b *bench) tlsloadArgs(s scenario, srv *server) []string {
	args := []string{"-c", strconv.Itoa(b.cfg.loadCPU), b.bins["tlsload"], "-url", "https://" + srv.https + s.path,
		"-ca", b.caFile, "-c", strconv.Itoa(s.conns), "-d", b.cfg.duration.String(), "-timeout", strconv.Itoa(s.timeout()) + "s"}
	if s.handshake == resumeHandshake {
		args = append(args, "-resume")
	}
	return args
}

// runClient runs one scenario against one server: wrk with the Lua script
// that wrkScript wrote for it, or tlsload.
func (b *bench) runClient(ctx context.Context, s scenario, srv *server, script string) (wrkResult, error) {
	name, args := "wrk", b.wrkArgs(s, srv, script)
	if s.handshake != viaWrk {
		name, args = "tlsload", b.tlsloadArgs(s, srv)
	}
	// Both stop by themselves; the bound only guards against a hang.
	ctx, cancel := context.WithTimeout(ctx, b.cfg.duration+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "taskset", args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1") // tlsload is a Go program on one core
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return wrkResult{}, fmt.Errorf("%s against %s (%s): %w", name, srv.kind.name, s.id, ctx.Err())
		}
		return wrkResult{}, fmt.Errorf("%s against %s (%s): %w\n%s", name, srv.kind.name, s.id, err, out.String())
	}
	r, err := parseWrk(out.String())
	if err != nil {
		return wrkResult{}, fmt.Errorf("%s against %s (%s): %w\n%s", name, srv.kind.name, s.id, err, out.String())
	}
	r.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return r, nil
}

// errNoSummary reports output without a summary line.
var errNoSummary = errors.New("no lisobench summary line in wrk's output")

// requiredFields are the summary fields both wrk's hook and tlsload
// print; the others are optional: the latency only wrk measures, and the
// resumed handshakes only tlsload.
var requiredFields = []string{"requests", "bytes", "duration_us", "connect", "read", "write", "timeout", "status"}

// parseWrk finds the summary line (wrkDone's or tlsload's) in the load
// generator's output; wrk's own lines, --latency's distribution among
// them, are skipped.
func parseWrk(out string) (wrkResult, error) {
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "lisobench: ")
		if !ok {
			continue
		}
		var r wrkResult
		var us, p50, p99 int64
		fields := map[string]*int64{
			"requests": &r.Requests, "bytes": &r.Bytes, "duration_us": &us, "connect": &r.Connect,
			"read": &r.Read, "write": &r.Write, "timeout": &r.Timeout, "status": &r.BadStatus,
			"p50_us": &p50, "p99_us": &p99, "resumed": &r.Resumed,
		}
		seen := map[string]bool{}
		for _, f := range strings.Fields(rest) {
			k, v, _ := strings.Cut(f, "=")
			p, known := fields[k]
			switch {
			case !known:
				return wrkResult{}, fmt.Errorf("unknown field %q in %q", k, line)
			case seen[k]:
				return wrkResult{}, fmt.Errorf("field %q twice in %q", k, line)
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return wrkResult{}, fmt.Errorf("field %q in %q: %w", k, line, err)
			}
			*p = n
			seen[k] = true
		}
		for _, k := range requiredFields {
			if !seen[k] {
				return wrkResult{}, fmt.Errorf("no field %q in %q", k, line)
			}
		}
		for _, d := range []struct {
			us  int64
			out *time.Duration
		}{{us, &r.Duration}, {p50, &r.P50}, {p99, &r.P99}} {
			if d.us < 0 || d.us > math.MaxInt64/int64(time.Microsecond) {
				return wrkResult{}, fmt.Errorf("a time out of range in %q", line)
			}
			*d.out = time.Duration(d.us) * time.Microsecond
		}
		return r, nil
	}
	return wrkResult{}, errNoSummary
}
