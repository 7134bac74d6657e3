package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// runLoad starts every server once and runs the wrk scenarios against
// them in rounds: round 1 runs each scenario against lisod, net/http,
// nginx in turn, round 2 again but starting with net/http, and so on, so
// that a disturbance (another program, a warm-up) spreads over all
// servers instead of favouring one. Smoke mode runs the servers of a scenario at the same
// time, since it judges nothing.
func (b *bench) runLoad(ctx context.Context, kinds []*serverKind, rep *report) error {
	scs := selectScenarios(b.cfg)
	if len(scs) == 0 {
		return nil
	}
	var servers []*server
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for _, k := range kinds {
		if !slices.ContainsFunc(scs, func(sc scenario) bool { return k.measures(sc.id) }) {
			continue
		}
		s, err := b.start(ctx, k)
		if err != nil {
			return err
		}
		b.logf("started %s: HTTP %s, HTTPS %s", k.name, s.http, s.https)
		servers = append(servers, s)
	}
	rep.scenarios = scs

	// Check each scenario answers correctly before measuring it: a
	// server that answers 404 fast must not look like a fast server.
	for _, sc := range scs {
		for _, s := range servers {
			if !s.kind.measures(sc.id) {
				continue
			}
			if why := b.preflight(ctx, sc, s); why != "" {
				rep.cell(sc.id, s.kind.name).na = why
				b.logf("%s, %s: not measured: %s", sc.id, s.kind.name, why)
			}
		}
	}

	scripts := map[string]string{}
	for _, sc := range scs {
		path, err := b.wrkScript(sc)
		if err != nil {
			return err
		}
		scripts[sc.id] = path
	}
	for round := 1; round <= b.cfg.rounds; round++ {
		for _, sc := range scs {
			if err := b.runRound(ctx, round, sc, scripts[sc.id], servers, rep); err != nil {
				return err
			}
		}
	}
	if b.cfg.smoke {
		// Every server must have logged the requests (nginx and lisod
		// write their last lines at shutdown).
		for _, s := range servers {
			s.stop()
		}
		for _, s := range servers {
			if s.kind.ceiling {
				continue // it logs nothing, by design
			}
			if fi, err := os.Stat(s.accessLog); err != nil || fi.Size() == 0 {
				return fmt.Errorf("%s wrote no access log to %s", s.kind.name, s.accessLog)
			}
		}
	}
	return nil
}

// runRound runs one scenario against every server once.
func (b *bench) runRound(ctx context.Context, round int, sc scenario, script string, servers []*server, rep *report) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	one := func(s *server) {
		start := time.Now()
		meter := startMeter(s)
		r, err := b.runClient(ctx, sc, s, script)
		others, busy := meter.stop(s, r.CPU)
		if b.cfg.smoke {
			others = math.NaN() // the other servers' runs would count
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
			return
		}
		c := rep.cell(sc.id, s.kind.name)
		if !c.add(sc, round, r, others, busy) {
			b.logf("round %d/%d, %s, %s: NOT MEASURED: %s", round, b.cfg.rounds, sc.id, s.kind.name, c.na)
			return
		}
		took := time.Since(start).Round(time.Second).String()
		if !math.IsNaN(others) {
			took += fmt.Sprintf("; other programs: %.2f cores", others)
		}
		b.logf("round %d/%d, %s, %s: %s%s%s (server busy %.2f cores; %s)", round, b.cfg.rounds, sc.id, s.kind.name,
			formatValue(sc.unit, r.value(sc.unit)), extraFigures(sc, r), problemSuffix(r.problems(sc.unit)), busy, took)
	}
	for _, s := range roundOrder(servers, round) {
		if !s.kind.measures(sc.id) || rep.cell(sc.id, s.kind.name).na != "" {
			continue
		}
		if !s.running() {
			return fmt.Errorf("%s has exited; its output:\n%s", s.kind.name, tail(s.output))
		}
		if b.cfg.smoke {
			wg.Go(func() { one(s) })
		} else {
			one(s)
			// The access logs would grow by gigabytes over a run;
			// every server appends (O_APPEND), so emptying is safe.
			os.Truncate(s.accessLog, 0)
		}
	}
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// roundOrder is the order of the servers in round (from 1): each round
// starts with the next server, so that none always runs first or last.
// What drifts on the machine during a round (another program, the CPU's
// clock) then falls on every server alike: that is what lets -baseline
// compare two lisods within a few percent.
func roundOrder[T any](servers []T, round int) []T {
	if len(servers) == 0 {
		return nil
	}
	k := (round - 1) % len(servers)
	return slices.Concat(servers[k:], servers[:k])
}

// add records a run of the scenario in the cell. A resumption run in
// which no handshake resumed is refused, loudly: full handshakes must not
// pass for resumed ones. The cell is then marked not measured, and add
// returns false.
func (c *cell) add(sc scenario, round int, r wrkResult, others, busy float64) bool {
	if sc.handshake == resumeHandshake && r.Resumed == 0 && r.Requests > 0 {
		c.na = fmt.Sprintf("round %d: none of %d handshakes resumed a session: the server's session tickets do not work", round, r.Requests)
		return false
	}
	c.values = append(c.values, r.value(sc.unit))
	c.others = append(c.others, others)
	c.busy = append(c.busy, busy)
	if sc.latency {
		c.p50 = append(c.p50, millisOf(r.P50))
		c.p99 = append(c.p99, millisOf(r.P99))
	}
	if sc.handshake == resumeHandshake && r.Requests > 0 {
		c.resumed = append(c.resumed, float64(r.Resumed)/float64(r.Requests))
	}
	if p := r.problems(sc.unit); p != "" {
		c.problems = append(c.problems, fmt.Sprintf("round %d: %s", round, p))
	}
	return true
}

// extraFigures formats the other figures a run measured, for a progress
// line: latency, resumed handshakes.
func extraFigures(sc scenario, r wrkResult) string {
	var out string
	if sc.latency {
		out += fmt.Sprintf(", p50 %s, p99 %s", formatValue(millis, millisOf(r.P50)), formatValue(millis, millisOf(r.P99)))
	}
	if sc.handshake == resumeHandshake && r.Requests > 0 {
		out += fmt.Sprintf(", %s resumed", formatValue(share, float64(r.Resumed)/float64(r.Requests)))
	}
	return out
}

// problemSuffix formats a run's problems for a progress line.
func problemSuffix(p string) string {
	if p == "" {
		return ""
	}
	return " [" + p + "]"
}

// preflight makes the request of the scenario once and checks the answer.
// It returns why the scenario cannot be measured on the server, or "".
func (b *bench) preflight(ctx context.Context, sc scenario, s *server) string {
	if strings.HasPrefix(sc.path, "/cgi/") && !s.kind.cgi {
		return s.kind.name + " has no CGI"
	}
	if sc.pipeline > 1 {
		if err := checkPipelined(s.http, sc.path, sc.pipeline); err != nil {
			return err.Error()
		}
		return ""
	}
	tlsConf, err := b.clientTLS()
	if err != nil {
		return err.Error()
	}
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true, TLSClientConfig: tlsConf, DisableCompression: true},
	}
	url := "http://" + s.http + sc.path
	if sc.tls {
		url = "https://" + s.https + sc.path
	}
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err.Error()
	}
	req.Close = sc.close
	if sc.handshake == resumeHandshake {
		if err := checkResumption(ctx, s.https, sc.path, tlsConf); err != nil {
			return err.Error()
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Sprintf("GET %s: %v", sc.path, err)
	}
	defer resp.Body.Close()
	// Keep the start of the body to compare; count the rest (256 MiB).
	var head strings.Builder
	n, err := io.Copy(io.Discard, io.TeeReader(resp.Body, limitedWriter{&head, 4096}))
	switch {
	case err != nil:
		return fmt.Sprintf("GET %s: reading the body: %v", sc.path, err)
	case resp.StatusCode != http.StatusOK:
		return fmt.Sprintf("GET %s: %s", sc.path, resp.Status)
	case strings.HasPrefix(sc.path, "/cgi/") && head.String() != cgiBody:
		return fmt.Sprintf("GET %s: body %q; want %q", sc.path, head.String(), cgiBody)
	case sc.path == "/"+smallFile && n != smallSize:
		return fmt.Sprintf("GET %s: %d bytes; want %d", sc.path, n, smallSize)
	case sc.path == "/"+bigFile && n != b.bigSize:
		return fmt.Sprintf("GET %s: %d bytes; want %d", sc.path, n, b.bigSize)
	}
	return ""
}

// limitedWriter keeps the first max bytes written to it and drops the
// rest, without failing the write.
type limitedWriter struct {
	w   *strings.Builder
	max int
}

func (l limitedWriter) Write(p []byte) (int, error) {
	if room := l.max - l.w.Len(); room > 0 {
		l.w.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// clientTLS trusts the benchmark's own CA only.
func (b *bench) clientTLS() (*tls.Config, error) {
	pem, err := os.ReadFile(b.caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", b.caFile)
	}
	return &tls.Config{RootCAs: pool}, nil
}

// checkResumption makes two TLS 1.3 connections with one session cache,
// each with one request read to its end (the server's tickets come after
// the handshake), and expects the second to resume the first's session.
// A server that issues no tickets, or refuses them, cannot be measured in
// the resumption row: its runs would be full handshakes under another
// name.
func checkResumption(ctx context.Context, addr, path string, conf *tls.Config) error {
	conf = conf.Clone()
	conf.MinVersion = tls.VersionTLS13
	conf.ClientSessionCache = tls.NewLRUClientSessionCache(1)
	for i := range 2 {
		d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: conf}
		nc, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return fmt.Errorf("TLS 1.3 connection %d: %w", i+1, err)
		}
		c := nc.(*tls.Conn)
		c.SetDeadline(time.Now().Add(10 * time.Second))
		_, err = io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
		if err == nil {
			_, err = io.Copy(io.Discard, c)
		}
		resumed := c.ConnectionState().DidResume
		c.Close()
		switch {
		case err != nil:
			return fmt.Errorf("TLS 1.3 connection %d: %w", i+1, err)
		case i == 1 && !resumed:
			return errors.New("a second TLS 1.3 connection did not resume the first's session: the server issues no session tickets, or does not accept them")
		}
	}
	return nil
}

// checkPipelined writes n requests for path in one write and expects n
// answers of 200, in order.
func checkPipelined(addr, path string, n int) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	reqs := strings.Repeat("GET "+path+" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", n)
	if _, err := io.WriteString(c, reqs); err != nil {
		return fmt.Errorf("writing %d pipelined requests: %w", n, err)
	}
	br := bufio.NewReader(c)
	for i := range n {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return fmt.Errorf("pipelined answer %d of %d: %w", i+1, n, err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("pipelined answer %d of %d: %w", i+1, n, err)
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("pipelined answer %d of %d: %s", i+1, n, resp.Status)
		}
	}
	return nil
}
