package daemon

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultTimeout is how long Detach waits for the daemon's report when
// given no timeout. It only bounds a daemon that hangs while starting: the
// course's graders want the launching process gone within two seconds, so
// the daemon must report quickly (it takes milliseconds; slow work such as
// generating keys belongs in the launcher, before Detach).
const DefaultTimeout = 5 * time.Second

// The environment tells a re-executed lisod that it is the daemon, how
// many listeners it was handed, and the lock file's name (for messages).
const (
	childEnv     = "LISOD_DAEMON_CHILD"
	listenersEnv = "LISOD_DAEMON_LISTENERS"
	lockEnv      = "LISOD_DAEMON_LOCK"
)

// The descriptors the daemon finds open, after 0-2 (/dev/null). Listeners
// come last, as many as listenersEnv says.
const (
	readyFD     = 3 // write end of the pipe to the launcher
	lockFD      = 4 // the lock file, locked
	listenersFD = 5 // the first listening socket
)

// maxReport bounds the one line the daemon writes to the launcher.
const maxReport = 4096

// readyReport is what the daemon writes when it serves; any other line is
// the reason it cannot start.
const readyReport = "ok"

// Detach starts lisod again as a daemon and returns its pid once it
// reports that it serves. The caller, the launching lisod, then exits 0.
// On error nothing is left running and the caller exits non-zero, showing
// the error, which carries the daemon's own reason when it gave one.
//
// The daemon runs this same executable with the same arguments and working
// folder (the course does not chdir("/") either, and relative paths in the
// arguments stay valid), in a new session, with /dev/null for stdin,
// stdout and stderr. It receives lock (taken with Lock) and listeners
// (opened by the caller, so that a port in use is reported on the
// terminal), and finds them with Resume. Listeners must be
// *net.TCPListener or *net.UnixListener: wrap them (TLS) in the daemon.
// The caller still owns lock and listeners and closes them; the daemon
// holds its own copies.
//
// Detach waits up to timeout (DefaultTimeout when 0) for the daemon to call
// Ready or Fail; a daemon that does neither in time is killed.
//
// Detach marks every descriptor of this process close-on-exec (see
// closeStrayFiles): call it last, just before exiting.
func Detach(lock *LockFile, listeners []net.Listener, timeout time.Duration) (pid int, err error) {
	if lock == nil {
		return 0, errors.New("daemon: a daemon needs a lock file")
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)

	exe, err := os.Executable()
	if err != nil {
		return 0, fmt.Errorf("daemon: finding this program's executable: %w", err)
	}
	sockets, err := listenerFiles(listeners)
	if err != nil {
		return 0, err
	}
	defer closeAll(sockets)
	// The daemon reports on a pipe: "ok", or why it cannot start.
	report, ready, err := os.Pipe()
	if err != nil {
		return 0, fmt.Errorf("daemon: creating the report pipe: %w", err)
	}
	defer report.Close()
	defer ready.Close()
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return 0, fmt.Errorf("daemon: opening %s: %w", os.DevNull, err)
	}
	defer null.Close()
	closeStrayFiles()

	cmd := &exec.Cmd{
		Path: exe,
		Args: os.Args, // argv[0] as the user typed it, so ps shows "lisod ..."
		Env:  childEnviron(os.Environ(), lock.path, len(listeners)),
		// The course's "close stdin, stdout, stderr, open /dev/null and
		// dup it twice".
		Stdin:  null,
		Stdout: null,
		Stderr: null,
		// Descriptors 3, 4, 5...: see readyFD, lockFD, listenersFD.
		ExtraFiles: append([]*os.File{ready, lock.f}, sockets...),
		// The course's fork + setsid: the child starts in a new session,
		// away from our terminal and its signals (Ctrl-C, hang-up).
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("daemon: starting the daemon: %w", err)
	}
	pid = cmd.Process.Pid
	// Keep only the daemon's copy of the write end: when the daemon exits
	// without a word, reading the pipe then ends instead of waiting.
	ready.Close()

	line, err := readReport(report, deadline)
	if err == nil && line == readyReport {
		// The course's "parent exits": the daemon is orphaned, and init
		// (or the nearest subreaper) becomes its parent and reaps it.
		cmd.Process.Release()
		return pid, nil
	}
	// The daemon failed: make sure it is gone before we report.
	status := stop(cmd, deadline)
	return 0, notReady(pid, line, err, status, timeout)
}

// notReady says why the daemon pid did not report ready: its report line
// (or the error reading it), and status, how it ended once stopped.
func notReady(pid int, line string, err error, status string, timeout time.Duration) error {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("daemon: the daemon (pid %d) did not report ready within %v; killed it", pid, timeout)
	case err != nil:
		return fmt.Errorf("daemon: reading the daemon's report: %w", err)
	case line == "":
		return fmt.Errorf("daemon: the daemon (pid %d) exited before it was ready (%s)", pid, status)
	default:
		return fmt.Errorf("daemon: the daemon (pid %d) could not start: %s", pid, line)
	}
}

// listenerFiles returns a descriptor for each listener, to hand to the
// daemon.
func listenerFiles(listeners []net.Listener) ([]*os.File, error) {
	var files []*os.File
	for _, l := range listeners {
		fl, ok := l.(interface{ File() (*os.File, error) })
		if !ok {
			closeAll(files)
			return nil, fmt.Errorf("daemon: cannot hand a %T to the daemon; pass the TCP listener and wrap it there", l)
		}
		f, err := fl.File()
		if err != nil {
			closeAll(files)
			return nil, fmt.Errorf("daemon: handing listener %s to the daemon: %w", l.Addr(), err)
		}
		files = append(files, f)
	}
	return files, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// childEnviron is env with the markers that make the new process the
// daemon, replacing any already there.
func childEnviron(env []string, lockPath string, listeners int) []string {
	markers := []string{
		childEnv + "=1",
		listenersEnv + "=" + strconv.Itoa(listeners),
		lockEnv + "=" + lockPath,
	}
	out := make([]string, 0, len(env)+len(markers))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if name != childEnv && name != listenersEnv && name != lockEnv {
			out = append(out, kv)
		}
	}
	return append(out, markers...)
}

// readReport reads the daemon's one line, waiting until deadline for the
// daemon to close the pipe, which it does right after writing: so when
// Detach returns, the daemon holds nothing of the launcher's. An empty
// line means the daemon closed the pipe without writing (it died).
func readReport(r *os.File, deadline time.Time) (string, error) {
	if err := r.SetReadDeadline(deadline); err != nil {
		return "", err
	}
	data, err := io.ReadAll(io.LimitReader(r, maxReport))
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return line, nil
}

// stop waits until deadline for the failed daemon to exit, kills it if it
// has not, reaps it, and describes how it ended.
func stop(cmd *exec.Cmd, deadline time.Time) string {
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-exited:
	case <-timer.C:
		cmd.Process.Kill()
		<-exited
	}
	return cmd.ProcessState.String()
}
