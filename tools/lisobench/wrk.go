package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A wrkResult is what one wrk run measured, from the line wrkDone prints.
type wrkResult struct {
	Requests  int64         // answers completed
	Bytes     int64         // bytes read, headers included
	Duration  time.Duration // how long the run took
	Connect   int64         // socket errors by kind
	Read      int64
	Write     int64
	Timeout   int64
	BadStatus int64         // answers other than 2xx and 3xx
	CPU       time.Duration // CPU time wrk used (not from its output)
}

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
// rounds (1.31GB).
const wrkDone = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("lisobench: requests=%d bytes=%d duration_us=%d connect=%d read=%d write=%d timeout=%d status=%d\n",
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.timeout, e.status))
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
	return append(args, url)
}

// runWrk runs one scenario against one server, with the Lua script that
// wrkScript wrote for it.
func (b *bench) runWrk(ctx context.Context, s scenario, srv *server, script string) (wrkResult, error) {
	// wrk stops by itself; the bound only guards against a hang.
	ctx, cancel := context.WithTimeout(ctx, b.cfg.duration+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "taskset", b.wrkArgs(s, srv, script)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return wrkResult{}, fmt.Errorf("wrk against %s (%s): %w", srv.kind.name, s.id, ctx.Err())
		}
		return wrkResult{}, fmt.Errorf("wrk against %s (%s): %w\n%s", srv.kind.name, s.id, err, out.String())
	}
	r, err := parseWrk(out.String())
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk against %s (%s): %w\n%s", srv.kind.name, s.id, err, out.String())
	}
	r.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return r, nil
}

// errNoSummary reports wrk output without wrkDone's line.
var errNoSummary = errors.New("no lisobench summary line in wrk's output")

// parseWrk finds wrkDone's line in wrk's output.
func parseWrk(out string) (wrkResult, error) {
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "lisobench: ")
		if !ok {
			continue
		}
		var r wrkResult
		var us int64
		fields := map[string]*int64{
			"requests": &r.Requests, "bytes": &r.Bytes, "duration_us": &us, "connect": &r.Connect,
			"read": &r.Read, "write": &r.Write, "timeout": &r.Timeout, "status": &r.BadStatus,
		}
		seen := 0
		for _, f := range strings.Fields(rest) {
			k, v, _ := strings.Cut(f, "=")
			p, known := fields[k]
			if !known {
				return wrkResult{}, fmt.Errorf("unknown field %q in %q", k, line)
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return wrkResult{}, fmt.Errorf("field %q in %q: %w", k, line, err)
			}
			*p = n
			seen++
		}
		if seen != len(fields) {
			return wrkResult{}, fmt.Errorf("%d of %d fields in %q", seen, len(fields), line)
		}
		r.Duration = time.Duration(us) * time.Microsecond
		return r, nil
	}
	return wrkResult{}, errNoSummary
}
