package suite

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// docs/security.md lists every case of the robustness stage for students.
// Its tables are generated from the tables of the checks_robust*.go files,
// between marker comments; TestSecurityDoc fails when they drift apart,
// and
//
//	go test ./tools/lisocheck/suite -run TestSecurityDoc -update-security
//
// rewrites them.
var updateSecurity = flag.Bool("update-security", false, "rewrite the generated tables in docs/security.md")

const securityDoc = "../../../docs/security.md"

// securityTables are the generated parts of docs/security.md, by marker.
func securityTables() map[string]string {
	return map[string]string{
		"wire":      wireTable("robust/wire/", wireTests),
		"strict":    wireTable("robust/wire-strict/", strictWireTests),
		"smuggling": smugglingTable(),
		"jail":      jailTable(),
		"tls":       tlsTable(),
	}
}

// tlsTable lists TLSOffers: what a client offers, and what the server
// must negotiate or refuse.
func tlsTable() string {
	var b strings.Builder
	b.WriteString("| Check | Client offers | Expected | Source |\n|---|---|---|---|\n")
	for _, o := range TLSOffers {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", docName(o.Check), docCell(o.Name), docCell(o.Expected()), docCell(o.Ref))
	}
	return b.String()
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

// docName is a check's name in a table cell.
func docName(name string) string { return "`" + name + "`" }

func wireTable(prefix string, tests []wireTest) string {
	var b strings.Builder
	b.WriteString("| # | Check | Bytes sent (before the pipelined request) | Expected (lisod's answer first) | Source |\n|---|---|---|---|---|\n")
	for i, tt := range tests {
		sent := docShown(tt.bytes(), 90)
		if tt.fragment {
			sent += ", one byte per write"
		}
		if tt.cut {
			sent += ", then the client half-closes"
		}
		fmt.Fprintf(&b, "| %d | %s<br>%s | %s | %s | %s |\n", i+1, docName(prefix+slug(tt.name)), docCell(tt.name), sent, docCell(tt.expected(false)), docCell(tt.ref))
	}
	return b.String()
}

func smugglingTable() string {
	var b strings.Builder
	b.WriteString("| Check | Bytes sent | How another parser may frame them | Source |\n|---|---|---|---|\n")
	for _, tt := range smugglingTests {
		fmt.Fprintf(&b, "| %s<br>%s | %s | %s | %s |\n", docName("robust/smuggling/"+tt.id), docCell(tt.name), docShown(tt.bytes(), 200), docCell(tt.other), docCell(tt.ref))
	}
	return b.String()
}

func jailTable() string {
	// The targets as they are sent when lisocheck owns the folder around
	// www, with its secret file beside it.
	p := jailPlace{above: "secret.txt", name: "secret.txt"}
	var b strings.Builder
	b.WriteString("| Check | Request target |\n|---|---|\n")
	for _, tt := range jailTests {
		fmt.Fprintf(&b, "| %s<br>%s | %s |\n", docName("robust/jail/"+slug(tt.trick)), docCell(tt.trick), docShown(p.expand(tt.target), 90))
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

// TestSecurityDoc: docs/security.md lists every row of the robustness
// tables as they are now, and names every robustness check of these files.
func TestSecurityDoc(t *testing.T) {
	raw, err := os.ReadFile(securityDoc)
	if err != nil {
		t.Fatal(err)
	}
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
			t.Errorf("the %s table in %s is out of date; run go test ./tools/lisocheck/suite -run TestSecurityDoc -update-security (-want +got):\n%s", name, securityDoc, diff)
		}
	}
	if *updateSecurity {
		if err := os.WriteFile(securityDoc, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, ch := range robustChecks {
		if !strings.Contains(doc, "`"+ch.Name+"`") {
			t.Errorf("%s does not name the check %s", securityDoc, ch.Name)
		}
	}
}

// TestWireTableSize keeps the conformance table as large as issue 8 asks.
func TestWireTableSize(t *testing.T) {
	if n := len(wireTests); n < 60 {
		t.Errorf("the conformance table has %d rows; issue 8 asks for at least 60", n)
	}
}
