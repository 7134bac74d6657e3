package docs_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The course's diagrams are pictures, so that they read the same in an
// editor, in less, on a mirror and on paper as on GitHub. Each one is drawn
// from a source beside it in docs/images by draw.sh, which writes the
// source's SHA-256 into the picture; this test needs neither tool.

// imagesDir holds the pictures and their sources.
const imagesDir = "images"

// pictureSources are the kinds of source draw.sh draws: Graphviz's dot, and
// PlantUML for the sequence diagrams.
var pictureSources = []string{".dot", ".puml"}

// sourceHashRE is the comment draw.sh puts into a picture.
var sourceHashRE = regexp.MustCompile(`<!-- source sha256: ([0-9a-f]{64}) (\S+) -->`)

// redraw is what a failure tells the reader to do.
const redraw = "redraw it with: sh docs/images/draw.sh (apt-get install graphviz plantuml)"

// TestPicturesDrawn checks that every source in docs/images has its
// picture, drawn from the source as it is now, and that every picture is
// drawn from a source there and is shown on some page.
func TestPicturesDrawn(t *testing.T) {
	entries, err := os.ReadDir(imagesDir)
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]string{} // picture name -> its source's file name
	var pictures []string
	for _, e := range entries {
		ext := path.Ext(e.Name())
		switch {
		case slices.Contains(pictureSources, ext):
			name := strings.TrimSuffix(e.Name(), ext)
			if other, ok := sources[name]; ok {
				t.Errorf("images/%s and images/%s would both draw %s.svg", other, e.Name(), name)
			}
			sources[name] = e.Name()
		case ext == ".svg":
			pictures = append(pictures, strings.TrimSuffix(e.Name(), ext))
		}
	}
	if len(sources) == 0 {
		t.Fatal("docs/images holds no picture sources")
	}

	for name, src := range sources {
		data, err := os.ReadFile(filepath.Join(imagesDir, src))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		picture, err := os.ReadFile(filepath.Join(imagesDir, name+".svg"))
		if errors.Is(err, os.ErrNotExist) {
			t.Errorf("images/%s has no picture images/%s.svg; %s", src, name, redraw)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		m := sourceHashRE.FindSubmatch(picture)
		switch {
		case m == nil:
			t.Errorf("images/%s.svg does not say which source it was drawn from; %s", name, redraw)
		case string(m[2]) != src:
			t.Errorf("images/%s.svg says it was drawn from %s, not %s; %s", name, m[2], src, redraw)
		case string(m[1]) != hex.EncodeToString(sum[:]):
			t.Errorf("images/%s.svg was drawn from another version of images/%s; %s", name, src, redraw)
		}
		if err := wellFormed(picture); err != nil {
			t.Errorf("images/%s.svg is not well-formed XML: %v; %s", name, err, redraw)
		}
	}
	for _, name := range pictures {
		if _, ok := sources[name]; !ok {
			t.Errorf("images/%s.svg has no source beside it (%s): keep the source of every picture, so that it can be changed",
				name, strings.Join(pictureSources, " or "))
		}
	}

	shown := map[string]bool{}
	for _, p := range readPages(t) {
		for _, l := range p.links {
			target := path.Join(path.Dir(p.name), l.target)
			if dir, file := path.Split(target); dir == "docs/"+imagesDir+"/" {
				shown[strings.TrimSuffix(file, ".svg")] = true
			}
		}
	}
	for name := range sources {
		if !shown[name] {
			t.Errorf("images/%s.svg is shown on no page (docs/*.md, README.md): embed it with ![what it shows](images/%s.svg)", name, name)
		}
	}
}

// wellFormed reports whether an SVG file parses as XML, to its end.
func wellFormed(data []byte) error {
	d := xml.NewDecoder(strings.NewReader(string(data)))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// TestNoMermaid checks that no page draws with a ```mermaid block, which
// only GitHub's web view turns into a picture: elsewhere a reader sees its
// source. Draw it in docs/images instead.
func TestNoMermaid(t *testing.T) {
	for _, p := range readPages(t) {
		for _, f := range p.fences {
			if f.lang == "mermaid" {
				t.Errorf("%s:%d: a Mermaid block; draw it as a picture in docs/images (see draw.sh) and embed that", p.name, f.line)
			}
		}
	}
}
