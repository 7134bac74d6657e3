package suite

import (
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSlug(t *testing.T) {
	for name, want := range map[string]string{
		"10,000 small headers":           "10000-small-headers",
		"chunk size of 16 f's":           "chunk-size-of-16-fs",
		"HTTP/1.2 is served as HTTP/1.1": "http-1-2-is-served-as-http-1-1",
		"Transfer-Encoding: xchunked":    "transfer-encoding-xchunked",
		"fullwidth full stops (U+FF0E)":  "fullwidth-full-stops-u-ff0e",
		"OPTIONS *":                      "options",
	} {
		if got := slug(name); got != want {
			t.Errorf("slug(%q) = %q; want %q", name, got, want)
		}
	}
}

// TestRobustCheckNames: every name is "robust/" and lower-case words a
// student can type after --run, and ProjectChoices never reuses one of
// All's.
func TestRobustCheckNames(t *testing.T) {
	nameRE := regexp.MustCompile(`^robust/[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)*$`)
	seen := map[string]bool{}
	for _, ch := range append(robustChecks, ProjectChoices()...) {
		if !nameRE.MatchString(ch.Name) || seen[ch.Name] {
			t.Errorf("check name %q: not robust/lower-case-words, or used twice", ch.Name)
		}
		seen[ch.Name] = true
		if ch.Stage != StageRobust {
			t.Errorf("check %s: stage %v", ch.Name, ch.Stage)
		}
	}
}

// TestStrictOnly: the strict checks are the strict wire table's rows.
func TestStrictOnly(t *testing.T) {
	var got []string
	for _, ch := range StrictOnly(robustChecks) {
		got = append(got, ch.Name)
	}
	var want []string
	for _, tt := range strictWireTests {
		want = append(want, "robust/wire-strict/"+slug(tt.name))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("StrictOnly (-want +got):\n%s", diff)
	}
}

// TestWireJudge runs the wire table's judgement on made-up exchanges.
func TestWireJudge(t *testing.T) {
	ok := &Reply{Status: 200}
	closing := &Reply{Status: 400, Close: true}
	silent := &Reply{Status: 400} // closes without saying so
	next := []Reply{{Status: 200, Body: []byte(SecondBody)}}
	for _, tt := range []struct {
		name  string
		o     wireOutcome
		cut   bool
		first *Reply
		rest  []Reply
		bad   int // how many problems
	}{
		{"answered, next answered", allow(nextAnswered, 200), false, ok, next, 0},
		{"answered, then closed, want next", allow(nextAnswered, 200), false, ok, nil, 1},
		{"refused and closed", allow(nextClosed, 400), false, closing, nil, 0},
		{"refused, closed without saying", allow(nextClosed, 400), false, silent, nil, 1},
		{"refused, next answered, want closed", allow(nextClosed, 400), false, closing, next, 1},
		{"either way", allow(nextEither, 400), false, closing, next, 0},
		{"wrong status", allow(nextEither, 400), false, ok, next, 1},
		{"closed silently, as wanted", allow(nextClosed), true, nil, nil, 0},
		{"answered, want silence", allow(nextClosed), true, closing, nil, 1},
		{"no answer, want one", allow(nextClosed, 400), false, nil, nil, 1},
		{"cut: the pipelined answer is not asked for", allow(nextAnswered, 400), true, silent, nil, 0},
	} {
		if got := tt.o.judge(tt.cut, tt.first, tt.rest); len(got) != tt.bad {
			t.Errorf("%s: %q; want %d problems", tt.name, got, tt.bad)
		}
	}
	if bad := wireBroken(ok, []Reply{{Status: 200, Body: []byte("other")}}); bad == "" {
		t.Error("a wrong answer to the pipelined request is not reported")
	}
	if bad := wireBroken(&Reply{Status: 200, Body: []byte(SecretBody)}, nil); bad == "" {
		t.Error("a leaked secret is not reported")
	}
}
