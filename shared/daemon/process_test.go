//go:build linux

package daemon_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"liso/shared/daemon"
)

// processTest is a foreground Process from Begin to End. (The daemon's
// side is testProgram's, in main_test.go.)
type processTest struct {
	name     string
	lockFile string // "" takes no lock; a name is made in a temporary folder
	held     bool   // another process holds the lock already
	wantErr  string // a substring of Begin's error; "" is success
}

var processTests = []processTest{
	{name: "no lock file"},
	{name: "lock file", lockFile: "lisod.lock"},
	{name: "lock file held", lockFile: "lisod.lock", held: true, wantErr: "already running"},
	{name: "lock file in a missing folder", lockFile: "missing/lisod.lock", wantErr: "no such file or directory"},
}

func TestForegroundProcess(t *testing.T) {
	for _, tt := range processTests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.lockFile != "" {
				path = filepath.Join(t.TempDir(), tt.lockFile)
			}
			if tt.held {
				other, err := daemon.Lock(path)
				if err != nil {
					t.Fatal(err)
				}
				defer other.Close()
			}
			proc, err := daemon.Begin(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Begin(%q) = %v; want an error with %q", path, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Begin(%q) = %v", path, err)
			}
			if path != "" {
				// The pid is written, and the lock is held until End.
				checkContent(t, path, fmt.Sprintf("%d\n", os.Getpid()))
				var running *daemon.RunningError
				if _, err := daemon.Lock(path); !errors.As(err, &running) || running.PID != os.Getpid() {
					t.Errorf("Lock during the process = %v; want a *RunningError naming pid %d", err, os.Getpid())
				}
			}
			ls, err := proc.Listen("127.0.0.1", 0, 0)
			if err != nil || len(ls) != 2 || ls[0].Addr().String() == ls[1].Addr().String() {
				t.Fatalf("Listen(127.0.0.1, 0, 0) = %v, %v; want two listeners", ls, err)
			}
			for _, l := range ls {
				l.Close()
			}
			proc.Ready()
			err = errors.New("stopped")
			proc.End(&err)
			if path != "" && !lockIsFree(t, path) {
				t.Errorf("lock file %s still held after End", path)
			}
		})
	}
}

// TestListenClosesOnFailure: when a port cannot be opened, Listen closes
// the ones before it, so that they can be opened again at once.
func TestListenClosesOnFailure(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	free := freePort(t)
	ls, err := daemon.Listen("127.0.0.1", free, taken.Addr().(*net.TCPAddr).Port)
	if err == nil || !strings.Contains(err.Error(), "cannot listen on") {
		t.Fatalf("Listen(a free port, a taken one) = %v, %v; want an error", ls, err)
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(free)))
	if err != nil {
		t.Fatalf("the free port after Listen failed: %v; want it closed again", err)
	}
	l.Close()
}

// freePort returns a port no one listens on, as far as this test knows.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
