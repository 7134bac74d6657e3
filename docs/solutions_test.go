package docs_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// solutionPages are the worked solutions, one page per walkthrough.
var solutionPages = []struct{ page, walkthrough, dir string }{
	{"docs/solutions-checkpoint1.md", "docs/checkpoint1.md", "checkpoint1"},
	{"docs/solutions-checkpoint2.md", "docs/checkpoint2.md", "checkpoint2"},
	{"docs/solutions-checkpoint3.md", "docs/checkpoint3.md", "checkpoint3"},
}

// solutionTimeout bounds one "go test" of an exercise, its build included.
const solutionTimeout = 3 * time.Minute

// solution is one worked solution as its page shows it.
type solution struct {
	page string // the page that shows it, as "docs/solutions-checkpoint1.md"
	dir  string // the checkpoint's folder, as "checkpoint1"
	test string // the exercise's test, as "TestExercise1IdleTimeout"
	diff string // the change, as git diff printed it
	line int    // the line of the marker
}

// A solution's marker, right before its ```diff fence: it names the
// checkpoint and the exercise test the diff makes pass.
var solutionMarkerRE = regexp.MustCompile(`^<!--\s*solution:\s*(checkpoint\d)\s+(TestExercise\w+)\s*-->\s*$`)

// readSolutions returns the solutions of one page, in its order.
func readSolutions(name string) ([]solution, error) {
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		return nil, err
	}
	return parseSolutions(name, string(data))
}

// parseSolutions finds the solutions in the text of the page name: each
// marker, and the ```diff block right after it.
func parseSolutions(name, text string) ([]solution, error) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var out []solution
	for i := 0; i < len(lines); i++ {
		m := solutionMarkerRE.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		if i+1 >= len(lines) || lines[i+1] != "```diff" {
			return nil, fmt.Errorf("%s:%d: a solution marker must be followed by a ```diff fence", name, i+1)
		}
		end := slices.Index(lines[i+2:], "```")
		if end < 0 {
			return nil, fmt.Errorf("%s:%d: the diff is never closed", name, i+2)
		}
		if end == 0 {
			return nil, fmt.Errorf("%s:%d: the diff is empty", name, i+2)
		}
		diff := strings.Join(lines[i+2:i+2+end], "\n") + "\n"
		out = append(out, solution{page: name, dir: m[1], test: m[2], diff: diff, line: i + 1})
		i += 2 + end
	}
	return out, nil
}

type parseSolutionsTest struct {
	name string
	text string
	want []solution
	err  string // a substring of the error; "" means success
}

var parseSolutionsTests = []parseSolutionsTest{
	{
		name: "two solutions",
		text: "# Title\n\n<!-- solution: checkpoint1 TestExercise1IdleTimeout -->\n```diff\n--- a/x\n+++ b/x\n```\n\ntext\n" +
			"<!-- solution: checkpoint1 TestExercise2ByteCounts -->\n```diff\n-a\n \n+b\n```\n",
		want: []solution{
			{page: "test.md", dir: "checkpoint1", test: "TestExercise1IdleTimeout", diff: "--- a/x\n+++ b/x\n", line: 3},
			{page: "test.md", dir: "checkpoint1", test: "TestExercise2ByteCounts", diff: "-a\n \n+b\n", line: 10},
		},
	},
	{name: "a diff without a marker is only text", text: "```diff\n-a\n```\n"},
	{name: "marker without fence", text: "<!-- solution: checkpoint2 TestExercise1ETag -->\n\n```diff\n-a\n```\n", err: "must be followed by a ```diff fence"},
	{name: "another fence", text: "<!-- solution: checkpoint2 TestExercise1ETag -->\n```go\nx\n```\n", err: "must be followed by a ```diff fence"},
	{name: "marker at the end", text: "<!-- solution: checkpoint2 TestExercise1ETag -->", err: "must be followed by a ```diff fence"},
	{name: "unclosed", text: "<!-- solution: checkpoint3 TestExercise1HSTS -->\n```diff\n-a\n", err: "never closed"},
	{name: "empty", text: "<!-- solution: checkpoint3 TestExercise1HSTS -->\n```diff\n```\n", err: "empty"},
}

func TestParseSolutions(t *testing.T) {
	for _, tt := range parseSolutionsTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSolutions("test.md", tt.text)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parseSolutions(%q) = %v; want an error containing %q", tt.text, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseSolutions(%q) = %v; want success", tt.text, err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(solution{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("parseSolutions(%q) mismatch (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

// FuzzParseSolutions checks that any page parses without a panic, into
// solutions that name a checkpoint and an exercise test and have a diff.
func FuzzParseSolutions(f *testing.F) {
	for _, tt := range parseSolutionsTests {
		f.Add(tt.text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		sols, err := parseSolutions("fuzz.md", text)
		if err != nil {
			return
		}
		for _, s := range sols {
			if !strings.HasPrefix(s.dir, "checkpoint") || !strings.HasPrefix(s.test, "TestExercise") || !strings.HasSuffix(s.diff, "\n") {
				t.Errorf("parseSolutions(%q) made %+v", text, s)
			}
		}
	})
}

// TestSolutionsListed checks that every exercise has one worked solution,
// and that each exercise of a walkthrough links to its solution at its
// end, after the test and the hint, where a student who has not tried
// yet reads it last.
func TestSolutionsListed(t *testing.T) {
	for _, sp := range solutionPages {
		sols, err := readSolutions(sp.page)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range sols {
			if s.dir != sp.dir {
				t.Errorf("%s:%d: a solution for %s on the page of %s", sp.page, s.line, s.dir, sp.dir)
			}
			got = append(got, s.test)
		}
		tests, _ := exerciseTests(t, sp.dir)
		if diff := cmp.Diff(tests, got); diff != "" {
			t.Errorf("exercise tests in %s/ (-) and solutions in %s (+) differ:\n%s", sp.dir, sp.page, diff)
		}
		checkSolutionLinks(t, sp.walkthrough, filepath.Base(sp.page))
	}
}

// checkSolutionLinks checks that each "### N." exercise of a walkthrough
// names its solution page in its last paragraph, and nowhere before.
func checkSolutionLinks(t *testing.T, walkthrough, solutionPage string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(walkthrough)))
	if err != nil {
		t.Fatal(err)
	}
	_, exercises, ok := strings.Cut(string(data), "\n## Exercises\n")
	if !ok {
		t.Fatalf("%s has no ## Exercises section", walkthrough)
	}
	exercises, _, _ = strings.Cut(exercises, "\n## ") // up to the next chapter part
	sections := strings.Split(exercises, "\n### ")[1:]
	if len(sections) == 0 {
		t.Fatalf("%s: its Exercises section has no ### exercises", walkthrough)
	}
	for _, sec := range sections {
		title, _, _ := strings.Cut(sec, "\n")
		paras := strings.Split(strings.TrimSpace(sec), "\n\n")
		last := paras[len(paras)-1]
		if !strings.Contains(last, "("+solutionPage+"#") {
			t.Errorf("%s: exercise %q does not end with a link to its solution in %s", walkthrough, title, solutionPage)
		}
		for _, p := range paras[:len(paras)-1] {
			if strings.Contains(p, solutionPage) {
				t.Errorf("%s: exercise %q names %s before its end", walkthrough, title, solutionPage)
			}
		}
	}
}

// TestSolutions applies each worked solution, from its page, to a scratch
// copy of the repository and runs that exercise's test there: it must
// pass. In the repository itself the same tests must fail, since a
// failing exercise test is the exercise.
func TestSolutions(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not building the exercises")
	}
	t.Parallel() // beside TestDocCommands: both mostly wait for builds and servers
	if _, err := exec.LookPath("git"); err != nil {
		skipOrFail(t, "the solutions test applies diffs with git apply: apt-get install git")
	}
	var all []solution
	for _, sp := range solutionPages {
		sols, err := readSolutions(sp.page)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, sols...)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	scratch := filepath.Join(t.TempDir(), "liso")
	copyFiles(t, trackedFiles(t), scratch)

	// The two halves run side by side: the repository's build is cached
	// already, the scratch copy's is built once and then only where a
	// diff changes it.
	t.Run("without", func(t *testing.T) {
		t.Parallel()
		for _, sp := range solutionPages {
			var names []string
			for _, s := range all {
				if s.dir == sp.dir {
					names = append(names, s.test)
				}
			}
			for name, res := range exerciseResults(t, abs, sp.dir, names) {
				if res.passed {
					t.Errorf("%s passes without its solution: an exercise must fail until it is solved", name)
				}
			}
		}
	})
	t.Run("with", func(t *testing.T) {
		t.Parallel()
		for _, s := range all {
			where := fmt.Sprintf("%s:%d", s.page, s.line)
			gitApply(t, scratch, where, s.diff)
			res := exerciseResults(t, scratch, s.dir, []string{s.test})[s.test]
			if !res.passed {
				t.Errorf("%s: with its solution applied, %s does not pass:\n%s", where, s.test, indent(res.output))
			}
			gitApply(t, scratch, where, s.diff, "-R") // back to the repository's code for the next one
		}
	})
}

// trackedFiles lists the repository's files, as git sees them: tracked
// ones, and new ones that git does not ignore.
func trackedFiles(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}

// copyFiles copies the files (paths relative to root) into dst, keeping
// their modes; a file deleted but not yet committed is left out.
func copyFiles(t *testing.T, files []string, dst string) {
	t.Helper()
	for _, f := range files {
		src := filepath.Join(root, filepath.FromSlash(f))
		info, err := os.Lstat(src)
		if os.IsNotExist(err) || err == nil && !info.Mode().IsRegular() {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dst, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(target, data, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

// gitApply applies a diff to the folder dir (git apply works outside a
// repository too, as patch does).
func gitApply(t *testing.T, dir, where, diff string, extra ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"apply", "--whitespace=nowarn"}, extra...)...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(diff)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: git apply %s: %v\n%s", where, strings.Join(extra, " "), err, out)
	}
}

// exerciseResult is what one exercise test did.
type exerciseResult struct {
	passed bool
	output string // what it printed, for the failure message
}

// exerciseResults runs the named exercise tests of a checkpoint in the
// folder dir, as a student does (go test -tags exercises), and reports
// each one's result. They run without the race detector even when this
// test has it: what is checked here is whether an exercise passes, the
// checkpoints' own tests run under -race in CI already, and a race build
// of a scratch copy would double this test's time.
func exerciseResults(t *testing.T, dir, checkpoint string, names []string) map[string]exerciseResult {
	t.Helper()
	args := []string{"test", "-json", "-tags", "exercises", "-count=1",
		"-run", "^(" + strings.Join(names, "|") + ")$", "./" + checkpoint}
	ctx, cancel := context.WithTimeout(context.Background(), solutionTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, _ := cmd.Output() // a failing test exits 1: the events below tell
	if ctx.Err() != nil {
		t.Fatalf("go test %s in %s: still running after %v", checkpoint, dir, solutionTimeout)
	}
	results := map[string]exerciseResult{}
	var printed strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 4<<20) // a test's output is one JSON line per line it printed
	for sc.Scan() {
		var ev struct{ Action, Test, Output string }
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			printed.WriteString(sc.Text() + "\n") // a build failure is not JSON
			continue
		}
		printed.WriteString(ev.Output)
		if ev.Test != "" && (ev.Action == "pass" || ev.Action == "fail") && !strings.Contains(ev.Test, "/") {
			results[ev.Test] = exerciseResult{passed: ev.Action == "pass"}
		}
	}
	for _, n := range names {
		r, ok := results[n]
		if !ok {
			t.Fatalf("go test %s in %s did not run %s:\n%s%s", checkpoint, dir, n, indent(printed.String()), indent(stderr.String()))
		}
		r.output = printed.String() + stderr.String()
		results[n] = r
	}
	return results
}
