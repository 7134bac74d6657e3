package docs_test

import (
	"strings"
	"testing"
)

// outputLines splits a command's output, or a documented one, into lines as
// a terminal shows them: "\r\n" as "\n", no trailing blanks on a line, no
// empty lines at the end.
func outputLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// wildcard is the documented output's one wildcard: a line "..." stands for
// any number of lines (none included); "..." inside a line stands for any
// text in that line (a date, a pid, a port, a path).
const wildcard = "..."

// matchLine reports whether one documented line matches one line of
// output: literally, except that each wildcard stands for any text.
func matchLine(want, got string) bool {
	parts := strings.Split(want, wildcard)
	if len(parts) == 1 {
		return want == got
	}
	first, last := parts[0], parts[len(parts)-1]
	if !strings.HasPrefix(got, first) {
		return false
	}
	rest := got[len(first):]
	// Each middle part at its leftmost place leaves the most room for the
	// rest: enough for patterns whose only wildcard is "any text".
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return strings.HasSuffix(rest, last)
}

// matchOutput reports whether got, a command's output, matches want, the
// documented output, wildcards included.
func matchOutput(want, got string) bool {
	w, g := outputLines(want), outputLines(got)
	// The classic glob match, with lines for characters: on a mismatch,
	// let the last wildcard line take one more line of output and retry.
	i, j := 0, 0
	star, mark := -1, 0 // the last wildcard line seen, and where its lines end
	for j < len(g) {
		switch {
		case i < len(w) && w[i] == wildcard:
			star, mark = i, j
			i++
		case i < len(w) && matchLine(w[i], g[j]):
			i++
			j++
		case star >= 0:
			mark++
			i, j = star+1, mark
		default:
			return false
		}
	}
	for i < len(w) && w[i] == wildcard {
		i++
	}
	return i == len(w)
}

type matchTest struct {
	want, got string
	ok        bool
}

var matchTests = []matchTest{
	{"identical", "identical\n", true},
	{"identical", "different\n", false},
	{"", "", true},
	{"", "\n\n", true},
	{"", "something", false},
	{"a\nb", "a\r\nb  \r\n", true},
	{"a\nb", "a\nb\nc", false},
	{"a\nb\nc", "a\nb", false},
	// A wildcard inside a line.
	{"Date: ...", "Date: Sun, 29 Nov 2026 17:30:19 GMT", true},
	{"Date: ...", "Server: Liso/1.0", false},
	{"lisod: echo server listening on 127.0.0.1:9999 (pid ...)", "lisod: echo server listening on 127.0.0.1:9999 (pid 4242)", true},
	{"(pid ...)", "(pid 4242) and more", false},
	{"a...b...c", "abc", true},
	{"a...b...c", "a-x-b-y-c", true},
	{"a...b...c", "a-x-c", false},
	{"ab...ba", "aba", false}, // the two ends may not overlap
	{"ab...ba", "abba", true},
	{"x...x", "x", false},
	// Regular-expression characters are literal.
	{"Range: bytes=0-9 (.*)", "Range: bytes=0-9 (.*)", true},
	{"Range: bytes=0-9 (.*)", "Range: bytes=0-9 (xy)", false},
	{"1+1", "11", false},
	// A wildcard line: any number of lines, none included.
	{"...\nVerification: OK\n...", "Verification: OK", true},
	{"...\nVerification: OK\n...", "CONNECTION ESTABLISHED\nVerification: OK\nDONE\nmore", true},
	{"...\nVerification: OK\n...", "Verification: failed", false},
	{"first\n...\nlast", "first\nlast", true},
	{"first\n...\nlast", "first\n1\n2\n3\nlast", true},
	{"first\n...\nlast", "first\n1\n2\n3\nlast\nextra", false},
	{"...", "", true},
	{"...", "anything\nat all", true},
	{"...\n...", "x", true},
}

func TestMatchOutput(t *testing.T) {
	for _, tt := range matchTests {
		if got := matchOutput(tt.want, tt.got); got != tt.ok {
			t.Errorf("matchOutput(%q, %q) = %v; want %v", tt.want, tt.got, got, tt.ok)
		}
	}
}

// FuzzMatchOutput checks two properties of any output: it matches itself
// (when it holds no wildcard), and it matches a lone wildcard line.
func FuzzMatchOutput(f *testing.F) {
	for _, tt := range matchTests {
		f.Add(tt.want, tt.got)
	}
	f.Fuzz(func(t *testing.T, want, got string) {
		matchOutput(want, got) // must not panic, whatever the input
		if !strings.Contains(got, wildcard) && !matchOutput(got, got) {
			t.Errorf("matchOutput(%q, %q) = false; output must match itself", got, got)
		}
		if !matchOutput(wildcard, got) {
			t.Errorf("matchOutput(%q, %q) = false; a wildcard line must match anything", wildcard, got)
		}
	})
}
