package docs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestRelativeLinks checks that every relative link of docs/*.md, README.md
// and examples/**/README.md names a file or folder of the repository, and
// that a link to a heading (page.md#anchor) names one that exists.
func TestRelativeLinks(t *testing.T) {
	parsed := map[string]*page{}
	pages := func(name string) (*page, error) {
		if p, ok := parsed[name]; ok {
			return p, nil
		}
		p, err := loadPage(name)
		if err == nil {
			parsed[name] = p
		}
		return p, err
	}
	checked := 0
	for _, p := range readPages(t) {
		parsed[p.name] = p
		for _, l := range p.links {
			if problem := linkProblem(root, p, l.target, pages); problem != "" {
				t.Errorf("%s:%d: broken link %s", p.name, l.line, problem)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("found no links at all; the link parser is broken")
	}
	t.Logf("checked %d links", checked)
}

type slugTest struct {
	heading, want string
}

// The wanted anchors are the ones GitHub gives these headings.
var slugTests = []slugTest{
	{"Checkpoint 1: a concurrent echo server", "checkpoint-1-a-concurrent-echo-server"},
	{"The C version and the Go version", "the-c-version-and-the-go-version"},
	{"Checkpoint 1 → checkpoint 2: from echo to HTTP/1.1", "checkpoint-1--checkpoint-2-from-echo-to-http11"},
	{"Why per-connection memory stays bounded", "why-per-connection-memory-stays-bounded"},
	{"The course's `daemonize.c`, step by step", "the-courses-daemonizec-step-by-step"},
	{"Part 3: CGI, running a program for a request", "part-3-cgi-running-a-program-for-a-request"},
	{"[certgen](certgen.md) and **trust**", "certgen-and-trust"},
	{"snake_case stays", "snake_case-stays"},
	{"RFC 3875 on one page", "rfc-3875-on-one-page"},
}

func TestSlug(t *testing.T) {
	for _, tt := range slugTests {
		if got := slug(tt.heading); got != tt.want {
			t.Errorf("slug(%q) = %q; want %q", tt.heading, got, tt.want)
		}
	}
}

type linksInTest struct {
	line string
	want []string
}

var linksInTests = []linksInTest{
	{"See [the parser](../shared/httpmsg/doc.go) and [diffs](diffs.md#see-the-whole-tree-change).",
		[]string{"../shared/httpmsg/doc.go", "diffs.md#see-the-whole-tree-change"}},
	{"1. [`checkpoint1/main.go`](../checkpoint1/main.go): wiring only.", []string{"../checkpoint1/main.go"}},
	{"![the demo site](screenshot-demo.png)", []string{"screenshot-demo.png"}},
	{`<img src="docs/demo.png" alt="demo"> and <a href="docs/README.md">`, []string{"docs/demo.png", "docs/README.md"}},
	{"[text](target.md \"a title\")", []string{"target.md"}},
	{"[ref]: ../shared/server/", []string{"../shared/server/"}},
	{"Open <http://localhost:8080/> now", nil},
	{"Code: `[not](a-link.md)` stays code", nil},
	{"[a [nested] text](nested.md)", []string{"nested.md"}},
	{"plain text", nil},
}

func TestLinksIn(t *testing.T) {
	for _, tt := range linksInTests {
		var got []string
		for _, l := range linksIn(tt.line, 1) {
			got = append(got, l.target)
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("linksIn(%q) mismatch (-want +got):\n%s", tt.line, diff)
		}
	}
}

type parsePageTest struct {
	name  string
	text  string
	want  []step
	err   string // a substring of the error; "" means success
	links []string
}

var parsePageTests = []parsePageTest{
	{
		name: "server, run with output, stop",
		text: "# Title\n\n<!-- doc-test: server -->\n```sh\ngo run ./checkpoint2 9999\n```\n\n" +
			"text\n<!-- doc-test: run needs=curl,nc -->\n```sh\ncurl -s x\n```\n<!-- doc-test: output -->\n```\nHTTP/1.1 200 OK\nDate: ...\n```\n" +
			"<!-- doc-test: run retry -->\n~~~\ngrep x log\n~~~\n<!-- doc-test: stop -->\n",
		want: []step{
			{kind: "server", line: 3, code: "go run ./checkpoint2 9999"},
			{kind: "run", line: 9, code: "curl -s x", needs: []string{"curl", "nc"}, want: "HTTP/1.1 200 OK\nDate: ...", hasOutput: true},
			{kind: "run", line: 18, code: "grep x log", retry: true},
			{kind: "stop", line: 22},
		},
	},
	{
		name:  "code blocks hide links and markers",
		text:  "[a](a.md)\n````md\n[b](b.md)\n<!-- doc-test: run -->\n```\nnested\n```\n````\n[c](c.md)\n",
		links: []string{"a.md", "c.md"},
	},
	{name: "marker without block", text: "<!-- doc-test: run -->\nsome text\n```\nx\n```\n", err: "must be followed by a fenced block"},
	{name: "marker at the end", text: "<!-- doc-test: run -->\n\n", err: "has no block"},
	{name: "unknown kind", text: "<!-- doc-test: walk -->\n```\nx\n```\n", err: `unknown doc-test marker "walk"`},
	{name: "unknown tool", text: "<!-- doc-test: run needs=telnet -->\n```\nx\n```\n", err: `unknown tool "telnet"`},
	{name: "unknown option", text: "<!-- doc-test: run fast -->\n```\nx\n```\n", err: `unknown option "fast"`},
	{name: "output first", text: "<!-- doc-test: output -->\n```\nx\n```\n", err: "must follow a server or run block"},
	{name: "two outputs", text: "<!-- doc-test: run -->\n```\nx\n```\n<!-- doc-test: output -->\n```\n1\n```\n<!-- doc-test: output -->\n```\n2\n```\n", err: "must follow a server or run block"},
	{name: "unclosed fence", text: "```sh\nx\n", err: "never closed"},
}

func TestParsePage(t *testing.T) {
	for _, tt := range parsePageTests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parsePage("test.md", tt.text)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parsePage(%q) = %v; want an error containing %q", tt.text, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parsePage(%q) = %v; want success", tt.text, err)
			}
			if diff := cmp.Diff(tt.want, p.steps, cmp.AllowUnexported(step{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("parsePage(%q) steps mismatch (-want +got):\n%s", tt.text, diff)
			}
			var links []string
			for _, l := range p.links {
				links = append(links, l.target)
			}
			if diff := cmp.Diff(tt.links, links, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("parsePage(%q) links mismatch (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

func FuzzParsePage(f *testing.F) {
	for _, tt := range parsePageTests {
		f.Add(tt.text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := parsePage("fuzz.md", text)
		if err != nil {
			return
		}
		for _, st := range p.steps {
			if st.kind != "server" && st.kind != "run" && st.kind != "stop" {
				t.Errorf("parsePage(%q) made a step of kind %q", text, st.kind)
			}
		}
	})
}

type linkProblemTest struct {
	target string
	want   string // a substring of the problem; "" means fine
}

var linkProblemTests = []linkProblemTest{
	{"other.md", ""},
	{"other.md#second-part", ""},
	{"other.md#second-part-1", ""},
	{"other.md#third", "has no heading with the anchor #third"},
	{"#intro", ""},
	{"#outro", "has no heading with the anchor #outro"},
	{"../code/main.go", ""},
	{"../code/", ""},
	{"../code/main.go#L10", ""},
	{"/code/main.go", ""},
	{"../code/missing.go", "no such file or folder code/missing.go"},
	{"with%20space.md", ""},
	{"bad%zzescape.md", "bad escape"},
	{"../../outside.md", "points outside the repository"},
	{"https://example.com/nothing", ""},
	{"mailto:someone@example.com", ""},
}

func TestLinkProblem(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"docs/page.md":       "# Intro\n",
		"docs/other.md":      "# Other\n## Second part\n## Second part\n",
		"docs/with space.md": "",
		"code/main.go":       "package main\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pages := func(name string) (*page, error) { return parsePage(name, files[name]) }
	self, _ := pages("docs/page.md")
	for _, tt := range linkProblemTests {
		got := linkProblem(dir, self, tt.target, pages)
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("linkProblem(%q) = %q; want %q", tt.target, got, tt.want)
		}
	}
}
