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
)

// A scenario is one kind of load, run by wrk against every server. The
// numbers (connections, pipelining) are the issue's; smoke mode shrinks
// them.
type scenario struct {
	id       string // short name for -scenarios
	title    string // the table's row label, before the number of connections
	path     string // URL path on the server
	tls      bool   // over HTTPS
	conns    int    // wrk connections (-c)
	pipeline int    // requests written at once per connection; 0 is one at a time
	close    bool   // "Connection: close": a new connection per request
	unit     unit
	target   float64 // lisod/best peer the issue asks for; 0 is none
}

// scenarios are the issue's, in the order of its list.
var scenarios = []scenario{
	{id: "1k-50", title: "1 KiB file, keep-alive", path: "/" + smallFile, conns: 50, unit: reqPerSec, target: 1.3},
	{id: "1k-1000", title: "1 KiB file, keep-alive", path: "/" + smallFile, conns: 1000, unit: reqPerSec, target: 1.3},
	{id: "pipelined", title: "1 KiB file, 16 requests pipelined per connection", path: "/" + smallFile, conns: 50, pipeline: 16, unit: reqPerSec, target: 3},
	{id: "256m", title: "256 MiB file, keep-alive", path: "/" + bigFile, conns: 4, unit: bytesPerSec, target: 1.0},
	{id: "tls", title: "1 KiB file over TLS, keep-alive", path: "/" + smallFile, tls: true, conns: 50, unit: reqPerSec, target: 1.1},
	{id: "close", title: "1 KiB file, a new connection per request", path: "/" + smallFile, conns: 50, close: true, unit: reqPerSec},
	{id: "cgi", title: "trivial CGI script, keep-alive", path: "/cgi/x", conns: 50, unit: reqPerSec},
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
	case s.unit == bytesPerConn:
		return v <= s.target, true
	case math.IsNaN(best) || best <= 0:
		return false, false
	default:
		return v/best >= s.target, true
	}
}
