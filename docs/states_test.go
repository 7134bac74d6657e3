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

// move is one change of a connection's state, and what makes it.
type move struct {
	from, to, why string
}

var (
	// A move in the comment above connState: "//	idle     -> reading   bytes arrived: ...".
	commentMoveRE = regexp.MustCompile(`^//\s+(\w+)\s+->\s+(\w+)\s+(.+?)\s*$`)
	// A row of the page's table: "| `idle` | `reading` | bytes arrived: ... |".
	tableMoveRE = regexp.MustCompile("^\\|\\s*`(\\w+)`\\s*\\|\\s*`(\\w+)`\\s*\\|\\s*(.+?)\\s*\\|\\s*$")
	// An arrow of the Mermaid state diagram: "  idle --> reading: bytes arrived".
	diagramMoveRE = regexp.MustCompile(`^\s*(\w+|\[\*\])\s*-->\s*(\w+|\[\*\])\s*(?::.*)?$`)
)

// TestConnectionStatesDrawn checks that checkpoint2.md draws and lists the
// connection states exactly as shared/httpconn/conn.go defines them: the
// table has the comment's moves, word for word and in its order, and the
// state diagram has the same arrows, plus the start (idle) and the end
// (closed). Change the comment, and this test says which page to redraw.
func TestConnectionStatesDrawn(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(root, "shared", "httpconn", "conn.go"))
	if err != nil {
		t.Fatal(err)
	}
	var want []move
	for _, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "type connState") {
			break
		}
		if m := commentMoveRE.FindStringSubmatch(line); m != nil {
			want = append(want, move{m[1], m[2], m[3]})
		}
	}
	if len(want) < 4 {
		t.Fatalf("found %d moves in the comment above connState in conn.go; the comment's form changed, so change this test too", len(want))
	}

	page, err := os.ReadFile("checkpoint2.md")
	if err != nil {
		t.Fatal(err)
	}
	var table []move
	var diagram [][2]string
	inDiagram := false
	for _, line := range strings.Split(string(page), "\n") {
		switch {
		case strings.TrimSpace(line) == "stateDiagram-v2":
			inDiagram = true
		case inDiagram && strings.HasPrefix(strings.TrimSpace(line), "```"):
			inDiagram = false
		case inDiagram:
			if m := diagramMoveRE.FindStringSubmatch(line); m != nil {
				diagram = append(diagram, [2]string{m[1], m[2]})
			}
		default:
			if m := tableMoveRE.FindStringSubmatch(line); m != nil {
				table = append(table, move{m[1], m[2], m[3]})
			}
		}
	}

	if diff := cmp.Diff(want, table, cmp.AllowUnexported(move{})); diff != "" {
		t.Errorf("checkpoint2.md's table of connection states differs from the comment above connState in shared/httpconn/conn.go (-conn.go +page):\n%s", diff)
	}
	wantArrows := [][2]string{{"[*]", "idle"}, {"closed", "[*]"}}
	for _, m := range want {
		wantArrows = append(wantArrows, [2]string{m.from, m.to})
	}
	less := func(a, b [2]string) int { return strings.Compare(a[0]+" "+a[1], b[0]+" "+b[1]) }
	slices.SortFunc(wantArrows, less)
	slices.SortFunc(diagram, less)
	if diff := cmp.Diff(wantArrows, diagram); diff != "" {
		t.Errorf("checkpoint2.md's state diagram differs from the moves in shared/httpconn/conn.go (-conn.go +diagram):\n%s", diff)
	}
}
