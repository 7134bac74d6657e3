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
	// An arrow of the diagram's source, docs/images/checkpoint2-states.dot:
	// "  idle -> reading [label=...]"; start and end stand for the
	// connection's beginning and end.
	diagramMoveRE = regexp.MustCompile(`^\s*(\w+)\s*->\s*(\w+)\s*(?:\[.*\])?\s*$`)
)

// TestConnectionStatesDrawn checks that checkpoint2.md lists, and its
// picture draws, the connection states exactly as shared/httpconn/conn.go
// defines them: the page's table has the comment's moves, word for word and
// in its order, and the picture's source (docs/images/checkpoint2-states.dot)
// has the same arrows, plus the start (idle) and the end (closed). Change
// the comment, and this test says what to change; TestPicturesDrawn then
// says to redraw the picture.
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
	for _, line := range strings.Split(string(page), "\n") {
		if m := tableMoveRE.FindStringSubmatch(line); m != nil {
			table = append(table, move{m[1], m[2], m[3]})
		}
	}
	if !strings.Contains(string(page), "(images/"+statesPicture+".svg)") {
		t.Errorf("checkpoint2.md does not show the picture images/%s.svg", statesPicture)
	}
	src, err = os.ReadFile(filepath.Join("images", statesPicture+".dot"))
	if err != nil {
		t.Fatal(err)
	}
	var diagram [][2]string
	for _, line := range strings.Split(string(src), "\n") {
		if m := diagramMoveRE.FindStringSubmatch(line); m != nil {
			diagram = append(diagram, [2]string{stateName(m[1]), stateName(m[2])})
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
		t.Errorf("images/%s.dot differs from the moves in shared/httpconn/conn.go (-conn.go +diagram):\n%s", statesPicture, diff)
	}
}

// statesPicture is the picture of the connection states, in docs/images.
const statesPicture = "checkpoint2-states"

// stateName is a node of the picture's source as a state, with "[*]" for
// the beginning and the end, as the moves above write them.
func stateName(node string) string {
	if node == "start" || node == "end" {
		return "[*]"
	}
	return node
}
