//go:build linux

package daemon_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"liso/shared/daemon"
)

// hangGuard bounds every wait, so that a broken daemon fails a test instead
// of hanging it. It is never how long a passing test waits.
const hangGuard = 20 * time.Second

// graderLimit is the course graders' bound on the launching process: it
// must have exited, the daemon serving, within two seconds.
const graderLimit = 2 * time.Second

// launch is one run of the test program's launcher.
type launch struct {
	code    int
	stdout  string
	stderr  string
	elapsed time.Duration // from starting the launcher to its exit
	daemon  *daemonProc   // nil unless the launcher reported a daemon
	stray   string        // the file the launcher had open by accident
}

// strayFD is where the launcher finds a descriptor it should not pass on.
const strayFD = 12

// startedRE matches the launcher's report of a daemon that serves.
var startedRE = regexp.MustCompile(`^daemon pid (\d+) listening on (\S+ \S+)\n$`)

// start runs the launcher on lockPath and port with env added to its
// environment, and waits for it to exit. A daemon it started is killed at
// the end of the test.
//
// The launcher inherits a descriptor without close-on-exec, the kind a
// careless parent leaks, as its fd strayFD: the file launch.stray. Tests
// check that it does not reach the daemon.
func start(t *testing.T, lockPath, port string, env ...string) launch {
	t.Helper()
	strayPath := filepath.Join(t.TempDir(), "stray-descriptor")
	stray, err := os.OpenFile(strayPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer stray.Close()

	cmd := exec.Command(os.Args[0], lockPath, port)
	// Under -race a program sleeps a second before it exits, to catch late
	// races (GORACE's atexit_sleep_ms); that second is not the launcher's.
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	cmd.Env = append(os.Environ(), programEnv+"=1", "GORACE="+gorace)
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Not at fd 3: the daemon's own fd 3 would replace it.
	cmd.ExtraFiles = make([]*os.File, strayFD-3+1)
	cmd.ExtraFiles[strayFD-3] = stray
	// Like a user at a terminal: the launcher reads from one, which is its
	// controlling terminal. The daemon must leave it behind.
	if tty := openTerminal(t); tty != nil {
		cmd.Stdin = tty
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	}
	// Should the daemon wrongly keep the launcher's output pipes, Wait
	// returns anyway, and the test of its descriptors says why.
	cmd.WaitDelay = time.Second
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	select {
	case <-exited:
	case <-time.After(hangGuard):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("launcher still running after %v; stderr:\n%s", hangGuard, stderr.String())
	}
	r := launch{
		code:    cmd.ProcessState.ExitCode(),
		stdout:  stdout.String(),
		stderr:  stderr.String(),
		elapsed: time.Since(began),
		stray:   strayPath,
	}
	if m := startedRE.FindStringSubmatch(r.stdout); m != nil {
		pid, _ := strconv.Atoi(m[1])
		r.daemon = adopt(t, pid, strings.Fields(m[2]))
	}
	return r
}

// mustStart checks that the launch succeeded the way the graders want, and
// returns the daemon.
func (r launch) mustStart(t *testing.T) *daemonProc {
	t.Helper()
	if r.code != 0 || r.daemon == nil || r.stderr != "" {
		t.Fatalf("launcher: exit code %d, stdout %q, stderr %q; want 0, a daemon, nothing on stderr", r.code, r.stdout, r.stderr)
	}
	t.Logf("launcher exited %v after it started, the daemon (pid %d) serving", r.elapsed.Round(time.Millisecond), r.daemon.pid)
	if r.elapsed >= graderLimit {
		t.Errorf("launcher took %v; the course's graders allow %v", r.elapsed, graderLimit)
	}
	return r.daemon
}

// openTerminal opens a pseudo-terminal (pty(7)) and returns its terminal
// side, or nil, logged, where the system has none.
func openTerminal(t *testing.T) *os.File {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Logf("no pseudo-terminal, the launcher runs without one: %v", err)
		return nil
	}
	t.Cleanup(func() { ptmx.Close() })
	var n uint32
	if err := ioctl(ptmx, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatalf("ioctl(TIOCGPTN): %v", err)
	}
	var unlock int32
	if err := ioctl(ptmx, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatalf("ioctl(TIOCSPTLCK): %v", err)
	}
	// O_NOCTTY: the terminal becomes the launcher's, never the test's.
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return tty
}

func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

// daemonProc is a daemon started by a launcher. TestMain made this process
// a subreaper, so the daemon became our child when its launcher exited: we
// can wait for it and read its exit status.
type daemonProc struct {
	pid    int
	addrs  []string         // its listeners, in the order the launcher gave them
	proc   *os.Process      // holds a pidfd: a signal never reaches a reused pid
	exited chan struct{}    // closed once the daemon has been reaped
	state  *os.ProcessState // valid after exited is closed
	err    error            // of Wait; valid after exited is closed
}

func adopt(t *testing.T, pid int, addrs []string) *daemonProc {
	t.Helper()
	p, err := os.FindProcess(pid)
	if err != nil {
		t.Fatalf("FindProcess(%d): %v", pid, err)
	}
	d := &daemonProc{pid: pid, addrs: addrs, proc: p, exited: make(chan struct{})}
	go func() {
		d.state, d.err = p.Wait()
		close(d.exited)
	}()
	t.Cleanup(func() {
		d.proc.Kill()
		select {
		case <-d.exited:
		case <-time.After(hangGuard):
			t.Errorf("daemon %d survived SIGKILL for %v", pid, hangGuard)
		}
	})
	return d
}

// wait waits for the daemon to exit and returns how it ended.
func (d *daemonProc) wait(t *testing.T) *os.ProcessState {
	t.Helper()
	select {
	case <-d.exited:
	case <-time.After(hangGuard):
		t.Fatalf("daemon %d still running after %v", d.pid, hangGuard)
	}
	if d.err != nil {
		t.Fatalf("waiting for daemon %d: %v", d.pid, d.err)
	}
	return d.state
}

func (d *daemonProc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := d.proc.Signal(sig); err != nil {
		t.Fatalf("sending %v to daemon %d: %v", sig, d.pid, err)
	}
}

// port is the daemon's first port, as the argument for another start.
func (d *daemonProc) port(t *testing.T) string {
	t.Helper()
	_, port, err := net.SplitHostPort(d.addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// echo checks that the daemon serves on each of its listeners, which it
// names: what is sent comes back.
func (d *daemonProc) echo(t *testing.T) {
	t.Helper()
	for i, addr := range d.addrs {
		c, err := net.DialTimeout("tcp", addr, hangGuard)
		if err != nil {
			t.Fatalf("connecting to the daemon: %v", err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(hangGuard))
		const msg = "are you there?\n"
		if _, err := io.WriteString(c, msg); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("listener %d\n", i) + msg
		got := make([]byte, len(want))
		if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
			t.Fatalf("answer from the daemon on %s = %q, %v; want %q", addr, got, err, want)
		}
	}
}

// procStat is what /proc/PID/stat says of a process's place among the
// others (proc(5)).
type procStat struct {
	PGrp    int // process group
	Session int // session id: the pid of the session leader
	TTY     int // controlling terminal's device number; 0 for none
}

func readProcStat(t *testing.T, pid int) procStat {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// "pid (comm) state ppid pgrp session tty_nr ...": comm may hold
	// spaces and parentheses, so split after its closing parenthesis.
	i := bytes.LastIndexByte(data, ')')
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 5 {
		t.Fatalf("/proc/%d/stat: too short: %q", pid, data)
	}
	num := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("/proc/%d/stat: %q: %v", pid, data, err)
		}
		return n
	}
	return procStat{PGrp: num(f[2]), Session: num(f[3]), TTY: num(f[4])}
}

// readUmask returns the "Umask:" line's value from /proc/PID/status.
func readUmask(t *testing.T, pid int) string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("/proc/%d/status has no Umask line", pid)
	return ""
}

// readFDs returns what each of the process's descriptors refers to, as
// readlink(/proc/PID/fd/N) says: a path, "socket:[inode]",
// "anon_inode:[eventpoll]"...
func readFDs(t *testing.T, pid int) map[int]string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fds := make(map[int]string)
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fds[fd] = target
	}
	return fds
}

// closeOnExec reports whether the process's descriptor fd has O_CLOEXEC,
// from the "flags:" line (octal) of /proc/PID/fdinfo/FD.
func closeOnExec(t *testing.T, pid, fd int) bool {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", pid, fd))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			if err != nil {
				t.Fatalf("/proc/%d/fdinfo/%d: %q: %v", pid, fd, line, err)
			}
			return flags&syscall.O_CLOEXEC != 0
		}
	}
	t.Fatalf("/proc/%d/fdinfo/%d has no flags line", pid, fd)
	return false
}

// describeFDs lists descriptors in order, one a line, for messages.
func describeFDs(fds map[int]string) string {
	var keys []int
	for fd := range fds {
		keys = append(keys, fd)
	}
	sort.Ints(keys)
	var b strings.Builder
	for _, fd := range keys {
		fmt.Fprintf(&b, "\n  %d -> %s", fd, fds[fd])
	}
	return b.String()
}

// lockIsFree reports whether no process holds the lock file. Taking the
// lock empties the file, so call it only when its content has been read.
func lockIsFree(t *testing.T, path string) bool {
	t.Helper()
	l, err := daemon.Lock(path)
	var running *daemon.RunningError
	switch {
	case err == nil:
		l.Close()
		return true
	case errors.As(err, &running):
		return false
	default:
		t.Fatalf("Lock(%q) = %v", path, err)
		return false
	}
}

// gone reports whether no process has the given pid.
func gone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
