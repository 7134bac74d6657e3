package main

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// A cell is one scenario against one server over all rounds.
type cell struct {
	values   []float64 // one per round, in the scenario's unit
	p50, p99 []float64 // per round, latency in ms (scenarios with latency)
	resumed  []float64 // per round, the share of handshakes resumed (tls-resume)
	others   []float64 // per round, cores other programs used meanwhile (NaN: unknown)
	busy     []float64 // per round, cores the server used (NaN: unknown)
	problems []string  // errors the load generator counted, by round
	na       string    // why it was not measured; "" if it was
}

// series is the cell's figure m, one per round.
func (c *cell) series(m metric) []float64 {
	switch m {
	case p50Latency:
		return c.p50
	case p99Latency:
		return c.p99
	case resumedShare:
		return c.resumed
	default:
		return c.values
	}
}

// median returns the middle value, or the mean of the two middle ones.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// report is everything one run measured.
type report struct {
	cfg       *config
	mach      machine
	servers   []*serverKind
	scenarios []scenario                  // the wrk scenarios run, in order
	cells     map[string]map[string]*cell // by scenario id, then server name
	idle      map[string]idleResult       // by server name
	notes     []string                    // said under the table
}

func newReport(c *config, m machine) *report {
	return &report{cfg: c, mach: m, cells: map[string]map[string]*cell{}, idle: map[string]idleResult{}}
}

// cell returns the cell of a scenario and server, making it if needed.
func (r *report) cell(scenarioID, server string) *cell {
	row := r.cells[scenarioID]
	if row == nil {
		row = map[string]*cell{}
		r.cells[scenarioID] = row
	}
	c := row[server]
	if c == nil {
		c = &cell{}
		row[server] = c
	}
	return c
}

// A row is one line of the table, resolved to numbers: what both the
// Markdown and the chart draw.
type row struct {
	sc       scenario
	label    string
	values   []float64 // by server, in r.servers order; NaN where none
	texts    []string  // the cells as printed
	ratio    float64   // lisod / best peer; 0 when unknown
	best     float64   // the best peer's value
	ceiling  float64   // lisod / the ceiling; 0 when unknown
	baseline float64   // lisod / the baseline (-baseline); 0 when unknown
}

// rows resolves the report into table rows: the rows of each scenario
// (tableRows), then idle memory.
func (r *report) rows() ([]row, []string) {
	var rows []row
	var footnotes []string
	mark := func(text, server, why string) string {
		footnotes = append(footnotes, fmt.Sprintf("%s: %s", server, why))
		return fmt.Sprintf("%s [%d]", text, len(footnotes))
	}
	for _, base := range r.scenarios {
		for _, sc := range base.tableRows() {
			rw := row{sc: sc, label: sc.labelWithUnit()}
			for _, k := range r.servers {
				c := r.cell(sc.runID(), k.name)
				vs := c.series(sc.metric)
				v := median(vs)
				text := formatValue(sc.unit, v)
				switch {
				case !k.measures(sc.runID()):
					v, text = math.NaN(), "" // not a row it is measured in
				case c.na != "" && sc.metric != mainFigure:
					v, text = math.NaN(), "n/a" // the footnote is on the row above
				case c.na != "":
					v, text = math.NaN(), mark("n/a", k.name+", "+sc.id, c.na)
				case len(vs) == 0:
					v, text = math.NaN(), "-"
				case sc.metric == mainFigure:
					if why := r.caveats(c); why != "" {
						text = mark(text, k.name+", "+sc.id, why)
					}
				}
				rw.values = append(rw.values, v)
				rw.texts = append(rw.texts, text)
			}
			rw.best, rw.ratio, rw.ceiling = r.ratios(sc.unit, rw.values)
			rw.baseline = r.change(sc, rw.values)
			rows = append(rows, rw)
		}
	}
	if len(r.idle) > 0 {
		n := 0
		for _, res := range r.idle {
			n = max(n, res.conns)
		}
		mem := row{sc: idleScenario, label: fmt.Sprintf("%s, %s connections (%s)", idleScenario.title, thousands(n), unitName(bytesPerConn))}
		served := row{sc: scenario{id: idleServedID, title: "idle connections answered 200 and still open"}}
		served.label = served.sc.title
		for _, k := range r.servers {
			res, ok := r.idle[k.name]
			if !ok {
				text := "-"
				if !k.measures("idle") {
					text = ""
				}
				mem.values, mem.texts = append(mem.values, math.NaN()), append(mem.texts, text)
				served.values, served.texts = append(served.values, math.NaN()), append(served.texts, text)
				continue
			}
			text := formatValue(bytesPerConn, res.perConn())
			mem.values = append(mem.values, res.perConn())
			all := min(res.ok, res.open)
			stext := fmt.Sprintf("%s/%s", thousands(all), thousands(res.conns))
			if len(res.errs) > 0 {
				stext = mark(stext, k.name+", idle", strings.Join(res.errs, "; "))
			}
			mem.texts = append(mem.texts, text)
			served.values = append(served.values, float64(all))
			served.texts = append(served.texts, stext)
		}
		mem.best, mem.ratio, mem.ceiling = r.ratios(bytesPerConn, mem.values)
		mem.baseline = r.change(idleScenario, mem.values)
		rows = append(rows, mem, served)
	}
	return rows, footnotes
}

// caveats says what a measured cell's number should be read with: the
// errors of its runs, and a server that was not busy (the load generator
// or the kernel set the number). A smoke run, whose servers share the
// core, says nothing of the second.
func (r *report) caveats(c *cell) string {
	why := slices.Clone(c.problems)
	if busy := median(c.busy); !r.cfg.smoke && len(c.busy) > 0 && !math.IsNaN(busy) && busy < idleCoreShare {
		why = append(why, fmt.Sprintf("the server's core was busy %.0f%% of the run (median): the load generator or the kernel, not the server, set this number", busy*100))
	}
	return strings.Join(why, "; ")
}

// idleServedID is the row that counts the idle connections served.
const idleServedID = "idle-served"

// informative reports whether a row is information about the runs (a
// count, a share) rather than a measure of speed: it has no ratio and no
// bars.
func (rw row) informative() bool { return rw.sc.id == idleServedID || rw.sc.unit == share }

// ratios returns the best peer's value, lisod's ratio to it, and lisod's
// ratio to the ceiling, for the values of a row in r.servers order
// (lisod first). The ceiling and the baseline are no peers: they are left
// out of the best.
func (r *report) ratios(u unit, values []float64) (best, ratio, ceiling float64) {
	if u == share {
		return math.NaN(), 0, 0
	}
	peers := []float64{values[0]}
	for i, k := range r.servers[1:] {
		switch {
		case k.ceiling:
			ceiling = ratioTo(values[0], values[i+1])
		case !k.baseline:
			peers = append(peers, values[i+1])
		}
	}
	best, ratio = bestPeer(u, peers)
	return best, ratio, ceiling
}

// change returns lisod's ratio to the baseline (-baseline) in a row of
// values (in r.servers order): the median of the rounds' own ratios, each
// of lisod's run to the baseline's run in the same round. The two run one
// right after the other, so what drifts on the machine from one round to
// the next (often more than the change measured) cancels out of each
// ratio. When the rounds do not pair up (a run of either failed), or the
// row has no rounds (idle memory), it is the ratio of the two values. 0
// when either is unknown, or there is no baseline.
func (r *report) change(sc scenario, values []float64) float64 {
	i := slices.IndexFunc(r.servers, func(k *serverKind) bool { return k.baseline })
	if sc.unit == share || i < 0 || ratioTo(values[0], values[i]) == 0 {
		return 0
	}
	mine, theirs := r.cells[sc.runID()]["lisod"], r.cells[sc.runID()][r.servers[i].name]
	if mine == nil || theirs == nil {
		return ratioTo(values[0], values[i])
	}
	a, b := mine.series(sc.metric), theirs.series(sc.metric)
	if len(a) != len(b) || len(a) == 0 {
		return ratioTo(values[0], values[i])
	}
	ratios := make([]float64, len(a))
	for j := range a {
		if ratios[j] = ratioTo(a[j], b[j]); ratios[j] == 0 {
			return ratioTo(values[0], values[i])
		}
	}
	return median(ratios)
}

// ratioTo returns v / of, 0 when either is unknown or of is not positive.
func ratioTo(v, of float64) float64 {
	if math.IsNaN(v) || math.IsNaN(of) || of <= 0 {
		return 0
	}
	return v / of
}

// bestPeer returns the best of the peers' values (all but lisod's, the
// first; NaN where missing) and lisod's ratio to it, 0 when unknown.
func bestPeer(u unit, values []float64) (best, ratio float64) {
	best = math.NaN()
	if len(values) < 2 {
		return best, 0
	}
	lower := u.lowerIsBetter()
	for _, v := range values[1:] {
		if !math.IsNaN(v) && (math.IsNaN(best) || lower && v < best || !lower && v > best) {
			best = v
		}
	}
	if math.IsNaN(best) || math.IsNaN(values[0]) || best <= 0 {
		return best, 0
	}
	return best, values[0] / best
}

// unitName names a unit for the row labels.
func unitName(u unit) string {
	switch u {
	case bytesPerSec:
		return "bytes/s"
	case bytesPerConn:
		return "server memory per connection, lower is better"
	case millis:
		return "ms, lower is better"
	case share:
		return "share of the requests"
	default:
		return "requests/s"
	}
}

// formatValue prints a value in its unit, short.
func formatValue(u unit, v float64) string {
	switch u {
	case bytesPerSec:
		switch {
		case v >= 1e9:
			return fmt.Sprintf("%.2f GB/s", v/1e9)
		case v >= 1e6:
			return fmt.Sprintf("%.1f MB/s", v/1e6)
		default:
			return fmt.Sprintf("%.1f kB/s", v/1e3)
		}
	case bytesPerConn:
		return fmt.Sprintf("%.1f KiB", v/1024)
	case millis:
		switch {
		case v >= 100:
			return fmt.Sprintf("%.0f ms", v)
		case v >= 10:
			return fmt.Sprintf("%.1f ms", v)
		default:
			return fmt.Sprintf("%.2f ms", v)
		}
	case share:
		return fmt.Sprintf("%.1f%%", v*100)
	default:
		switch {
		case v >= 1e6:
			return fmt.Sprintf("%.2fM", v/1e6)
		case v >= 1e4:
			return fmt.Sprintf("%.1fk", v/1e3)
		default:
			return fmt.Sprintf("%.0f", v)
		}
	}
}

// formatRatio prints a ratio such as 1.25×.
func formatRatio(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) + "×" }

// thousands prints n with commas: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Markers around the part of docs/benchmarks.md the tool writes.
const (
	beginMarker = "<!-- lisobench:begin: written by go run ./tools/lisobench; edits inside are lost -->"
	endMarker   = "<!-- lisobench:end -->"
)

// markdown renders the measured part of docs/benchmarks.md.
func (r *report) markdown() string {
	var b strings.Builder
	m := r.mach
	fmt.Fprintf(&b, "Measured %s with `%s`", m.date.UTC().Format("2006-01-02 15:04 MST"), r.command())
	if r.cfg.smoke {
		b.WriteString(": a **smoke run**, whose numbers mean nothing (one short round, few connections, tiny files, servers measured at the same time)")
	}
	fmt.Fprintf(&b, ".\nMedians of %d round(s) of %v per scenario and server; each server pinned to CPU %d (Go servers with GOMAXPROCS=1), "+
		"`wrk -t1` (or tlsload, for one TLS handshake per request) pinned to CPU %d.\n\n",
		r.cfg.rounds, r.cfg.duration, r.cfg.serverCPU, r.cfg.loadCPU)
	fmt.Fprintf(&b, "- Machine: %s, %d cores, %.1f GiB memory, Linux %s\n", m.cpu, m.cores, float64(m.memory)/(1<<30), m.kernel)
	fmt.Fprintf(&b, "- Versions: %s; %s; %s; %s; %s\n", m.goVer, m.nginx, m.lighttpd, m.wrk, m.openssl)
	if d := r.disturbance(); d != "" {
		fmt.Fprintf(&b, "- Other programs: %s\n", d)
	}
	for _, k := range r.servers {
		fmt.Fprintf(&b, "- %s: %s", k.name, k.notes)
		switch {
		case k.name == "lisod":
			fmt.Fprintf(&b, "; %s", m.lisod)
		case k.baseline:
			fmt.Fprintf(&b, "; %s", r.cfg.baseline)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")

	rows, footnotes := r.rows()
	judge := !r.cfg.smoke
	b.WriteString("| scenario |")
	for _, k := range r.servers {
		fmt.Fprintf(&b, " %s |", k.name)
	}
	b.WriteString(" lisod / best peer |")
	ceiling := slices.ContainsFunc(r.servers, func(k *serverKind) bool { return k.ceiling })
	if ceiling {
		b.WriteString(" lisod / ceiling |")
	}
	baseline := slices.ContainsFunc(r.servers, func(k *serverKind) bool { return k.baseline })
	if baseline {
		b.WriteString(" lisod / baseline |")
	}
	if judge {
		b.WriteString(" target | met |")
	}
	b.WriteString("\n| --- |")
	b.WriteString(strings.Repeat(" ---: |", len(r.servers)+1))
	if ceiling {
		b.WriteString(" ---: |")
	}
	if baseline {
		b.WriteString(" ---: |")
	}
	if judge {
		b.WriteString(" --- | --- |")
	}
	b.WriteString("\n")
	for _, rw := range rows {
		fmt.Fprintf(&b, "| %s |", rw.label)
		for _, t := range rw.texts {
			fmt.Fprintf(&b, " %s |", t)
		}
		fmt.Fprintf(&b, " %s |", ratioText(rw.ratio))
		if ceiling {
			fmt.Fprintf(&b, " %s |", ratioText(rw.ceiling))
		}
		if baseline {
			fmt.Fprintf(&b, " %s |", ratioText(rw.baseline))
		}
		if judge {
			met, ok := rw.sc.met(rw.values[0], rw.best)
			verdict := "-"
			target := rw.sc.targetText()
			if rw.sc.id == idleServedID {
				target = "all"
				met, ok = rw.values[0] == float64(r.idle["lisod"].conns), r.idle["lisod"].conns > 0
			}
			if ok {
				verdict = map[bool]string{true: "yes", false: "**no**"}[met]
			}
			fmt.Fprintf(&b, " %s | %s |", target, verdict)
		}
		b.WriteString("\n")
	}
	if len(footnotes) > 0 {
		b.WriteString("\n")
		for i, f := range footnotes {
			fmt.Fprintf(&b, "%d. %s\n", i+1, f)
		}
	}
	if len(r.notes) > 0 {
		b.WriteString("\n")
		for _, n := range r.notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	b.WriteString("\n![lisod beside its peers and the ceiling, each bar relative to the largest value of its scenario](benchmarks.svg)\n")
	if !r.cfg.smoke {
		b.WriteString("\n<details><summary>Every round</summary>\n\n")
		fmt.Fprintf(&b, "In order of rounds; ⚠ marks a run during which other programs used more than %.2f of a core.\n\n| scenario |", disturbedCores)
		for _, k := range r.servers {
			fmt.Fprintf(&b, " %s |", k.name)
		}
		b.WriteString("\n| --- |" + strings.Repeat(" ---: |", len(r.servers)) + "\n")
		for _, base := range r.scenarios {
			for _, sc := range base.tableRows() {
				fmt.Fprintf(&b, "| %s |", sc.id)
				for _, k := range r.servers {
					fmt.Fprintf(&b, " %s |", r.roundsText(sc, k))
				}
				b.WriteString("\n")
			}
		}
		b.WriteString("\n</details>\n")
	}
	return b.String()
}

// roundsText prints a row's figure for a server round by round, marking
// the disturbed runs.
func (r *report) roundsText(sc scenario, k *serverKind) string {
	if !k.measures(sc.runID()) {
		return ""
	}
	c := r.cell(sc.runID(), k.name)
	var vs []string
	for i, v := range c.series(sc.metric) {
		text := formatValue(sc.unit, v)
		if i < len(c.others) && c.others[i] > disturbedCores {
			text += " ⚠"
		}
		vs = append(vs, text)
	}
	if len(vs) == 0 {
		return "-"
	}
	return strings.Join(vs, " · ")
}

// ratioText prints a ratio of the table, "-" when unknown.
func ratioText(v float64) string {
	if v > 0 {
		return formatRatio(v)
	}
	return "-"
}

// idleCoreShare is the share of its core below which a server is said
// not to have set a run's number (a footnote says so).
const idleCoreShare = 0.75

// disturbance summarises how much CPU other programs took during the
// runs, or returns "" when that is unknown.
func (r *report) disturbance() string {
	var all []float64
	worst, where, over := -1.0, "", 0
	for _, sc := range r.scenarios {
		for _, k := range r.servers {
			for i, o := range r.cell(sc.id, k.name).others {
				if math.IsNaN(o) {
					continue
				}
				all = append(all, o)
				if o > disturbedCores {
					over++
				}
				if o > worst {
					worst, where = o, fmt.Sprintf("round %d, %s, %s", i+1, sc.id, k.name)
				}
			}
		}
	}
	if len(all) == 0 {
		return ""
	}
	return fmt.Sprintf("during a run they used a median of %.2f cores, at most %.2f (%s); %d of %d runs above %.2f "+
		"(the machine's busy time from /proc/stat, less the server's and wrk's)",
		median(all), worst, where, over, len(all), disturbedCores)
}

// command is the command line that produced the report.
func (r *report) command() string {
	return strings.TrimSpace("go run ./tools/lisobench " + strings.Join(r.cfg.args, " "))
}

// write puts the report into dir/benchmarks.md, between the markers, and
// the chart into dir/benchmarks.svg. A missing benchmarks.md is created
// with a heading; one without the markers is an error, so that prose is
// never overwritten.
func (r *report) write(dir string) (mdPath, svgPath string, err error) {
	mdPath = filepath.Join(dir, "benchmarks.md")
	svgPath = filepath.Join(dir, "benchmarks.svg")
	old, err := os.ReadFile(mdPath)
	if errors.Is(err, os.ErrNotExist) {
		old, err = []byte("# Benchmarks\n\n"+beginMarker+"\n"+endMarker+"\n"), nil
	}
	if err != nil {
		return "", "", fmt.Errorf("%w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("%w", err)
	}
	doc, err := replaceMarked(old, r.markdown())
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", mdPath, err)
	}
	rows, _ := r.rows()
	if err := os.WriteFile(svgPath, []byte(chart(r, rows)), 0o644); err != nil {
		return "", "", fmt.Errorf("%w", err)
	}
	if err := os.WriteFile(mdPath, doc, 0o644); err != nil {
		return "", "", fmt.Errorf("%w", err)
	}
	return mdPath, svgPath, nil
}

// errNoMarkers reports a document without the two marker lines.
var errNoMarkers = errors.New("the markers are missing or out of order: add the lines " + beginMarker + " and " + endMarker)

// replaceMarked replaces what lies between the marker lines of doc.
func replaceMarked(doc []byte, content string) ([]byte, error) {
	begin := bytes.Index(doc, []byte(beginMarker))
	if begin < 0 {
		return nil, errNoMarkers
	}
	afterBegin := begin + len(beginMarker)
	end := bytes.Index(doc[afterBegin:], []byte(endMarker))
	if end < 0 {
		return nil, errNoMarkers
	}
	end += afterBegin
	var out bytes.Buffer
	out.Write(doc[:afterBegin])
	out.WriteString("\n\n")
	out.WriteString(strings.TrimSpace(content))
	out.WriteString("\n\n")
	out.Write(doc[end:])
	return out.Bytes(), nil
}
