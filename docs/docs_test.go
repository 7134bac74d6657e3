// Package docs_test keeps the course's walkthroughs honest: it runs their
// "try it by hand" commands against a live lisod and compares what they
// print with what the page says they print, it checks every relative link
// of the Markdown files, and it checks that the walkthroughs have the parts
// every chapter must have, exercises included. Introduced with the course
// route (docs/README.md), after checkpoint 3.
//
// # Markers
//
// A command block runs only when an HTML comment, which GitHub does not
// show, stands right before its fence:
//
//	<!-- doc-test: server -->   the block starts lisod ("go run ./checkpoint2 ...") in
//	                            the background; it serves the blocks below it until
//	                            the next server or stop marker, or the end of the page
//	<!-- doc-test: run -->      the block runs with "bash -e"; it must succeed
//	<!-- doc-test: output -->   the block is what the server or run block above prints
//	<!-- doc-test: stop -->     no block: stop the server, as Ctrl-C does; it must exit 0
//
// Options after run (or server): needs=curl,nc names the tools a block
// uses that a machine may lack (without one, the page is skipped, or fails
// when CI=true); retry runs a block that checks something the server does
// in the background again, for up to 10 seconds, until its output matches.
//
// In an output block a line "..." stands for any number of lines, and
// "..." inside a line for any text (a date, a pid, a path). Lines are
// compared without "\r" and trailing blanks; stdout and stderr are compared
// together, as a terminal shows them.
//
// # How the commands run
//
// Each page runs in a fresh folder that looks like the repository (its top
// folders are linked in; examples/ is copied, so that flaskr keeps its posts
// there), with LISO_HOME pointing into it, so the development CA and
// certificate are new. "go run ./checkpointN ARGS" and "go build -o OUT
// ./checkpointN" in a block use binaries the test builds once, so the pages
// can say what a student types. The ports the pages use (8080, 8443,
// 9999) are often taken by a student's own lisod, so each page runs on
// free ports instead: they replace the course ports in its commands and in
// its documented output alike, and become lisod's default ports. While the
// pages run, the test holds the course ports itself where they are free,
// so a command that still reached one would fail.
package docs_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// root is the repository's folder; the tests run in docs/.
const root = ".."

// Bounds that keep a broken page from hanging the test.
const (
	startTimeout = 15 * time.Second // for lisod to say "listening on"
	blockTimeout = 30 * time.Second // for one command block
	stopTimeout  = 15 * time.Second // for lisod to exit after Ctrl-C
	retryTimeout = 10 * time.Second // for a retry block to match
)

// tool is something a block may need that a machine may lack.
type tool struct {
	pkg   string      // the Debian package that provides it
	there func() bool // whether this machine has it
}

// tools are the names a needs= option accepts.
var tools = map[string]tool{
	"curl":    {"curl", hasCommand("curl")},
	"openssl": {"openssl", hasCommand("openssl")},
	"ab":      {"apache2-utils", hasCommand("ab")},
	"ps":      {"procps", hasCommand("ps")},
	"haproxy": {"haproxy", hasCommand("haproxy")},
	// systemd-analyze verifies unit files without a running systemd.
	"systemd-analyze": {"systemd", hasCommand("systemd-analyze")},
	// The pages use OpenBSD netcat's -N (shut down the sending side at
	// the end of input); the traditional netcat has no -N.
	"nc": {"netcat-openbsd", func() bool {
		out, _ := exec.Command("nc", "-h").CombinedOutput()
		return bytes.Contains(out, []byte("OpenBSD"))
	}},
	// flaskr's #! line names Debian's Python.
	"flask": {"python3-flask", func() bool {
		return exec.Command("/usr/bin/python3", "-c", "import flask").Run() == nil
	}},
}

func toolNames() []string {
	names := make([]string, 0, len(tools))
	for n := range tools {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func hasCommand(name string) func() bool {
	return func() bool {
		_, err := exec.LookPath(name)
		return err == nil
	}
}

// inCI is true in continuous integration, where nothing may be skipped.
var inCI = os.Getenv("CI") == "true"

// skipOrFail skips the test, or fails it when CI=true.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if inCI {
		t.Fatalf(format+" (CI=true: not skipped)", args...)
	}
	t.Skipf(format, args...)
}

// readPages parses every Markdown file the tests look at: docs/*.md,
// README.md and examples/**/README.md.
func readPages(t *testing.T) []*page {
	t.Helper()
	names, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		names[i] = "docs/" + n
	}
	names = append(names, "README.md")
	err = filepath.WalkDir(filepath.Join(root, "examples"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "README.md" {
			rel, _ := filepath.Rel(root, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	var pages []*page
	for _, n := range names {
		p, err := loadPage(n)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
	}
	return pages
}

func loadPage(name string) (*page, error) {
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		return nil, err
	}
	return parsePage(name, string(data))
}

// TestDocCommands runs every marked block of every page, in order.
func TestDocCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not starting servers")
	}
	t.Parallel() // beside TestSolutions: both mostly wait for builds and servers
	var marked []*page
	for _, p := range readPages(t) {
		if len(p.steps) > 0 {
			marked = append(marked, p)
		}
	}
	if len(marked) == 0 {
		t.Fatal("no page has doc-test markers")
	}
	bin := buildBinaries(t)
	holdCoursePorts(t)
	for _, p := range marked {
		t.Run(filepath.Base(p.name), func(t *testing.T) { runPage(t, p, bin) })
	}
}

// buildBinaries builds what "go run" and "go build" in the pages stand for.
func buildBinaries(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	args := []string{"build", "-o", bin + string(filepath.Separator)}
	if raceBuild {
		args = append(args, "-race")
	}
	args = append(args, "./checkpoint1", "./checkpoint2", "./checkpoint3", "./tools/certgen", "./tools/lisocheck")
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runPage runs the steps of one page.
func runPage(t *testing.T, p *page, bin string) {
	var missing []string
	for _, st := range p.steps {
		for _, n := range st.needs {
			if tl := tools[n]; !tl.there() && !slices.Contains(missing, tl.pkg) {
				missing = append(missing, tl.pkg)
			}
		}
	}
	if len(missing) > 0 {
		skipOrFail(t, "%s: its commands need Debian packages that are missing: apt-get install %s", p.name, strings.Join(missing, " "))
	}
	ports := pagePorts(t)
	t.Logf("%s runs on ports %s (for 8080), %s (for 8443) and %s (for 9999)", p.name, ports["8080"], ports["8443"], ports["9999"])
	s := newSession(t, bin)
	s.env = append(s.env, ports.env()...)
	for _, st := range ports.rewriteSteps(p.steps) {
		where := fmt.Sprintf("%s:%d", p.name, st.line)
		switch st.kind {
		case "server":
			s.stopServer(t, where)
			s.startServer(t, where, st)
		case "run":
			s.run(t, where, st)
		case "stop":
			s.stopServer(t, where)
		}
	}
	s.stopServer(t, p.name+" (end of page)")
}
