package daemon_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"liso/shared/daemon"
)

// lockHeldTest is what a second Lock says, given what the holder wrote.
type lockHeldTest struct {
	content string // of the lock file while it is held
	wantPID int    // in the *RunningError
	wantMsg string // its text, with PATH for the lock file's name
}

const noPIDYet = "daemon: already running: lock file PATH is held (no pid written yet: another lisod is starting)"

var lockHeldTests = []lockHeldTest{
	{"4242\n", 4242, "daemon: already running (pid 4242): lock file PATH is held"},
	{"4242", 4242, "daemon: already running (pid 4242): lock file PATH is held"},
	{"4242\nsomething else\n", 4242, "daemon: already running (pid 4242): lock file PATH is held"},
	{"", 0, noPIDYet},
	{"not a pid\n", 0, noPIDYet},
	{"-1\n", 0, noPIDYet},
	{" 4242\n", 0, noPIDYet},
}

func TestLockHeld(t *testing.T) {
	for _, tt := range lockHeldTests {
		path := filepath.Join(t.TempDir(), "lisod.lock")
		holder, err := daemon.Lock(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(tt.content), 0o640); err != nil {
			t.Fatal(err)
		}
		// flock locks belong to an open file, so a second open in the same
		// process is refused as a second process would be.
		_, err = daemon.Lock(path)
		holder.Close()
		var running *daemon.RunningError
		if !errors.As(err, &running) {
			t.Fatalf("Lock of a held lock holding %q = %v; want a *RunningError", tt.content, err)
		}
		if diff := cmp.Diff(&daemon.RunningError{PID: tt.wantPID, Path: path}, running); diff != "" {
			t.Errorf("Lock of a held lock holding %q (-want +got):\n%s", tt.content, diff)
		}
		if want := strings.ReplaceAll(tt.wantMsg, "PATH", path); err.Error() != want {
			t.Errorf("Lock of a held lock holding %q = %q; want %q", tt.content, err, want)
		}
	}
}

func TestLockLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lisod.lock")
	// A pid left behind by a daemon that was killed.
	if err := os.WriteFile(path, []byte("999999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := daemon.Lock(path)
	if err != nil {
		t.Fatalf("Lock of a file nobody holds = %v", err)
	}
	if l.Path() != path {
		t.Errorf("Path() = %q; want %q", l.Path(), path)
	}
	checkContent(t, path, "") // the stale pid is gone at once
	if err := l.WritePID(123456); err != nil {
		t.Fatal(err)
	}
	checkContent(t, path, "123456\n")
	if err := l.WritePID(42); err != nil {
		t.Fatal(err)
	}
	checkContent(t, path, "42\n") // replaced, not overwritten in place
	// An existing file keeps its mode: only a new one is made 0640.
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode of an existing lock file = %v, %v; want it kept at 0600", fi.Mode(), err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// Closed: the lock is free, and the file stays.
	l2, err := daemon.Lock(path)
	if err != nil {
		t.Fatalf("Lock after Close = %v; want the lock free", err)
	}
	l2.Close()
}

func TestLockCreatesMode0640(t *testing.T) {
	// The umask is the process's; these tests do not run in parallel.
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "lisod.lock")
	l, err := daemon.Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != daemon.LockMode {
		t.Errorf("new lock file's mode under umask 077 = %v; want %v", got, daemon.LockMode)
	}
}

func TestLockErrors(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{"", dir, filepath.Join(dir, "missing", "lisod.lock")} {
		if l, err := daemon.Lock(path); err == nil {
			l.Close()
			t.Errorf("Lock(%q) succeeded; want an error", path)
		} else if errors.As(err, new(*daemon.RunningError)) {
			t.Errorf("Lock(%q) = %v; want an error other than 'already running'", path, err)
		}
	}
}

func checkContent(t *testing.T, path, want string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != want {
		t.Errorf("lock file holds %q; want %q", data, want)
	}
}

func TestDefaultLockPath(t *testing.T) {
	name := "lisod-" + strconv.Itoa(os.Getuid()) + ".lock"
	for _, tt := range []struct {
		runtime, tmp, want string
	}{
		{"/run/user/1000", "/tmp", "/run/user/1000/" + name},
		{"", "/var/tmp", "/var/tmp/" + name},
		{"relative", "/var/tmp", "/var/tmp/" + name},
	} {
		t.Setenv("XDG_RUNTIME_DIR", tt.runtime)
		t.Setenv("TMPDIR", tt.tmp)
		if got := daemon.DefaultLockPath(); got != tt.want {
			t.Errorf("XDG_RUNTIME_DIR=%q TMPDIR=%q: DefaultLockPath() = %q; want %q", tt.runtime, tt.tmp, got, tt.want)
		}
	}
}
