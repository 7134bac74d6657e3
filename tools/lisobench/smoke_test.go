package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs the whole tool in smoke mode: it builds lisod and
// lisobench's own programs, starts every server, runs every scenario and
// the idle measurement once, briefly, and writes the report. It proves
// each part works and judges no speed. It needs wrk and taskset; under
// CI=true their absence is a failure, elsewhere a skip. nginx is measured
// if installed; so is lighttpd, which CI installs (under CI=true its
// absence is a failure, so that its generated configuration is proven).
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the smoke run takes about 25 s")
	}
	ci := os.Getenv("CI") == "true"
	for _, tool := range []struct{ bin, pkg string }{{"wrk", "wrk"}, {"taskset", "util-linux"}} {
		if _, err := exec.LookPath(tool.bin); err != nil {
			if ci {
				t.Fatalf("%s is not installed: CI must install the Debian package %s", tool.bin, tool.pkg)
			}
			t.Skipf("%s is not installed: install the Debian package %s to run the benchmark smoke test", tool.bin, tool.pkg)
		}
	}
	if _, err := findLighttpd(nil); err != nil && ci {
		t.Fatalf("%v: CI must install it (.ci/run)", err)
	}
	docs := t.TempDir()
	args := []string{"-smoke"}
	if raceEnabled {
		// Build the servers with -race too: that reuses the packages go
		// test has just compiled, where a plain build would compile the
		// standard library anew.
		args = append(args, "-race")
	}
	// The bound is for a hang; a normal run takes about 25 s.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// A before/after: a second lisod build as the baseline, measured
	// beside the one lisobench builds.
	args = append(args, "-baseline", buildBaseline(ctx, t))
	c, err := parseFlags(args, io.Discard)
	if err != nil {
		t.Fatalf("parseFlags(%q) = %v", args, err)
	}
	var progress bytes.Buffer
	start := time.Now()
	rep, err := measure(ctx, c, &progress)
	t.Logf("smoke run took %v; its progress:\n%s", time.Since(start).Round(time.Millisecond), progress.String())
	if err != nil {
		t.Fatalf("measure(%q) = %v", args, err)
	}

	measured := map[string]bool{}
	for _, k := range rep.servers {
		measured[k.name] = true
	}
	for _, name := range []string{"lisod", "baseline", "net/http", "ceiling"} {
		if !measured[name] {
			t.Errorf("%s was not measured; want lisod, the baseline, net/http and the ceiling always", name)
		}
	}
	for _, name := range []string{"nginx", "lighttpd"} {
		if !measured[name] {
			t.Logf("%s is not installed (Debian package %s): the smoke run went without it", name, name)
		}
	}

	for _, sc := range selectScenarios(c) {
		for _, k := range rep.servers {
			if !k.measures(sc.id) {
				continue
			}
			cl := rep.cell(sc.id, k.name)
			switch {
			case cl.na != "" && sc.id == "cgi" && !k.cgi:
				// nginx has no CGI: expected.
			case cl.na != "" && sc.id == "cgi" && k.name == "lisod":
				t.Logf("lisod's CGI does not answer yet (%s): the cgi scenario reports n/a for lisod", cl.na)
			case cl.na != "":
				t.Errorf("%s, %s: not measured: %s", sc.id, k.name, cl.na)
			case len(cl.values) != 1 || cl.values[0] <= 0:
				t.Errorf("%s, %s: values %v; want one positive value", sc.id, k.name, cl.values)
			case len(cl.problems) > 0:
				t.Errorf("%s, %s: the load generator reported %q; want no errors", sc.id, k.name, cl.problems)
			case sc.latency && (len(cl.p50) != 1 || cl.p50[0] <= 0 || len(cl.p99) != 1 || cl.p99[0] < cl.p50[0]):
				t.Errorf("%s, %s: latency p50 %v, p99 %v; want one positive each, p99 at least p50", sc.id, k.name, cl.p50, cl.p99)
			case sc.handshake == resumeHandshake && (len(cl.resumed) != 1 || cl.resumed[0] < 0.5):
				// Each worker's first handshake is a full one: in a
				// short run with few workers that is a few percent.
				t.Errorf("%s, %s: resumed shares %v; want one, at least 50%%", sc.id, k.name, cl.resumed)
			}
		}
	}
	for _, k := range rep.servers {
		if !k.measures("idle") {
			continue
		}
		res, ok := rep.idle[k.name]
		n := c.idleConns
		if !ok || res.conns != n || res.ok != n || res.open != n || len(res.errs) > 0 {
			t.Errorf("idle, %s: %d connections, %d answered 200, %d still open, errors %q; want %d, %d, %d and none",
				k.name, res.conns, res.ok, res.open, res.errs, n, n, n)
		}
		if res.before <= 0 || res.after <= 0 {
			t.Errorf("idle, %s: RSS before %d, after %d; want both positive", k.name, res.before, res.after)
		}
	}

	md, svg, err := rep.write(docs)
	if err != nil {
		t.Fatalf("write(%q) = %v", docs, err)
	}
	doc := readFile(t, md)
	for _, want := range []string{beginMarker, endMarker, "| scenario | lisod | baseline | net/http |", "| lisod / baseline |", "smoke run", "(benchmarks.svg)"} {
		if !strings.Contains(doc, want) {
			t.Errorf("%s lacks %q; it reads:\n%s", md, want, doc)
		}
	}
	if err := checkSVG(readFile(t, svg)); err != nil {
		t.Errorf("%s: %v", svg, err)
	}
	if filepath.Dir(svg) != docs {
		t.Errorf("chart written to %s; want it in %s", svg, docs)
	}
}

// buildBaseline builds checkpoint 3 for the smoke run's -baseline, with
// -race when the test has it (to reuse the packages go test compiled).
func buildBaseline(ctx context.Context, t *testing.T) string {
	t.Helper()
	root, err := moduleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "lisod-baseline")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./checkpoint3")...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %q: %v\n%s", args, err, out)
	}
	return bin
}

// checkSVG reports whether s is well-formed XML with an <svg> root and at
// least one bar.
func checkSVG(s string) error {
	dec := xml.NewDecoder(strings.NewReader(s))
	root, rects := "", 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if el, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = el.Name.Local
			}
			if el.Name.Local == "rect" {
				rects++
			}
		}
	}
	switch {
	case root != "svg":
		return errors.New("the root element is " + root + "; want svg")
	case rects < 2: // the background and one bar at least
		return errors.New("no bars")
	}
	return nil
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
