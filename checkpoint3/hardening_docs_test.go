package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// docs/security.md lists every case of the suite for students. Its tables
// are generated from the tables in these files, between marker comments;
// TestSecurityDoc fails when they drift apart, and
//
//	go test ./checkpoint3 -run TestSecurityDoc -update-security
//
// rewrites them.
var updateSecurity = flag.Bool("update-security", false, "rewrite the generated tables in docs/security.md")

const securityDoc = "../docs/security.md"

// securityTables are the generated parts of docs/security.md, by marker.
func securityTables() map[string]string {
	return map[string]string{
		"wire":        wireTable(wireTests),
		"requirehost": wireTable(requireHostTests),
		"smuggling":   smugglingTable(),
		"tls":         tlsTable(),
		"jail":        jailTable(),
	}
}

// docCell makes s safe inside a Markdown table cell.
func docCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// docShown is raw bytes as a Go string literal, cut short after most
// characters, in a code span. Backquotes become \x60 so that the span
// stays whole.
func docShown(raw string, most int) string {
	q := fmt.Sprintf("%q", raw)
	if len(q) > most {
		q = fmt.Sprintf("%s…\" (%d bytes)", q[:most], len(raw))
	}
	return "`" + docCell(strings.ReplaceAll(q, "`", `\x60`)) + "`"
}

func wireTable(tests []wireTest) string {
	var b strings.Builder
	b.WriteString("| # | Case | Bytes sent (before the pipelined request) | Expected | Source |\n|---|---|---|---|---|\n")
	for i, tt := range tests {
		sent := docShown(tt.bytes(), 90)
		if tt.fragment {
			sent += ", one byte per write"
		}
		if tt.cut {
			sent += ", then the client half-closes"
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", i+1, docCell(tt.name), sent, docCell(tt.expected()), docCell(tt.ref))
	}
	return b.String()
}

func smugglingTable() string {
	var b strings.Builder
	b.WriteString("| Case | Bytes sent | How another parser may frame them | Source |\n|---|---|---|---|\n")
	for _, tt := range smugglingTests {
		raw := tt.raw
		if !tt.lf {
			raw = hardCRLF(raw)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", docCell(tt.name), docShown(raw, 200), docCell(tt.other), docCell(tt.ref))
	}
	return b.String()
}

func tlsTable() string {
	var b strings.Builder
	b.WriteString("| Client offers | Expected | Source |\n|---|---|---|\n")
	for _, tt := range tlsTests {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", docCell(tt.name), docCell(tt.expected()), docCell(tt.ref))
	}
	return b.String()
}

func jailTable() string {
	var b strings.Builder
	b.WriteString("| Request target | Trick |\n|---|---|\n")
	for _, tt := range jailTests {
		fmt.Fprintf(&b, "| %s | %s |\n", docShown(tt.target, 90), docCell(tt.trick))
	}
	return b.String()
}

// docGenerated finds the text between the markers of name in doc.
func docGenerated(doc, name string) (before, inside, after string, ok bool) {
	begin := "<!-- begin generated: " + name + " -->\n"
	end := "<!-- end generated: " + name + " -->"
	before, rest, ok1 := strings.Cut(doc, begin)
	inside, after, ok2 := strings.Cut(rest, end)
	return before + begin, inside, end + after, ok1 && ok2
}

// TestSecurityDoc: docs/security.md lists every row of the suite's tables
// as the tables are now, and names every test of the suite.
func TestSecurityDoc(t *testing.T) {
	raw, err := os.ReadFile(securityDoc)
	hardMust(t, err)
	doc := string(raw)
	for name, want := range securityTables() {
		before, got, after, ok := docGenerated(doc, name)
		if !ok {
			t.Errorf("%s has no markers for the %s table", securityDoc, name)
			continue
		}
		if *updateSecurity {
			doc = before + want + after
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("the %s table in %s is out of date; run go test ./checkpoint3 -run TestSecurityDoc -update-security (-want +got):\n%s", name, securityDoc, diff)
		}
	}
	if *updateSecurity {
		hardMust(t, os.WriteFile(securityDoc, []byte(doc), 0o644))
	}

	// Every test and fuzz target of the suite is named in the doc.
	files, err := filepath.Glob("hardening_*_test.go")
	hardMust(t, err)
	testFunc := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)\w+)\(`)
	for _, file := range files {
		src, err := os.ReadFile(file)
		hardMust(t, err)
		for _, m := range testFunc.FindAllStringSubmatch(string(src), -1) {
			if !strings.Contains(doc, m[1]) {
				t.Errorf("%s does not mention %s (%s)", securityDoc, m[1], file)
			}
		}
	}
}
