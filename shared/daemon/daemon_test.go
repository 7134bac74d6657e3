//go:build linux

package daemon_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"liso/shared/daemon"
)

// TestDaemonIsDetached starts a daemon the way the course's graders do and
// checks each of the course's daemonize steps on the running process.
func TestDaemonIsDetached(t *testing.T) {
	lockPath := filepath.Join(t.TempDir(), "lisod.lock")
	// A strict umask in the launcher: the lock file must still be 0640,
	// and the daemon's umask must still be 027.
	r := start(t, lockPath, "0", umaskEnv+"=077")
	d := r.mustStart(t)

	t.Run("lock file", func(t *testing.T) {
		data, err := os.ReadFile(lockPath)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("%d\n", d.pid); string(data) != want {
			t.Errorf("lock file holds %q; want %q, the daemon's pid", data, want)
		}
		fi, err := os.Stat(lockPath)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o640 {
			t.Errorf("lock file mode = %v; want -rw-r-----", got)
		}
		if lockIsFree(t, lockPath) {
			t.Errorf("lock file %s is not locked while the daemon runs", lockPath)
		}
	})
	t.Run("session", func(t *testing.T) {
		// setsid: its own session and process group, no terminal.
		want := procStat{PGrp: d.pid, Session: d.pid, TTY: 0}
		if diff := cmp.Diff(want, readProcStat(t, d.pid)); diff != "" {
			t.Errorf("/proc/%d/stat (-want +got):\n%s", d.pid, diff)
		}
	})
	t.Run("umask", func(t *testing.T) {
		if got := readUmask(t, d.pid); got != "0027" {
			t.Errorf("daemon's umask = %s; want 0027", got)
		}
	})
	t.Run("descriptors", func(t *testing.T) {
		// Before any client connects: the daemon's descriptors are its
		// stdio, the lock, the two listeners, and the Go runtime's own. The
		// runtime's are its epoll instance, the eventfd that wakes it, and,
		// since Go 1.25, the cgroup CPU-limit files it re-reads to adjust
		// GOMAXPROCS. The report pipe is closed once used; the stray
		// descriptor the launcher inherited did not come along.
		fds := readFDs(t, d.pid)
		got := make(map[string]int)
		for fd, target := range fds {
			got[fdKind(fd, target, lockPath)]++
		}
		want := map[string]int{"/dev/null as stdio": 3, "lock file": 1, "socket": 2, "runtime": got["runtime"]}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("daemon's descriptors by kind (-want +got):\n%s\nall:%s", diff, describeFDs(fds))
		}
		// The programs the daemon runs (CGI scripts) must not inherit the
		// lock or the listeners: exec cleared close-on-exec to pass them,
		// Resume sets it again.
		for fd, target := range fds {
			if fd > 2 && !closeOnExec(t, d.pid, fd) {
				t.Errorf("daemon's fd %d (%s) is not close-on-exec", fd, target)
			}
		}
	})
	t.Run("serves", func(t *testing.T) {
		d.echo(t)
	})
}

// fdKind classifies one of the daemon's descriptors for
// TestDaemonIsDetached.
func fdKind(fd int, target, lockPath string) string {
	switch {
	case fd <= 2 && target == os.DevNull:
		return "/dev/null as stdio"
	case target == lockPath:
		return "lock file"
	case strings.HasPrefix(target, "socket:"):
		return "socket"
	case target == "anon_inode:[eventpoll]", target == "anon_inode:[eventfd]",
		strings.HasPrefix(target, "/sys/fs/cgroup/"):
		return "runtime"
	default:
		return fmt.Sprintf("fd %d -> %s", fd, target)
	}
}

func TestSIGTERMStopsTheDaemon(t *testing.T) {
	lockPath := filepath.Join(t.TempDir(), "lisod.lock")
	d := start(t, lockPath, "0").mustStart(t)
	d.echo(t)

	d.signal(t, syscall.SIGTERM)
	if st := d.wait(t); !st.Exited() || st.ExitCode() != 0 {
		t.Fatalf("daemon after SIGTERM: %v; want exit status 0", st)
	}
	if !gone(d.pid) {
		t.Errorf("process %d still exists after the daemon was reaped", d.pid)
	}
	if !lockIsFree(t, lockPath) {
		t.Errorf("lock file %s still locked after the daemon stopped", lockPath)
	}
}

func TestStartAfterSIGKILL(t *testing.T) {
	lockPath := filepath.Join(t.TempDir(), "lisod.lock")
	first := start(t, lockPath, "0").mustStart(t)
	first.signal(t, syscall.SIGKILL)
	if st := first.wait(t); st.Exited() {
		t.Fatalf("daemon after SIGKILL: %v; want killed by the signal", st)
	}
	// The dead daemon's pid is still in the file, but nobody holds the lock.
	second := start(t, lockPath, "0").mustStart(t)
	second.echo(t)
	data, err := os.ReadFile(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%d\n", second.pid); string(data) != want {
		t.Errorf("lock file after the restart holds %q; want %q", data, want)
	}
}

// badStartTest is a start that must fail: the launcher exits 1 and says why
// on one line, and no daemon is left running.
type badStartTest struct {
	name string
	// setup returns the launcher's lock file, port and extra environment.
	setup func(t *testing.T) (lockPath, port string, env []string)
	// want matches stderr; a group, if any, is the pid it names.
	want string
}

var badStartTests = []badStartTest{
	{
		name: "daemon fails",
		setup: func(t *testing.T) (string, string, []string) {
			return filepath.Join(t.TempDir(), "lisod.lock"), "0", []string{childEnv + "=fail"}
		},
		want: `^lisod-test: daemon: the daemon \(pid (\d+)\) could not start: told to fail; on two lines\n$`,
	},
	{
		name: "daemon exits without a word",
		setup: func(t *testing.T) (string, string, []string) {
			return filepath.Join(t.TempDir(), "lisod.lock"), "0", []string{childEnv + "=exit"}
		},
		want: `^lisod-test: daemon: the daemon \(pid (\d+)\) exited before it was ready \(exit status 3\)\n$`,
	},
	{
		name: "daemon hangs",
		setup: func(t *testing.T) (string, string, []string) {
			return filepath.Join(t.TempDir(), "lisod.lock"), "0", []string{childEnv + "=hang", timeoutEnv + "=200ms"}
		},
		want: `^lisod-test: daemon: the daemon \(pid (\d+)\) did not report ready within 200ms; killed it\n$`,
	},
	{
		name: "port in use",
		setup: func(t *testing.T) (string, string, []string) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			_, port, _ := net.SplitHostPort(l.Addr().String())
			return filepath.Join(t.TempDir(), "lisod.lock"), port, nil
		},
		want: `^lisod-test: cannot listen on 127\.0\.0\.1:\d+: bind: address already in use\n$`,
	},
	{
		name: "lock file's folder missing",
		setup: func(t *testing.T) (string, string, []string) {
			return filepath.Join(t.TempDir(), "missing", "lisod.lock"), "0", nil
		},
		want: `^lisod-test: daemon: creating lock file: open \S+: no such file or directory\n$`,
	},
}

func TestBadStart(t *testing.T) {
	for _, tt := range badStartTests {
		t.Run(tt.name, func(t *testing.T) {
			lockPath, port, env := tt.setup(t)
			r := start(t, lockPath, port, env...)
			if r.code != 1 || r.daemon != nil {
				t.Errorf("launcher: exit code %d, stdout %q; want 1 and no daemon", r.code, r.stdout)
			}
			m := regexp.MustCompile(tt.want).FindStringSubmatch(r.stderr)
			if m == nil {
				t.Fatalf("launcher's stderr = %q; want a match for %s", r.stderr, tt.want)
			}
			// The launcher reaped the daemon it started before it exited.
			if len(m) > 1 {
				if pid, _ := strconv.Atoi(m[1]); !gone(pid) {
					t.Errorf("daemon %d still exists after its launcher failed", pid)
				}
			}
			if _, err := os.Stat(filepath.Dir(lockPath)); err == nil && !lockIsFree(t, lockPath) {
				t.Errorf("lock file %s still locked after a failed start", lockPath)
			}
		})
	}
}

// TestSecondStartRefused starts a second lisod with the first one's lock
// file and port: it must name the running daemon, having taken the lock
// before trying the port.
func TestSecondStartRefused(t *testing.T) {
	lockPath := filepath.Join(t.TempDir(), "lisod.lock")
	first := start(t, lockPath, "0").mustStart(t)

	r := start(t, lockPath, first.port(t))
	want := fmt.Sprintf("lisod-test: daemon: already running (pid %d): lock file %s is held\n", first.pid, lockPath)
	if r.code != 1 || r.stderr != want {
		t.Errorf("second launcher: exit code %d, stderr %q; want 1, %q", r.code, r.stderr, want)
	}
	// The first daemon is untouched.
	first.echo(t)
	data, err := os.ReadFile(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%d\n", first.pid); string(data) != want {
		t.Errorf("lock file after the refused start holds %q; want %q", data, want)
	}
}

func TestResumeOutsideADaemon(t *testing.T) {
	if daemon.IsChild() {
		t.Fatal("IsChild() = true in the test process; want false")
	}
	if c, err := daemon.Resume(); err == nil {
		t.Errorf("Resume() in a process not started by Detach = %v, nil; want an error", c)
	}
}

func TestDetachErrors(t *testing.T) {
	lock, err := daemon.Lock(filepath.Join(t.TempDir(), "lisod.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := daemon.Detach(nil, nil, 0); err == nil {
		t.Error("Detach without a lock file succeeded; want an error")
	}
	if _, err := daemon.Detach(lock, []net.Listener{fakeListener{}}, 0); err == nil || !strings.Contains(err.Error(), "cannot hand") {
		t.Errorf("Detach with a listener that has no descriptor = %v; want 'cannot hand'", err)
	}
}

// fakeListener is a listener with no file descriptor to hand over, like a
// TLS listener.
type fakeListener struct{ net.Listener }

func (fakeListener) Addr() net.Addr { return &net.TCPAddr{} }
