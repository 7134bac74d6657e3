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

// docs/security.md lists every case of the hardening suite for students.
// Its tables are generated from the tables of the suite, between marker
// comments. The robustness stage's tables moved with their checks into
// lisocheck's suite, whose TestSecurityDoc keeps them; the TLS table is
// still here, and TestSecurityDoc here fails when it drifts apart, and
//
//	go test ./checkpoint3 -run TestSecurityDoc -update-security
//
// rewrites it.
var updateSecurity = flag.Bool("update-security", false, "rewrite the generated tables in docs/security.md")

const securityDoc = "../docs/security.md"

// securityTables are the generated parts of docs/security.md, by marker.
func securityTables() map[string]string {
	return map[string]string{
		"tls": tlsTable(),
	}
}

// docCell makes s safe inside a Markdown table cell.
func docCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func tlsTable() string {
	var b strings.Builder
	b.WriteString("| Client offers | Expected | Source |\n|---|---|---|\n")
	for _, tt := range tlsTests {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", docCell(tt.name), docCell(tt.expected()), docCell(tt.ref))
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

// TestSecurityDoc: docs/security.md lists every row of the TLS table as
// it is now, and names every test of the hardening_*_test.go files.
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

	// Every test and fuzz target of these files is named in the doc.
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
