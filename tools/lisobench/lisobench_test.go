package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type parseWrkTest struct {
	out     string
	want    wrkResult
	wantErr bool
}

var parseWrkTests = []parseWrkTest{
	{
		out: "Running 10s test @ http://127.0.0.1:8080/1k.bin\n  1 threads and 50 connections\nRequests/sec: 96000.00\n" +
			"lisobench: requests=960000 bytes=1234567890 duration_us=10000123 connect=0 read=1 write=2 timeout=3 status=4\n",
		want: wrkResult{Requests: 960000, Bytes: 1234567890, Duration: 10000123 * time.Microsecond, Read: 1, Write: 2, Timeout: 3, BadStatus: 4},
	},
	{
		// wrk --latency, with wrkDone's percentiles: the distribution's
		// lines are skipped, the hook's exact ones read.
		out: wrkLatencyOutput,
		want: wrkResult{Requests: 145307, Bytes: 160564235, Duration: 2002160 * time.Microsecond,
			P50: 423 * time.Microsecond, P99: 2113 * time.Microsecond},
	},
	{
		// tlsload's line: no latency, the resumed handshakes.
		out:  "lisobench: requests=9169 bytes=11433743 duration_us=5000000 connect=0 read=0 write=0 timeout=0 status=0 resumed=9119\n",
		want: wrkResult{Requests: 9169, Bytes: 11433743, Duration: 5 * time.Second, Resumed: 9119},
	},
	{out: "Requests/sec: 96000.00\n", wantErr: true},        // no done() line
	{out: "lisobench: requests=1 bytes=2\n", wantErr: true}, // fields missing
	{out: "lisobench: requests=x bytes=2 duration_us=3 connect=0 read=0 write=0 timeout=0 status=0\n", wantErr: true},
	{out: "lisobench: requests=1 bytes=2 duration_us=3 connect=0 read=0 write=0 timeout=0 status=0 extra=1\n", wantErr: true},
	{out: "lisobench: requests=1 requests=2 bytes=2 duration_us=3 connect=0 read=0 write=0 timeout=0 status=0\n", wantErr: true},
	{out: "lisobench: requests=1 bytes=2 duration_us=3 connect=0 read=0 write=0 timeout=0 status=0 p99_us=-1\n", wantErr: true},
	{out: "lisobench: requests=1 bytes=2 duration_us=9223372036854776 connect=0 read=0 write=0 timeout=0 status=0\n", wantErr: true},
}

// wrkLatencyOutput is what wrk -t1 -c50 -d2 --latency printed with
// wrkDone as its script, against the ceiling.
const wrkLatencyOutput = `Running 2s test @ http://127.0.0.1:23480/1k.bin
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   554.18us  692.81us  16.24ms   97.38%
    Req/Sec    73.12k     9.23k   85.83k    70.00%
  Latency Distribution
     50%  423.00us
     75%  654.00us
     90%    0.94ms
     99%    2.11ms
  145307 requests in 2.00s, 153.13MB read
Requests/sec:  72575.12
Transfer/sec:     76.48MB
lisobench: requests=145307 bytes=160564235 duration_us=2002160 connect=0 read=0 write=0 timeout=0 status=0 p50_us=423 p99_us=2113
`

func TestParseWrk(t *testing.T) {
	for _, tt := range parseWrkTests {
		got, err := parseWrk(tt.out)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseWrk(%q) error = %v; want error %v", tt.out, err, tt.wantErr)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseWrk(%q) mismatch (-want +got):\n%s", tt.out, diff)
		}
	}
}

type wrkValueTest struct {
	r            wrkResult
	u            unit
	want         float64
	wantProblems string
}

var wrkValueTests = []wrkValueTest{
	{r: wrkResult{Requests: 1000, Bytes: 5000, Duration: 2 * time.Second}, u: reqPerSec, want: 500},
	{r: wrkResult{Requests: 1000, Bytes: 5000, Duration: 2 * time.Second}, u: bytesPerSec, want: 2500},
	{r: wrkResult{Requests: 10, Duration: time.Second, Connect: 1, BadStatus: 2}, u: reqPerSec, want: 10,
		wantProblems: "1 connect errors, 2 answers not 2xx/3xx"},
	{r: wrkResult{}, u: reqPerSec, want: 0, wantProblems: "no answer at all"},
	{r: wrkResult{Bytes: 8e8, Duration: 10 * time.Second}, u: bytesPerSec, want: 8e7}, // slow, not wrong
	{r: wrkResult{Duration: 10 * time.Second}, u: bytesPerSec, want: 0, wantProblems: "no answer at all"},
}

func TestWrkResultValue(t *testing.T) {
	for _, tt := range wrkValueTests {
		if got := tt.r.value(tt.u); got != tt.want {
			t.Errorf("%+v.value(%v) = %v; want %v", tt.r, tt.u, got, tt.want)
		}
		if got := tt.r.problems(tt.u); got != tt.wantProblems {
			t.Errorf("%+v.problems(%v) = %q; want %q", tt.r, tt.u, got, tt.wantProblems)
		}
	}
}

type medianTest struct {
	in   []float64
	want float64
}

var medianTests = []medianTest{
	{nil, 0},
	{[]float64{7}, 7},
	{[]float64{3, 1, 2}, 2},
	{[]float64{4, 1, 3, 2}, 2.5},
}

func TestMedian(t *testing.T) {
	for _, tt := range medianTests {
		in := append([]float64(nil), tt.in...)
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v; want %v", tt.in, got, tt.want)
		}
		if diff := cmp.Diff(in, tt.in); diff != "" {
			t.Errorf("median(%v) changed its argument (-before +after):\n%s", in, diff)
		}
	}
}

var nan = math.NaN()

type bestPeerTest struct {
	u         unit
	values    []float64 // lisod first
	wantBest  float64
	wantRatio float64
}

var bestPeerTests = []bestPeerTest{
	{reqPerSec, []float64{130, 100, 90}, 100, 1.3},
	{reqPerSec, []float64{130, nan, 65}, 65, 2},
	{reqPerSec, []float64{nan, 100, 90}, 100, 0},
	{reqPerSec, []float64{130, nan, nan}, nan, 0},
	{reqPerSec, []float64{130}, nan, 0},
	{bytesPerConn, []float64{4096, 20000, 512}, 512, 8},
	{bytesPerConn, []float64{4096, 2048, nan}, 2048, 2},
	{bytesPerConn, []float64{4096, -10, 2048}, -10, 0}, // memory shrank: no ratio
	{millis, []float64{2, 4, 8}, 4, 0.5},               // latency: lower is better
	{millis, []float64{2, nan, 1}, 1, 2},
}

type ratiosTest struct {
	servers                          []string
	u                                unit
	values                           []float64
	wantBest, wantRatio, wantCeiling float64
}

var ratiosTests = []ratiosTest{
	// The ceiling is faster than every peer, but no peer: the best is nginx.
	{[]string{"lisod", "net/http", "nginx", "ceiling"}, reqPerSec, []float64{120, 40, 100, 200}, 100, 1.2, 0.6},
	{[]string{"lisod", "net/http", "ceiling"}, millis, []float64{2, 4, 1}, 4, 0.5, 2},
	{[]string{"lisod", "net/http", "ceiling"}, reqPerSec, []float64{120, 40, nan}, 40, 3, 0}, // a row without the ceiling
	{[]string{"lisod", "ceiling"}, reqPerSec, []float64{120, 200}, nan, 0, 0.6},              // no peer at all
	{[]string{"lisod", "net/http", "ceiling"}, share, []float64{0.99, 0.98, nan}, nan, 0, 0}, // a share has no ratio
	// The baseline (an older lisod) is faster than every peer, but no peer either.
	{[]string{"lisod", "baseline", "net/http", "ceiling"}, reqPerSec, []float64{120, 150, 40, 200}, 40, 3, 0.6},
	{[]string{"lisod", "baseline"}, reqPerSec, []float64{120, 150}, nan, 0, 0},
}

// TestRoundOrder: each round starts with the next server, so over as
// many rounds as servers each runs first once and last once.
func TestRoundOrder(t *testing.T) {
	servers := []string{"lisod", "baseline", "net/http"}
	want := [][]string{
		{"lisod", "baseline", "net/http"},
		{"baseline", "net/http", "lisod"},
		{"net/http", "lisod", "baseline"},
		{"lisod", "baseline", "net/http"},
	}
	var got [][]string
	for round := 1; round <= len(want); round++ {
		got = append(got, roundOrder(servers, round))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("roundOrder mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(servers, []string{"lisod", "baseline", "net/http"}); diff != "" {
		t.Errorf("roundOrder changed its argument:\n%s", diff)
	}
}

// changeTests: each gives the rounds of lisod and of the baseline (nil: no
// cell, as for idle memory) and the row's values.
var changeTests = []struct {
	name          string
	servers       []string
	sc            scenario
	lisod, before []float64
	values        []float64
	want          float64
}{
	// The machine slowed down in round 3 for both: the rounds' ratios
	// (0.97, 0.98, 0.96) say so, the ratio of the medians (97 / 100) too.
	{"paired", []string{"lisod", "baseline"}, *findScenario("close"), []float64{97, 98, 48}, []float64{100, 100, 50}, []float64{97, 100}, 0.97},
	// The medians come from different rounds: alone (110 / 100) they
	// would say +10%, though lisod was slower in two rounds of three.
	{"drift between rounds", []string{"lisod", "baseline", "net/http"}, *findScenario("close"),
		[]float64{90, 110, 120}, []float64{100, 80, 121}, []float64{110, 100, 40}, 120.0 / 121},
	{"a failed round: the medians", []string{"lisod", "baseline"}, *findScenario("close"), []float64{97, 98}, []float64{100, 100, 100}, []float64{97.5, 100}, 0.975},
	{"idle memory: the values", []string{"lisod", "baseline"}, idleScenario, nil, nil, []float64{1500, 1600}, 0.9375},
	{"the baseline not measured", []string{"lisod", "baseline"}, *findScenario("close"), []float64{97}, nil, []float64{97, nan}, 0},
	{"a share has no ratio", []string{"lisod", "baseline"}, scenario{id: "tls-resume-resumed", unit: share}, nil, nil, []float64{0.99, 0.98}, 0},
	{"no baseline", []string{"lisod", "net/http"}, *findScenario("close"), []float64{97}, nil, []float64{97, 100}, 0},
}

// TestChange: lisod / baseline pairs each of lisod's rounds with the
// baseline's run of the same round, and falls back to the values where
// the rounds do not pair up.
func TestChange(t *testing.T) {
	for _, tt := range changeTests {
		r := newReport(&config{}, machine{})
		for _, name := range tt.servers {
			r.servers = append(r.servers, findKind(name))
		}
		if tt.lisod != nil {
			r.cell(tt.sc.id, "lisod").values = tt.lisod
		}
		if tt.before != nil {
			r.cell(tt.sc.id, "baseline").values = tt.before
		}
		if got := r.change(tt.sc, tt.values); !sameFloat(got, tt.want) {
			t.Errorf("%s: change(%v) = %v; want %v", tt.name, tt.values, got, tt.want)
		}
	}
}

func TestBestPeer(t *testing.T) {
	for _, tt := range bestPeerTests {
		best, ratio := bestPeer(tt.u, tt.values)
		if diff := cmp.Diff([]float64{tt.wantBest, tt.wantRatio}, []float64{best, ratio}, cmp.Comparer(sameFloat)); diff != "" {
			t.Errorf("bestPeer(%v, %v) = %v, %v; want %v, %v", tt.u, tt.values, best, ratio, tt.wantBest, tt.wantRatio)
		}
	}
}

// sameFloat compares floats with NaN equal to NaN and a little slack.
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) < 1e-9
}

type metTest struct {
	id       string
	v, best  float64
	met, ok  bool
	wantText string
}

var metTests = []metTest{
	{"1k-50", 130, 100, true, true, "≥ 1.30× best peer"},
	{"1k-50", 129, 100, false, true, "≥ 1.30× best peer"},
	{"1k-50", nan, 100, false, false, "≥ 1.30× best peer"},
	{"1k-50", 130, nan, false, false, "≥ 1.30× best peer"},
	{"pipelined", 300, 100, true, true, "≥ 3.00× best peer"},
	{"close", 300, 100, false, false, "none"},
	{"idle", 4096, 20000, true, true, "≤ 4.0 KiB"},
	{"idle", 4097, nan, false, true, "≤ 4.0 KiB"},
}

func TestScenarioMet(t *testing.T) {
	for _, tt := range metTests {
		sc := idleScenario
		if tt.id != "idle" {
			sc = *findScenario(tt.id)
		}
		met, ok := sc.met(tt.v, tt.best)
		if met != tt.met || ok != tt.ok {
			t.Errorf("%s.met(%v, %v) = %v, %v; want %v, %v", tt.id, tt.v, tt.best, met, ok, tt.met, tt.ok)
		}
		if got := sc.targetText(); got != tt.wantText {
			t.Errorf("%s.targetText() = %q; want %q", tt.id, got, tt.wantText)
		}
	}
}

type formatTest struct {
	u    unit
	v    float64
	want string
}

var formatTests = []formatTest{
	{reqPerSec, 980, "980"},
	{reqPerSec, 9258.4, "9258"},
	{reqPerSec, 96123, "96.1k"},
	{reqPerSec, 1_400_000, "1.40M"},
	{bytesPerSec, 1.4e9, "1.40 GB/s"},
	{bytesPerSec, 934.3e6, "934.3 MB/s"},
	{bytesPerSec, 12e3, "12.0 kB/s"},
	{bytesPerConn, 20275, "19.8 KiB"},
	{bytesPerConn, 512, "0.5 KiB"},
	{millis, 0.423, "0.42 ms"},
	{millis, 36.14, "36.1 ms"},
	{millis, 512.4, "512 ms"},
	{share, 0.9946, "99.5%"},
	{share, 0, "0.0%"},
}

func TestFormatValue(t *testing.T) {
	for _, tt := range formatTests {
		if got := formatValue(tt.u, tt.v); got != tt.want {
			t.Errorf("formatValue(%v, %v) = %q; want %q", tt.u, tt.v, got, tt.want)
		}
	}
}

var thousandsTests = []struct {
	n    int
	want string
}{
	{0, "0"}, {999, "999"}, {1000, "1,000"}, {10000, "10,000"}, {1234567, "1,234,567"}, {-1000, "-1,000"},
}

func TestThousands(t *testing.T) {
	for _, tt := range thousandsTests {
		if got := thousands(tt.n); got != tt.want {
			t.Errorf("thousands(%d) = %q; want %q", tt.n, got, tt.want)
		}
	}
}

type replaceTest struct {
	doc     string
	content string
	want    string
	wantErr error
}

var replaceTests = []replaceTest{
	{
		doc:     "# B\n\nprose before\n\n" + beginMarker + "\nold table\n" + endMarker + "\n\nprose after\n",
		content: "new table\n",
		want:    "# B\n\nprose before\n\n" + beginMarker + "\n\nnew table\n\n" + endMarker + "\n\nprose after\n",
	},
	{
		doc:     beginMarker + endMarker,
		content: "x",
		want:    beginMarker + "\n\nx\n\n" + endMarker,
	},
	{doc: "# B\nno markers\n", wantErr: errNoMarkers},
	{doc: endMarker + "\n" + beginMarker + "\n", wantErr: errNoMarkers},
	{doc: beginMarker + "\nunterminated\n", wantErr: errNoMarkers},
}

func TestReplaceMarked(t *testing.T) {
	for _, tt := range replaceTests {
		got, err := replaceMarked([]byte(tt.doc), tt.content)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("replaceMarked(%q) error = %v; want %v", tt.doc, err, tt.wantErr)
			continue
		}
		if diff := cmp.Diff(tt.want, string(got)); diff != "" {
			t.Errorf("replaceMarked(%q) mismatch (-want +got):\n%s", tt.doc, diff)
		}
	}
}

var vmRSSTests = []struct {
	status  string
	want    int64
	wantErr bool
}{
	{"Name:\tnginx\nVmPeak:\t  20000 kB\nVmRSS:\t    5120 kB\nRssAnon:\t 1000 kB\n", 5120, false},
	{"Name:\tkthreadd\nState:\tS (sleeping)\n", 0, true},
	{"VmRSS:\t 5120 pages\n", 0, true},
}

func TestParseVmRSS(t *testing.T) {
	for _, tt := range vmRSSTests {
		got, err := parseVmRSS(tt.status)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseVmRSS(%q) = %d, %v; want %d, error %v", tt.status, got, err, tt.want, tt.wantErr)
		}
	}
}

var statTests = []struct {
	stat      string
	pid, ppid int
	ok        bool
}{
	{"1234 (nginx) S 1200 1234 1234 0 -1", 1234, 1200, true},
	{"77 (a (weird) name) R 5 77 77", 77, 5, true}, // comm may hold spaces and parentheses
	{"garbage", 0, 0, false},
	{"12 (x)", 0, 0, false},
}

func TestParseStat(t *testing.T) {
	for _, tt := range statTests {
		pid, ppid, ok := parseStat(tt.stat)
		if ok != tt.ok || ok && (pid != tt.pid || ppid != tt.ppid) {
			t.Errorf("parseStat(%q) = %d, %d, %v; want %d, %d, %v", tt.stat, pid, ppid, ok, tt.pid, tt.ppid, tt.ok)
		}
	}
}

func TestParseCPUInfo(t *testing.T) {
	info := "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Processor\n"
	model, n := parseCPUInfo(info)
	if model != "Intel(R) Xeon(R) Processor" || n != 2 {
		t.Errorf("parseCPUInfo(%q) = %q, %d; want %q, 2", info, model, n, "Intel(R) Xeon(R) Processor")
	}
	mem := "MemTotal:       24684000 kB\nMemFree:        1000 kB\n"
	if got := parseMemTotal(mem); got != 24684000*1024 {
		t.Errorf("parseMemTotal(%q) = %d; want %d", mem, got, 24684000*1024)
	}
}

type flagsTest struct {
	args    []string
	check   func(*config) string // "" when right
	wantErr string               // part of the error; "" for none
}

var flagsTests = []flagsTest{
	{args: nil, check: func(c *config) string {
		if c.rounds != 3 || c.duration != 10*time.Second || c.idleConns != 10000 || len(c.servers) != 5 || c.smoke {
			return "want the full run's defaults"
		}
		return ""
	}},
	{args: []string{"-smoke"}, check: func(c *config) string {
		if c.rounds != 1 || c.duration != time.Second || c.idleConns != 50 || !c.smoke {
			return "want smoke defaults"
		}
		return ""
	}},
	{args: []string{"-smoke", "-rounds", "2", "-idle-conns", "0"}, check: func(c *config) string {
		if c.rounds != 2 || c.idleConns != 0 {
			return "want the given flags to win over smoke defaults"
		}
		return ""
	}},
	{args: []string{"-servers", "lisod,nginx", "-scenarios", "tls,cgi"}, check: func(c *config) string {
		if !cmp.Equal(c.servers, []string{"lisod", "nginx"}) || !cmp.Equal(c.scenarios, []string{"tls", "cgi"}) {
			return "want the lists split"
		}
		return ""
	}},
	{args: []string{"-servers", "lisod,nginx", "-baseline", os.Args[0]}, check: func(c *config) string {
		if !cmp.Equal(c.servers, []string{"lisod", "baseline", "nginx"}) || !filepath.IsAbs(c.baseline) {
			return "want the baseline right after lisod, by its absolute path"
		}
		return ""
	}},
	{args: []string{"-baseline", "no-such-lisod"}, wantErr: "-baseline: stat no-such-lisod"},
	{args: []string{"-baseline", "."}, wantErr: "is not an executable file"},
	{args: []string{"-lisod", "no-such-lisod"}, wantErr: "-lisod: stat no-such-lisod"},
	{args: []string{"-servers", "lisod,baseline"}, wantErr: "-baseline adds an older lisod"},
	{args: []string{"-servers", "nginx,lisod"}, wantErr: "must start with lisod"},
	{args: []string{"-servers", "lisod,caddy"}, wantErr: `unknown server "caddy"`},
	{args: []string{"-scenarios", "1k-99"}, wantErr: `unknown scenario "1k-99"`},
	{args: []string{"-duration", "1500ms"}, wantErr: "whole seconds"},
	{args: []string{"-rounds", "0"}, wantErr: "at least 1"},
	{args: []string{"extra"}, wantErr: "unexpected argument"},
}

func TestParseFlags(t *testing.T) {
	for _, tt := range flagsTests {
		c, err := parseFlags(tt.args, io.Discard)
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("parseFlags(%q) error = %v; want one containing %q", tt.args, err, tt.wantErr)
		case tt.wantErr == "" && err != nil:
			t.Errorf("parseFlags(%q) = %v; want no error", tt.args, err)
		case tt.wantErr == "":
			if why := tt.check(c); why != "" {
				t.Errorf("parseFlags(%q) = %+v: %s", tt.args, *c, why)
			}
		}
	}
}

// TestTableRows: the runs of 1k-1000 fill three rows (requests/s, p50
// and p99), those of tls-resume two (requests/s and the share resumed),
// and every other scenario one.
func TestTableRows(t *testing.T) {
	var got []string
	for _, sc := range scenarios {
		for _, rw := range sc.tableRows() {
			got = append(got, fmt.Sprintf("%s<-%s:%s", rw.id, rw.runID(), unitName(rw.unit)))
		}
	}
	want := []string{
		"1k-50<-1k-50:requests/s",
		"1k-1000<-1k-1000:requests/s",
		"1k-1000-p50<-1k-1000:ms, lower is better",
		"1k-1000-p99<-1k-1000:ms, lower is better",
		"pipelined<-pipelined:requests/s",
		"256m<-256m:bytes/s",
		"tls<-tls:requests/s",
		"tls-full<-tls-full:requests/s",
		"tls-resume<-tls-resume:requests/s",
		"tls-resume-resumed<-tls-resume:share of the requests",
		"close<-close:requests/s",
		"cgi<-cgi:requests/s",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tableRows mismatch (-want +got):\n%s", diff)
	}
}

// TestWhereMeasured: lighttpd is measured for CGI only, the ceiling in
// every row but the 256 MiB file, neither in the idle memory; the others
// everywhere.
func TestWhereMeasured(t *testing.T) {
	want := map[string][]string{
		"lisod":    {"1k-50", "1k-1000", "pipelined", "256m", "tls", "tls-full", "tls-resume", "close", "cgi", "idle"},
		"net/http": {"1k-50", "1k-1000", "pipelined", "256m", "tls", "tls-full", "tls-resume", "close", "cgi", "idle"},
		"nginx":    {"1k-50", "1k-1000", "pipelined", "256m", "tls", "tls-full", "tls-resume", "close", "cgi", "idle"},
		"baseline": {"1k-50", "1k-1000", "pipelined", "256m", "tls", "tls-full", "tls-resume", "close", "cgi", "idle"},
		"lighttpd": {"cgi"},
		"ceiling":  {"1k-50", "1k-1000", "pipelined", "tls", "tls-full", "tls-resume", "close", "cgi"},
	}
	for _, k := range kinds {
		var got []string
		for _, id := range append(scenarioIDs(), "idle") {
			if k.measures(id) {
				got = append(got, id)
			}
		}
		if diff := cmp.Diff(want[k.name], got); diff != "" {
			t.Errorf("%s is measured in (-want +got):\n%s", k.name, diff)
		}
	}
}

func TestSelectScenariosSmoke(t *testing.T) {
	got := selectScenarios(&config{smoke: true, scenarios: []string{"1k-1000", "256m"}})
	var labels []string
	for _, s := range got {
		labels = append(labels, s.label())
	}
	want := []string{"1 KiB file, keep-alive, 8 connections", "1 MiB file, keep-alive, 4 connections"}
	if diff := cmp.Diff(want, labels); diff != "" {
		t.Errorf("selectScenarios(smoke) labels mismatch (-want +got):\n%s", diff)
	}
}

// testReport is a small full report, as all five servers would give.
func testReport() *report {
	r := newReport(&config{rounds: 3, duration: 10 * time.Second, args: []string{"-rounds", "3"}},
		machine{date: time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC), cpu: "Test CPU", cores: 2, memory: 4 << 30,
			kernel: "6.1", goVer: "go1.26.8", nginx: "nginx/1.22.1", lighttpd: "lighttpd/1.4.69", wrk: "wrk 4.1.0", openssl: "OpenSSL 3.0", lisod: "test build"})
	for _, name := range []string{"lisod", "net/http", "nginx", "lighttpd", "ceiling"} {
		r.servers = append(r.servers, findKind(name))
	}
	r.scenarios = []scenario{*findScenario("1k-50"), *findScenario("1k-1000"), *findScenario("tls-resume"), *findScenario("cgi")}
	busy := []float64{1, 1, 1}
	r.cell("1k-50", "lisod").values = []float64{130e3, 120e3, 125e3}
	r.cell("1k-50", "lisod").others = []float64{0, 1.5, 0.01}
	r.cell("1k-50", "net/http").values = []float64{96e3, 95e3, 97e3}
	r.cell("1k-50", "nginx").values = []float64{92e3, 91e3, 93e3}
	r.cell("1k-50", "nginx").problems = []string{"round 2: 3 read errors"}
	r.cell("1k-50", "ceiling").values = []float64{250e3, 240e3, 260e3}
	r.cell("1k-50", "ceiling").busy = []float64{0.6, 0.7, 0.5}
	for _, name := range []string{"lisod", "net/http", "nginx", "ceiling"} {
		c := r.cell("1k-1000", name)
		c.values, c.busy = []float64{100e3, 100e3, 100e3}, busy
		c.p50, c.p99 = []float64{9, 10, 11}, []float64{20, 30, 25}
	}
	r.cell("1k-1000", "net/http").p99 = []float64{50, 60, 70}
	r.cell("1k-1000", "ceiling").p99 = []float64{10, 10, 10}
	r.cell("tls-resume", "lisod").values = []float64{3000, 3100, 2900}
	r.cell("tls-resume", "lisod").resumed = []float64{0.99, 0.98, 0.995}
	r.cell("tls-resume", "net/http").values = []float64{1500, 1500, 1500}
	r.cell("tls-resume", "net/http").resumed = []float64{0.99, 0.99, 0.99}
	r.cell("tls-resume", "ceiling").values = []float64{4000, 4000, 4000}
	r.cell("tls-resume", "ceiling").resumed = []float64{0.99, 0.99, 0.99}
	r.cell("tls-resume", "nginx").na = "round 1: none of 1500 handshakes resumed a session: the server's session tickets do not work"
	r.cell("cgi", "lisod").values = []float64{2000, 2100, 1900}
	r.cell("cgi", "net/http").values = []float64{1000, 1000, 1000}
	r.cell("cgi", "nginx").na = "nginx has no CGI"
	r.cell("cgi", "lighttpd").values = []float64{1600, 1700, 1800}
	r.cell("cgi", "ceiling").values = []float64{2500, 2500, 2500}
	r.idle["lisod"] = idleResult{conns: 10000, ok: 10000, open: 10000, before: 10 << 20, after: 10<<20 + 10000*3072}
	r.idle["net/http"] = idleResult{conns: 10000, ok: 10000, open: 10000, before: 8 << 20, after: 8<<20 + 10000*20275}
	r.idle["nginx"] = idleResult{conns: 10000, ok: 9990, open: 10000, before: 20 << 20, after: 20<<20 + 10000*512, errs: []string{"connection reset"}}
	return r
}

func TestMarkdown(t *testing.T) {
	checkLines(t, testReport().markdown(), []string{
		"| scenario | lisod | net/http | nginx | lighttpd | ceiling | lisod / best peer | lisod / ceiling | target | met |",
		"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
		// The ceiling is no peer: the best peer is net/http, not it.
		"| 1 KiB file, keep-alive, 50 connections (requests/s) | 125.0k | 96.0k | 92.0k [1] |  | 250.0k [2] | 1.30× | 0.50× | ≥ 1.30× best peer | yes |",
		"| 1 KiB file, keep-alive, 1,000 connections (requests/s) | 100.0k | 100.0k | 100.0k |  | 100.0k | 1.00× | 1.00× | ≥ 1.30× best peer | **no** |",
		// Lower is better: the best peer has the least latency.
		"| 1 KiB file, keep-alive: median latency (p50), 1,000 connections (ms, lower is better) | 10.0 ms | 10.0 ms | 10.0 ms |  | 10.0 ms | 1.00× | 1.00× | none | - |",
		"| 1 KiB file, keep-alive: 99th percentile latency (p99), 1,000 connections (ms, lower is better) | 25.0 ms | 60.0 ms | 25.0 ms |  | 10.0 ms | 1.00× | 2.50× | none | - |",
		"| 1 KiB file over TLS, a resumed session per request, 50 connections (requests/s) | 3000 | 1500 | n/a [3] |  | 4000 | 2.00× | 0.75× | none | - |",
		"| 1 KiB file over TLS, a resumed session per request: handshakes that resumed, 50 connections (share of the requests) | 99.0% | 99.0% | n/a |  | 99.0% | - | - | none | - |",
		"| trivial CGI script, keep-alive, 50 connections (requests/s) | 2000 | 1000 | n/a [4] | 1700 | 2500 | 1.18× | 0.80× | none | - |",
		"| memory per idle keep-alive connection, 10,000 connections (server memory per connection, lower is better) | 3.0 KiB | 19.8 KiB | 0.5 KiB |  |  | 6.00× | - | ≤ 4.0 KiB | yes |",
		"| idle connections answered 200 and still open | 10,000/10,000 | 10,000/10,000 | 9,990/10,000 [5] |  |  | - | - | all | yes |",
		"1. nginx, 1k-50: round 2: 3 read errors",
		"2. ceiling, 1k-50: the server's core was busy 60% of the run (median): the load generator or the kernel, not the server, set this number",
		"3. nginx, tls-resume: round 1: none of 1500 handshakes resumed a session: the server's session tickets do not work",
		"4. nginx, cgi: nginx has no CGI",
		"5. nginx, idle: connection reset",
		"| 1k-50 | 130.0k · 120.0k ⚠ · 125.0k | 96.0k · 95.0k · 97.0k | 92.0k · 91.0k · 93.0k |  | 250.0k · 240.0k · 260.0k |",
		"| 1k-1000-p99 | 20.0 ms · 30.0 ms · 25.0 ms | 50.0 ms · 60.0 ms · 70.0 ms | 20.0 ms · 30.0 ms · 25.0 ms |  | 10.0 ms · 10.0 ms · 10.0 ms |",
		"| tls-resume-resumed | 99.0% · 98.0% · 99.5% | 99.0% · 99.0% · 99.0% | - |  | 99.0% · 99.0% · 99.0% |",
		"- Other programs: during a run they used a median of 0.01 cores, at most 1.50 (round 2, 1k-50, lisod); 1 of 3 runs above 0.25",
		"Test CPU, 2 cores, 4.0 GiB memory, Linux 6.1",
		"- Versions: go1.26.8; nginx/1.22.1; lighttpd/1.4.69; wrk 4.1.0; OpenSSL 3.0",
		"`go run ./tools/lisobench -rounds 3`",
	})
}

// checkLines reports each of want that the Markdown md lacks.
func checkLines(t *testing.T, md string, want []string) {
	t.Helper()
	for _, line := range want {
		if !strings.Contains(md, line) {
			t.Errorf("markdown() lacks the line\n%s\nit reads:\n%s", line, md)
		}
	}
}

// TestMarkdownBaseline: with -baseline, the older lisod has a column
// beside lisod's, is no peer, and lisod / baseline is its own column.
func TestMarkdownBaseline(t *testing.T) {
	r := newReport(&config{rounds: 3, duration: 10 * time.Second, baseline: "/tmp/lisod-before"}, machine{lisod: "test build"})
	for _, name := range []string{"lisod", "baseline", "net/http", "ceiling"} {
		r.servers = append(r.servers, findKind(name))
	}
	r.scenarios = []scenario{*findScenario("close")}
	r.cell("close", "lisod").values = []float64{9700, 9800, 9600}
	// The baseline's median is 9500 (lisod's is 2% above it), but the
	// rounds' own ratios (1.08, 0.82, 1.01) have the median 1.01.
	r.cell("close", "baseline").values = []float64{9000, 12000, 9500}
	r.cell("close", "net/http").values = []float64{5000, 5000, 5000}
	r.cell("close", "ceiling").values = []float64{19400, 19400, 19400}
	r.idle["lisod"] = idleResult{conns: 100, ok: 100, open: 100, before: 1 << 20, after: 1<<20 + 100*1500}
	r.idle["baseline"] = idleResult{conns: 100, ok: 100, open: 100, before: 1 << 20, after: 1<<20 + 100*1600}
	checkLines(t, r.markdown(), []string{
		"| scenario | lisod | baseline | net/http | ceiling | lisod / best peer | lisod / ceiling | lisod / baseline | target | met |",
		"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
		"| 1 KiB file, a new connection per request, 50 connections (requests/s) | 9700 | 9500 | 5000 | 19.4k | 1.94× | 0.50× | 1.01× |",
		"| memory per idle keep-alive connection, 100 connections (server memory per connection, lower is better) | 1.5 KiB | 1.6 KiB | - |  | - | - | 0.94× |",
		"- baseline: the lisod binary given with -baseline",
		"; /tmp/lisod-before\n",
	})
}

func TestChart(t *testing.T) {
	r := testReport()
	rows, _ := r.rows()
	svg := chart(r, rows)
	if err := checkSVG(svg); err != nil {
		t.Fatalf("chart() is not a good SVG: %v\n%s", err, svg)
	}
	// Bars only for the servers measured in a row, none for a share or a
	// count, none for n/a: 1k-50 has 4 servers, 1k-1000 and its p50 and
	// p99 4 each, tls-resume 4 (one n/a), cgi 5 (one n/a), idle memory 3.
	// 4+12+3+4+3 = 26 bars and the background.
	if got := strings.Count(svg, "<rect "); got != 27 {
		t.Errorf("chart() has %d rects; want 27 (background and 26 bars)", got)
	}
	for _, want := range []string{">n/a<", ">lighttpd<", ">ceiling<", "(ms, lower is better)</text>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart() lacks %q:\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "handshakes that resumed") {
		t.Errorf("chart() draws the share of resumed handshakes; want it in the table only")
	}
}

var cpuBusyTests = []struct {
	stat    string
	want    time.Duration
	wantErr bool
}{
	// user nice system idle iowait irq softirq steal guest guest_nice
	{"cpu  100 2 30 9000 50 4 5 6 0 0\ncpu0 50 1 15 4500 25 2 2 3 0 0\n", 138 * clockTick, false},
	{"intr 12345\n", 0, true},
	{"cpu  1 2 3\n", 0, true},
}

func TestParseCPUBusy(t *testing.T) {
	for _, tt := range cpuBusyTests {
		got, err := parseCPUBusy(tt.stat)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseCPUBusy(%q) = %v, %v; want %v, error %v", tt.stat, got, err, tt.want, tt.wantErr)
		}
	}
}

var processCPUTests = []struct {
	stat    string
	want    time.Duration
	wantErr bool
}{
	// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
	{"42 (nginx: worker) S 41 41 41 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 1 0", 310 * clockTick, false},
	{"42 (x) S 41 41", 0, true},
	{"no name here", 0, true},
}

func TestParseProcessCPU(t *testing.T) {
	for _, tt := range processCPUTests {
		got, err := parseProcessCPU(tt.stat)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseProcessCPU(%q) = %v, %v; want %v, error %v", tt.stat, got, err, tt.want, tt.wantErr)
		}
	}
}

type cellAddTest struct {
	id          string
	r           wrkResult
	wantOK      bool
	wantValues  []float64
	wantP99     []float64
	wantResumed []float64
}

var cellAddTests = []cellAddTest{
	{id: "1k-50", r: wrkResult{Requests: 1000, Duration: time.Second}, wantOK: true, wantValues: []float64{1000}},
	{id: "1k-1000", r: wrkResult{Requests: 1000, Duration: time.Second, P50: 3 * time.Millisecond, P99: 7500 * time.Microsecond},
		wantOK: true, wantValues: []float64{1000}, wantP99: []float64{7.5}},
	{id: "tls-resume", r: wrkResult{Requests: 1000, Resumed: 950, Duration: time.Second},
		wantOK: true, wantValues: []float64{1000}, wantResumed: []float64{0.95}},
	// Nothing resumed: refused, not counted as a resumption run.
	{id: "tls-resume", r: wrkResult{Requests: 1000, Duration: time.Second}, wantOK: false},
	// Full handshakes resume nothing, and that is right.
	{id: "tls-full", r: wrkResult{Requests: 1000, Duration: time.Second}, wantOK: true, wantValues: []float64{1000}},
}

func TestCellAdd(t *testing.T) {
	for _, tt := range cellAddTests {
		var c cell
		ok := c.add(*findScenario(tt.id), 1, tt.r, 0, 1)
		if ok != tt.wantOK || (c.na == "") != tt.wantOK {
			t.Errorf("%s: add(%+v) = %v, na %q; want %v and na only when refused", tt.id, tt.r, ok, c.na, tt.wantOK)
		}
		got := []any{c.values, c.p99, c.resumed}
		want := []any{tt.wantValues, tt.wantP99, tt.wantResumed}
		if diff := cmp.Diff(want, got, cmp.Comparer(sameFloat)); diff != "" {
			t.Errorf("%s: add(%+v): values, p99, resumed mismatch (-want +got):\n%s", tt.id, tt.r, diff)
		}
	}
}

// TestCheckResumption: the preflight of tls-resume accepts a server whose
// sessions resume, and refuses one that issues no tickets.
func TestCheckResumption(t *testing.T) {
	for _, noTickets := range []bool{false, true} {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
		srv.TLS = &tls.Config{SessionTicketsDisabled: noTickets}
		srv.StartTLS()
		conf := srv.Client().Transport.(*http.Transport).TLSClientConfig
		err := checkResumption(context.Background(), srv.Listener.Addr().String(), "/"+smallFile, conf)
		srv.Close()
		switch {
		case !noTickets && err != nil:
			t.Errorf("checkResumption(a server with tickets) = %v; want nil", err)
		case noTickets && (err == nil || !strings.Contains(err.Error(), "did not resume")):
			t.Errorf("checkResumption(a server without tickets) = %v; want an error saying it did not resume", err)
		}
	}
}

// TestLighttpdConf: the generated configuration maps /cgi/ to the very
// script the other servers run, on its own port on 127.0.0.1, with an
// access log, and refuses a path it could not quote.
func TestLighttpdConf(t *testing.T) {
	dir := t.TempDir()
	b := &bench{dir: dir, www: dir + "/www", cgiScript: dir + "/cgi.sh"}
	path, err := b.writeLighttpdConf(ports{http: 12345})
	if err != nil {
		t.Fatalf("writeLighttpdConf = %v", err)
	}
	conf := readFile(t, path)
	for _, want := range []string{
		`server.bind = "127.0.0.1"`,
		"server.port = 12345",
		`server.document-root = "` + b.www + `"`,
		`accesslog.filename = "` + b.accessLog("lighttpd") + `"`,
		`alias.url = ("/cgi/" => "` + b.cgiScript + `/")`,
		`cgi.assign = ("" => "")`,
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("lighttpd.conf lacks %q; it reads:\n%s", want, conf)
		}
	}
	b.cgiScript = dir + `/a"b.sh`
	if _, err := b.writeLighttpdConf(ports{http: 12345}); err == nil {
		t.Errorf("writeLighttpdConf with the script %q = nil; want an error", b.cgiScript)
	}
}
