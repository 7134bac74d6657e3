package suite

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestChecksAreDescribed: every check has a unique name, a rule, and a
// Doc that names a page of docs/ and one of its headings, so that a
// failure's "read:" line always leads somewhere.
func TestChecksAreDescribed(t *testing.T) {
	seen := map[string]bool{}
	for _, ch := range All() {
		if ch.Name == "" || strings.ContainsAny(ch.Name, " \t") || seen[ch.Name] {
			t.Errorf("check name %q: empty, with a space, or used twice", ch.Name)
		}
		seen[ch.Name] = true
		if ch.Rule == "" || ch.Run == nil || stageNames[ch.Stage] == "" {
			t.Errorf("check %s: no rule, no Run or no stage", ch.Name)
		}
		page, anchor, ok := strings.Cut(ch.Doc, "#")
		if !ok || !strings.HasPrefix(page, "docs/") {
			t.Errorf("check %s: Doc %q is not docs/PAGE.md#heading", ch.Name, ch.Doc)
			continue
		}
		if !slugs(t, page)[anchor] {
			t.Errorf("check %s: %s has no heading whose anchor is #%s", ch.Name, page, anchor)
		}
	}
}

var (
	headingRE = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *$`)
	notSlugRE = regexp.MustCompile(`[^\p{L}\p{N} _-]`)
	pages     = map[string]map[string]bool{}
)

// slugs are the anchors of a page's headings, as GitHub makes them:
// lower case, punctuation dropped, spaces turned into hyphens.
func slugs(t *testing.T, page string) map[string]bool {
	if s, ok := pages[page]; ok {
		return s
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "..", filepath.FromSlash(page)))
	if err != nil {
		t.Errorf("reading %s: %v", page, err)
	}
	s := map[string]bool{}
	for _, m := range headingRE.FindAllStringSubmatch(string(data), -1) {
		h := strings.ToLower(strings.ReplaceAll(m[1], "`", ""))
		s[strings.ReplaceAll(notSlugRE.ReplaceAllString(h, ""), " ", "-")] = true
	}
	pages[page] = s
	return s
}

// TestLisocheckPageListsEveryCheck: the stage table of docs/lisocheck.md
// names every check, by name or by a pattern with *, and every pattern
// names a check, so the page cannot fall behind the suite.
func TestLisocheckPageListsEveryCheck(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "lisocheck.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(data), "<!-- lisocheck stages:")
	if !ok {
		t.Fatal("docs/lisocheck.md has no stage table marker")
	}
	table, _, _ = strings.Cut(table, "\n\n")
	var patterns []*regexp.Regexp
	used := map[*regexp.Regexp]bool{}
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(cells[2], -1) {
			re := regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(m[1]), `\*`, ".*") + "$")
			patterns = append(patterns, re)
		}
	}
	for _, ch := range All() { // not ProjectChoices: lisod's own, which lisocheck does not run
		matched := false
		for _, re := range patterns {
			if re.MatchString(ch.Name) {
				matched, used[re] = true, true
			}
		}
		if !matched {
			t.Errorf("docs/lisocheck.md's stage table does not name %s", ch.Name)
		}
	}
	for _, re := range patterns {
		if !used[re] {
			t.Errorf("docs/lisocheck.md's stage table names %s, which no check matches", re)
		}
	}
}
