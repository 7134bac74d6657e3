package daemon

import (
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func FuzzParsePID(f *testing.F) {
	for _, s := range []string{"4242\n", "4242", "", "\n", "0\n", "-7\n", "+7\n", "007\n", " 7\n", "7 \n", "12abc\n", "99999999999999999999999\n", "1\n2\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pid := parsePID(s)
		if pid < 0 {
			t.Fatalf("parsePID(%q) = %d; want a pid or 0", s, pid)
		}
		// A pid is only ever read from a first line that is exactly it.
		line, _, _ := strings.Cut(s, "\n")
		if pid > 0 && strconv.Itoa(pid) != line {
			t.Fatalf("parsePID(%q) = %d, which is not the first line", s, pid)
		}
		// What WritePID writes reads back.
		if pid > 0 {
			if back := parsePID(strconv.Itoa(pid) + "\n"); back != pid {
				t.Fatalf("parsePID(%q) = %d; want %d", strconv.Itoa(pid)+"\n", back, pid)
			}
		}
	})
}

type childEnvironTest struct {
	env  []string
	want []string
}

var childEnvironTests = []childEnvironTest{
	{
		env:  []string{"PATH=/bin", "HOME=/root"},
		want: []string{"PATH=/bin", "HOME=/root", "LISOD_DAEMON_CHILD=1", "LISOD_DAEMON_LISTENERS=2", "LISOD_DAEMON_LOCK=/run/lisod.lock"},
	},
	{
		// Markers already there (lisod started by a daemon) are replaced;
		// a variable that only starts the same is kept.
		env:  []string{"LISOD_DAEMON_CHILD=1", "LISOD_DAEMON_LISTENERS=9", "LISOD_DAEMON_LOCK=/old", "LISOD_DAEMON_CHILDREN=x"},
		want: []string{"LISOD_DAEMON_CHILDREN=x", "LISOD_DAEMON_CHILD=1", "LISOD_DAEMON_LISTENERS=2", "LISOD_DAEMON_LOCK=/run/lisod.lock"},
	},
}

func TestChildEnviron(t *testing.T) {
	for _, tt := range childEnvironTests {
		got := childEnviron(tt.env, "/run/lisod.lock", 2)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("childEnviron(%q) (-want +got):\n%s", tt.env, diff)
		}
	}
}

type failTest struct {
	err  error
	want string // the line the launcher reads
}

var failTests = []failTest{
	{errors.New("checkpoint3: loading certificate: no such file"), "checkpoint3: loading certificate: no such file\n"},
	{errors.New("first\nsecond\n"), "first; second;\n"},
	{errors.New("  spaced   out  "), "spaced out\n"},
	{errors.New(""), "unknown error\n"},
	{nil, "unknown error\n"},
	{errors.New(readyReport), "failed: ok\n"}, // never mistaken for success
}

func TestFailReport(t *testing.T) {
	for _, tt := range failTests {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		c := &Child{report: w}
		c.Fail(tt.err)
		c.Fail(errors.New("a second report is not sent"))
		got, err := io.ReadAll(r) // to EOF: Fail closed the pipe
		r.Close()
		if err != nil || string(got) != tt.want {
			t.Errorf("Fail(%v) sent %q, %v; want %q", tt.err, got, err, tt.want)
		}
		if err := c.Ready(); err == nil {
			t.Errorf("Ready after Fail(%v) = nil; want an error", tt.err)
		}
	}
}
