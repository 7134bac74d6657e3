package docs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// walkthroughParts are the headings every checkpoint walkthrough has (the
// course route in docs/README.md promises them), as the start of a heading.
var walkthroughParts = []string{
	"The C version and the Go version",
	"Code tour",
	"Try it by hand",
	"The tests that prove it",
	"Exercises",
}

// walkthroughs are the chapters, each with the folder of its exercises.
var walkthroughs = []struct{ page, dir string }{
	{"docs/checkpoint1.md", "checkpoint1"},
	{"docs/checkpoint2.md", "checkpoint2"},
	{"docs/checkpoint3.md", "checkpoint3"},
}

// TestWalkthroughParts checks that each walkthrough has its parts: the
// headings, a diagram (a picture from docs/images), and commands whose
// output is checked.
func TestWalkthroughParts(t *testing.T) {
	for _, w := range walkthroughs {
		p, err := loadPage(w.page)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range walkthroughParts {
			if !slices.ContainsFunc(p.headings, func(h string) bool { return strings.HasPrefix(h, part) }) {
				t.Errorf("%s has no heading starting with %q", w.page, part)
			}
		}
		drawn := slices.ContainsFunc(p.links, func(l link) bool {
			return strings.HasPrefix(l.target, imagesDir+"/") && strings.HasSuffix(l.target, ".svg")
		})
		if !drawn {
			t.Errorf("%s shows no diagram (a picture of images/*.svg, drawn from its source there)", w.page)
		}
		checked := slices.ContainsFunc(p.steps, func(s step) bool { return s.kind == "run" && s.hasOutput })
		if !checked {
			t.Errorf("%s has no \"try it by hand\" command whose output is checked (<!-- doc-test: run --> and <!-- doc-test: output -->)", w.page)
		}
	}
}

var (
	exerciseNameRE = regexp.MustCompile(`\bTestExercise\d+[A-Z]\w*`) // a full name, not a -run prefix
	exerciseFuncRE = regexp.MustCompile(`(?m)^func (TestExercise\w+)\(`)
)

// TestExercisesListed checks that the exercises a walkthrough lists and the
// exercise tests in its checkpoint's folder are the same, and that every
// exercise test file is kept out of the default test run by its build tag.
func TestExercisesListed(t *testing.T) {
	for _, w := range walkthroughs {
		data, err := os.ReadFile(filepath.Join(root, w.page))
		if err != nil {
			t.Fatal(err)
		}
		listed := uniqueSorted(exerciseNameRE.FindAllString(string(data), -1))

		tests, untagged := exerciseTests(t, w.dir)
		for _, f := range untagged {
			t.Errorf("%s does not start with //go:build exercises: it would run in every go test", f)
		}
		if len(tests) < 2 {
			t.Errorf("%s/ has %d exercise tests; each checkpoint has two or three", w.dir, len(tests))
		}
		if diff := cmp.Diff(tests, listed); diff != "" {
			t.Errorf("exercise tests in %s/ (-) and exercises listed in %s (+) differ:\n%s", w.dir, w.page, diff)
		}
	}
}

// exerciseTests lists the exercise tests of a checkpoint's folder, and
// the exercise test files that lack the build tag keeping them out of
// the default test run.
func exerciseTests(t *testing.T, dir string) (tests, untagged []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, dir, "*_exercise_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(src), "//go:build exercises\n") {
			untagged = append(untagged, f)
		}
		for _, m := range exerciseFuncRE.FindAllStringSubmatch(string(src), -1) {
			tests = append(tests, m[1])
		}
	}
	return uniqueSorted(tests), untagged
}

func uniqueSorted(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
