package main

import (
	"fmt"
	"math"
	"strings"
)

// unit is what a scenario's number counts.
type unit int

const (
	reqPerSec    unit = iota // answers per second (wrk's Requests/sec)
	bytesPerSec              // bytes per second (wrk's Transfer/sec)
	bytesPerConn             // server memory per idle connection: lower is better
	millis                   // latency in milliseconds: lower is better
	share                    // a fraction of the requests, 0 to 1: information, not speed
)

// lowerIsBetter reports whether a smaller number is the better one.
func (u unit) lowerIsBetter() bool { return u == bytesPerConn || u == millis }

// A handshake says how a scenario's TLS connections begin when each
// carries one request. wrk cannot be told which: it resumes its last
// session when the server allows it, and does not say whether it did. So
// those scenarios are run by tools/lisobench/tlsload instead, which does
// one or the other on purpose and counts the handshakes that resumed.
type handshake int

const (
	viaWrk          handshake = iota // wrk's connections: kept alive, or a full handshake each
	fullHandshake                    // tlsload: a full handshake per request
	resumeHandshake                  // tlsload: a resumed session per request, as browsers do
)

// A metric is which figure of a scenario's runs a table row shows: its
// own, or one more that the same runs measured.
type metric int

const (
	mainFigure   metric = iota // the scenario's unit: requests/s or bytes/s
	p50Latency                 // wrk's median latency
	p99Latency                 // wrk's 99th percentile latency
	resumedShare               // the share of tlsload's handshakes that resumed
)

// A scenario is one kind of load, run by wrk (or tlsload) against every
// server. The numbers (connections, pipelining) are the issue's; smoke
// mode shrinks them.
type scenario struct {
	id        string // short name for -scenarios
	title     string // the table's row label, before the number of connections
	path      string // URL path on the server
	tls       bool   // over HTTPS
	conns     int    // wrk connections (-c), or tlsload workers
	pipeline  int    // requests written at once per connection; 0 is one at a time
	close     bool   // "Connection: close": a new connection per request
	handshake handshake
	latency   bool // the table also shows the runs' p50 and p99 latency
	unit      unit
	target    float64 // lisod/best peer the issue asks for; 0 is none

	// A row that shows another figure of a scenario's runs (see
	// tableRows) names that scenario and the figure.
	run    string // the scenario whose runs it reads; "" is its own
	metric metric
}

// scenarios are the issue's, in the order of its list.
var scenarios = []scenario{
	{id: "1k-50", title: "1 KiB file, keep-alive", path: "/" + smallFile, conns: 50, unit: reqPerSec, target: 1.3},
	{id: "1k-1000", title: "1 KiB file, keep-alive", path: "/" + smallFile, conns: 1000, latency: true, unit: reqPerSec, target: 1.3},
	{id: "pipelined", title: "1 KiB file, 16 requests pipelined per connection", path: "/" + smallFile, conns: 50, pipeline: 16, unit: reqPerSec, target: 3},
	{id: "256m", title: "256 MiB file, keep-alive", path: "/" + bigFile, conns: 4, unit: bytesPerSec, target: 1.0},
	{id: "tls", title: "1 KiB file over TLS, keep-alive", path: "/" + smallFile, tls: true, conns: 50, unit: reqPerSec, target: 1.1},
	{id: "tls-full", title: "1 KiB file over TLS, a full handshake per request", path: "/" + smallFile, tls: true, close: true,
		handshake: fullHandshake, conns: 50, unit: reqPerSec},
	{id: "tls-resume", title: "1 KiB file over TLS, a resumed session per request", path: "/" + smallFile, tls: true, close: true,
		handshake: resumeHandshake, conns: 50, unit: reqPerSec},
	{id: "close", title: "1 KiB file, a new connection per request", path: "/" + smallFile, conns: 50, close: true, unit: reqPerSec},
	{id: "cgi", title: "trivial CGI script, keep-alive", path: "/cgi/x", conns: 50, unit: reqPerSec},
}

// runID is the scenario whose runs a row reads.
func (s scenario) runID() string {
	if s.run != "" {
		return s.run
	}
	return s.id
}

// tableRows are the rows a scenario's runs fill: its own, and those of
// the other figures the same runs measured (latency, resumption), each
// with the unit of that figure.
func (s scenario) tableRows() []scenario {
	rows := []scenario{s}
	derived := func(suffix, title string, u unit, m metric) {
		rows = append(rows, scenario{id: s.id + "-" + suffix, title: title, conns: s.conns, unit: u, run: s.id, metric: m})
	}
	if s.latency {
		derived("p50", s.title+": median latency (p50)", millis, p50Latency)
		derived("p99", s.title+": 99th percentile latency (p99)", millis, p99Latency)
	}
	if s.handshake == resumeHandshake {
		derived("resumed", s.title+": handshakes that resumed", share, resumedShare)
	}
	return rows
}

// idleScenario is the memory measurement's row in the report; it is not
// run by wrk (see idle.go). Target: at most 4 KiB per connection.
var idleScenario = scenario{id: "idle", title: "memory per idle keep-alive connection", unit: bytesPerConn, target: 4096}

// smokeConns caps the connections of every scenario in smoke mode.
const smokeConns = 8

// scenarioIDs lists the ids -scenarios accepts.
func scenarioIDs() []string {
	ids := make([]string, len(scenarios))
	for i, s := range scenarios {
		ids[i] = s.id
	}
	return ids
}

// findScenario returns the scenario with the id, or nil.
func findScenario(id string) *scenario {
	for i := range scenarios {
		if scenarios[i].id == id {
			return &scenarios[i]
		}
	}
	return nil
}

// selectScenarios returns the scenarios the config runs, shrunk for smoke
// mode.
func selectScenarios(c *config) []scenario {
	var out []scenario
	for _, s := range scenarios {
		if len(c.scenarios) > 0 && !contains(c.scenarios, s.id) {
			continue
		}
		if c.smoke {
			s.conns = min(s.conns, smokeConns)
			s.title = strings.Replace(s.title, "256 MiB", "1 MiB", 1) // see smokeBigSize
		}
		out = append(out, s)
	}
	return out
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// label is the table's row label: the title and the connections.
func (s scenario) label() string {
	return fmt.Sprintf("%s, %s connections", s.title, thousands(s.conns))
}

// labelWithUnit is the label with the unit, as the table and the chart
// print it.
func (s scenario) labelWithUnit() string { return s.label() + " (" + unitName(s.unit) + ")" }

// targetText says what the issue asks of lisod in a scenario.
func (s scenario) targetText() string {
	switch {
	case s.target == 0:
		return "none"
	case s.unit == bytesPerConn:
		return "≤ " + formatValue(s.unit, s.target)
	default:
		return "≥ " + formatRatio(s.target) + " best peer"
	}
}

// met reports whether lisod's value v meets the target, given the best
// peer's value; ok is false when there is nothing to judge.
func (s scenario) met(v, best float64) (met, ok bool) {
	switch {
	case s.target == 0 || math.IsNaN(v):
		return false, false
	case s.unit == bytesPerConn: // an absolute bound
		return v <= s.target, true
	case math.IsNaN(best) || best <= 0:
		return false, false
	default:
		return v/best >= s.target, true
	}
}
