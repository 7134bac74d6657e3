package docs_test

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// page is what the tests need from one Markdown file: its runnable steps,
// its links, its headings and its fenced blocks.
type page struct {
	name     string // slash path from the repository root, as "docs/checkpoint1.md"
	steps    []step
	links    []link
	headings []string        // heading texts, in order
	anchors  map[string]bool // GitHub's anchor ids of the headings
	fences   []fence
}

// step is one marked part of a walkthrough (see the markers in docs_test.go).
type step struct {
	kind      string   // "server", "run" or "stop"
	line      int      // line of the marker, counted from 1
	code      string   // the fenced block that follows the marker
	want      string   // the documented output, when hasOutput
	hasOutput bool     // an "output" block follows
	needs     []string // tools the block uses that a machine may lack
	retry     bool     // run it again until it matches, for a bounded time
}

// link is a link target found in the text, outside code.
type link struct {
	line   int
	target string
}

// fence is a fenced code block.
type fence struct {
	line int    // line of the opening fence
	lang string // first word of the info string, as "sh" or "mermaid"
}

var (
	markerRE  = regexp.MustCompile(`^<!--\s*doc-test:\s*(.*?)\s*-->\s*$`)
	fenceRE   = regexp.MustCompile("^\\s*(`{3,}|~{3,})\\s*([^`\\s]*)")
	headingRE = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	// An inline link or image: [text](target) or [text](target "title").
	// The text may hold one level of brackets.
	inlineLinkRE = regexp.MustCompile(`!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
	htmlLinkRE   = regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*"([^"]*)"`)
	refLinkRE    = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)`)
	codeSpanRE   = regexp.MustCompile("(`+)[^`]*?(`+)")
	schemeRE     = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
	htmlTagRE    = regexp.MustCompile(`<[^>]*>`)
)

// parsePage reads the Markdown text of the file name.
func parsePage(name, text string) (*page, error) {
	p := &page{name: name, anchors: map[string]bool{}}
	seen := map[string]int{} // slug -> times seen, for GitHub's "-1" suffixes
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")

	var (
		pending    *step // a marker waiting for its block
		pendingOut bool  // an output marker waiting for its block
		markerLine int
		open       string // the fence that opened the current block; "" outside
		block      []string
	)
	finishBlock := func() {
		code := strings.Join(block, "\n")
		switch {
		case pendingOut:
			last := len(p.steps) - 1
			p.steps[last].want, p.steps[last].hasOutput = code, true
			pendingOut = false
		case pending != nil:
			pending.code = code
			p.steps = append(p.steps, *pending)
			pending = nil
		}
	}

	for i, line := range lines {
		n := i + 1
		if open != "" {
			if closesFence(line, open) {
				open = ""
				finishBlock()
				continue
			}
			block = append(block, line)
			continue
		}
		if m := fenceRE.FindStringSubmatch(line); m != nil {
			open, block = m[1], nil
			p.fences = append(p.fences, fence{line: n, lang: m[2]})
			continue
		}
		if strings.TrimSpace(line) != "" && (pending != nil || pendingOut) {
			return nil, fmt.Errorf("%s:%d: a doc-test marker must be followed by a fenced block (``` ... ```), found %q", name, markerLine, line)
		}
		if m := markerRE.FindStringSubmatch(line); m != nil {
			st, err := parseMarker(m[1])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, n, err)
			}
			st.line, markerLine = n, n
			switch st.kind {
			case "stop":
				p.steps = append(p.steps, st)
			case "output":
				if len(p.steps) == 0 || p.steps[len(p.steps)-1].kind == "stop" || p.steps[len(p.steps)-1].hasOutput {
					return nil, fmt.Errorf("%s:%d: an output block must follow a server or run block", name, n)
				}
				pendingOut = true
			default:
				pending = &st
			}
			continue
		}
		if m := headingRE.FindStringSubmatch(line); m != nil {
			p.headings = append(p.headings, plainText(m[2]))
			s := slug(m[2])
			if k := seen[s]; k > 0 {
				p.anchors[fmt.Sprintf("%s-%d", s, k)] = true
			} else {
				p.anchors[s] = true
			}
			seen[s]++
		}
		p.links = append(p.links, linksIn(line, n)...)
	}
	if open != "" {
		return nil, fmt.Errorf("%s: a fenced block is never closed", name)
	}
	if pending != nil || pendingOut {
		return nil, fmt.Errorf("%s:%d: a doc-test marker at the end has no block", name, markerLine)
	}
	return p, nil
}

// closesFence reports whether line closes a block opened by open: the same
// character, at least as many, and nothing else.
func closesFence(line, open string) bool {
	s := strings.TrimSpace(line)
	return len(s) >= len(open) && strings.Trim(s, open[:1]) == ""
}

// parseMarker reads the words of a marker: a kind, then options.
func parseMarker(words string) (step, error) {
	fields := strings.Fields(words)
	if len(fields) == 0 {
		return step{}, fmt.Errorf("empty doc-test marker")
	}
	st := step{kind: fields[0]}
	switch st.kind {
	case "server", "run", "output", "stop":
	default:
		return step{}, fmt.Errorf("unknown doc-test marker %q (want server, run, output or stop)", st.kind)
	}
	for _, f := range fields[1:] {
		switch {
		case f == "retry" && st.kind == "run":
			st.retry = true
		case strings.HasPrefix(f, "needs=") && (st.kind == "run" || st.kind == "server"):
			for _, tool := range strings.Split(strings.TrimPrefix(f, "needs="), ",") {
				if _, ok := tools[tool]; !ok {
					return step{}, fmt.Errorf("doc-test marker needs unknown tool %q (known: %s)", tool, strings.Join(toolNames(), ", "))
				}
				st.needs = append(st.needs, tool)
			}
		default:
			return step{}, fmt.Errorf("unknown option %q in a doc-test %s marker", f, st.kind)
		}
	}
	return st, nil
}

// linksIn returns the link targets on one line of text, skipping code spans.
func linksIn(line string, n int) []link {
	text := codeSpanRE.ReplaceAllString(line, "")
	var out []link
	for _, re := range []*regexp.Regexp{inlineLinkRE, htmlLinkRE, refLinkRE} {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			out = append(out, link{line: n, target: m[1]})
		}
	}
	return out
}

// plainText is a heading as GitHub renders it, without Markdown syntax.
func plainText(s string) string {
	s = inlineLinkRE.ReplaceAllStringFunc(s, func(m string) string {
		text, _, _ := strings.Cut(strings.TrimPrefix(m, "!"), "](")
		return strings.TrimPrefix(text, "[")
	})
	s = htmlTagRE.ReplaceAllString(s, "")
	return strings.NewReplacer("`", "", "**", "", "*", "").Replace(s)
}

// slug is the anchor id GitHub gives a heading: its text in lower case,
// without punctuation, spaces turned into hyphens.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(plainText(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.M, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// linkProblem says what is wrong with a relative link of page p, or returns
// "" when it is fine or not relative. root is the repository's folder;
// pages parses other Markdown files for their anchors.
func linkProblem(root string, p *page, target string, pages func(name string) (*page, error)) string {
	if schemeRE.MatchString(target) || strings.HasPrefix(target, "//") {
		return "" // absolute: not ours to check
	}
	rawPath, frag, _ := strings.Cut(target, "#")
	name, err := url.PathUnescape(rawPath)
	if err != nil {
		return fmt.Sprintf("bad escape in %q", target)
	}
	switch {
	case name == "":
		name = p.name
	case strings.HasPrefix(name, "/"):
		name = path.Clean(strings.TrimPrefix(name, "/"))
	default:
		name = path.Join(path.Dir(p.name), name)
	}
	if name == ".." || strings.HasPrefix(name, "../") {
		return fmt.Sprintf("%q points outside the repository", target)
	}
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(name))); err != nil {
		return fmt.Sprintf("%q: no such file or folder %s", target, name)
	}
	if frag == "" || !strings.HasSuffix(name, ".md") {
		return ""
	}
	other, err := pages(name)
	if err != nil {
		return err.Error()
	}
	if !other.anchors[frag] {
		known := make([]string, 0, len(other.anchors))
		for a := range other.anchors {
			known = append(known, a)
		}
		slices.Sort(known)
		return fmt.Sprintf("%q: %s has no heading with the anchor #%s (it has: %s)", target, name, frag, strings.Join(known, " "))
	}
	return ""
}
