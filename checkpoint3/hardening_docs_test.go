package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docs/security.md lists every case of the hardening suite for students.
// Its tables are generated from lisocheck's suite, whose TestSecurityDoc
// keeps them up to date; what stays here is lisod's own part of the
// suite, the hardening_*_test.go files, which the page must name.

const securityDoc = "../docs/security.md"

// TestSecurityDoc: docs/security.md names every test of the
// hardening_*_test.go files.
func TestSecurityDoc(t *testing.T) {
	raw, err := os.ReadFile(securityDoc)
	hardMust(t, err)
	doc := string(raw)

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
