package logfile_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"liso/shared/logfile"
)

func TestConcurrentLinesAreWholeAndNoneLost(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lisod.log")
	f, err := logfile.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	const writers, lines = 16, 2000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(f, "writer %02d line %05d %s\n", w, i, strings.Repeat("x", i%300))
			}
		})
	}
	wg.Wait()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("log has %d lines; want %d", len(got), writers*lines)
	}
	next := make([]int, writers) // each writer's lines stay in order
	for _, line := range got {
		var w, i int
		var pad string
		if _, err := fmt.Sscanf(line, "writer %d line %d %s", &w, &i, &pad); err != nil && i%300 != 0 {
			t.Fatalf("garbled line %q: %v", line, err)
		}
		if i != next[w] || len(pad) != i%300 {
			t.Fatalf("line %q out of order or cut; want line %d of writer %d", line, next[w], w)
		}
		next[w]++
	}
}

func TestAppendsAndCreatesWithMode0640(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lisod.log")
	for _, line := range []string{"first run\n", "second run\n"} {
		f, err := logfile.Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(line))
		f.Close()
	}
	data, _ := os.ReadFile(path)
	if diff := cmp.Diff("first run\nsecond run\n", string(data)); diff != "" {
		t.Errorf("log after two runs (-want +got):\n%s", diff)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&^0o640 != 0 {
		t.Errorf("log file mode %v; want at most 0640", st.Mode().Perm())
	}
}

func TestReopenAfterRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lisod.log")
	f, err := logfile.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("before rotation\n"))
	// Close-and-reopen makes sure "before" has reached the old file.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := f.Reopen(); err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("after rotation\n"))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path + ".1")
	cur, _ := os.ReadFile(path)
	// The first line may have been written before or after the rename, but
	// it went to the renamed file either way: the old descriptor follows it.
	if string(old) != "before rotation\n" || string(cur) != "after rotation\n" {
		t.Errorf("rotated file %q, new file %q; want the line before in the first, the line after in the second", old, cur)
	}
}

func TestStderrIsNotClosed(t *testing.T) {
	var buf bytes.Buffer
	f, err := logfile.Open("", &buf)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("to stderr\n"))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "to stderr\n" {
		t.Errorf("stderr got %q", buf.String())
	}
	if _, err := f.Write([]byte("late\n")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Close = %v; want os.ErrClosed", err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close = %v; want nil", err)
	}
}

func TestOpenErrors(t *testing.T) {
	_, err := logfile.Open(filepath.Join(t.TempDir(), "missing", "lisod.log"), nil)
	if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "opening log file") {
		t.Errorf("Open in a missing folder = %v; want 'opening log file: ...' wrapping ErrNotExist", err)
	}
}
