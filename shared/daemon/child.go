package daemon

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Umask is the daemon's file creation mask, as in the course: files and
// folders it creates are at most rwxr-x---, never readable by others.
const Umask = 0o027

// IsChild reports whether this process is a daemon started by Detach, and
// so should call Resume instead of opening its own lock and listeners.
func IsChild() bool { return os.Getenv(childEnv) == "1" }

// Child is the daemon's side of Detach: the lock and listeners the launcher
// handed over, and the pipe on which to tell it whether starting worked.
type Child struct {
	lock      *LockFile      // held; its content is this process's pid
	listeners []net.Listener // in the order given to Detach

	mu     sync.Mutex
	report *os.File // write end of the launcher's pipe; nil once used; guarded by mu
}

// Resume takes over what Detach handed to this process: it sets the umask
// to Umask, writes this process's pid into the lock file, and turns the
// inherited sockets back into listeners. Then the daemon gets ready to
// serve and calls Ready, or Fail if it cannot.
//
// When Resume fails it has already told the launcher why; the caller only
// exits non-zero.
//
// The rest of the course's daemonize steps were done before this process
// started: Detach put it in a new session (setsid), with /dev/null as
// stdin, stdout and stderr, and no other descriptors than those above.
func Resume() (*Child, error) {
	if !IsChild() {
		return nil, errors.New("daemon: Resume: this process was not started by Detach")
	}
	lockPath, count := os.Getenv(lockEnv), os.Getenv(listenersEnv)
	n, nerr := strconv.Atoi(count)
	// The markers are for this process only, not for the programs it runs.
	for _, k := range []string{childEnv, listenersEnv, lockEnv} {
		os.Unsetenv(k)
	}
	syscall.Umask(Umask)

	report, err := inherit(readyFD, "report pipe", syscall.S_IFIFO)
	if err != nil {
		return nil, err // nobody to tell: the launcher will see us exit
	}
	c := &Child{report: report}
	if nerr != nil || n < 0 {
		err = fmt.Errorf("daemon: Resume: bad %s=%q", listenersEnv, count)
	} else {
		err = c.takeOver(lockPath, n)
	}
	if err != nil {
		c.Fail(err)
		c.closeAll()
		return nil, err
	}
	return c, nil
}

// takeOver recovers the lock file and n listeners.
func (c *Child) takeOver(lockPath string, n int) error {
	f, err := inherit(lockFD, lockPath, syscall.S_IFREG)
	if err != nil {
		return err
	}
	c.lock = &LockFile{f: f, path: lockPath}
	// The launcher locked this open file; locking it again through the same
	// open file changes nothing, and proves that we hold the lock.
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return fmt.Errorf("daemon: Resume: inherited lock file %s is not locked by us: %w", lockPath, err)
	}
	if err := c.lock.WritePID(os.Getpid()); err != nil {
		return err
	}
	for i := range n {
		f, err := inherit(listenersFD+i, fmt.Sprintf("listener %d", i), syscall.S_IFSOCK)
		if err != nil {
			return err
		}
		// FileListener works on its own duplicate of the descriptor
		// (close-on-exec, registered with the runtime's poller).
		l, err := net.FileListener(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("daemon: Resume: inherited listener %d: %w", i, err)
		}
		c.listeners = append(c.listeners, l)
	}
	return nil
}

// inherit returns descriptor fd as a file after checking that it is open
// and of the type the launcher gave (syscall.S_IFIFO, S_IFREG, S_IFSOCK).
// It sets close-on-exec on it: exec cleared the flag to pass it here, and
// the programs lisod runs (CGI scripts) must not inherit the lock or the
// listeners.
func inherit(fd int, name string, fileType uint32) (*os.File, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("daemon: Resume: descriptor %d (%s): %w", fd, name, err)
	}
	if uint32(st.Mode)&syscall.S_IFMT != fileType { // Mode is 16 bits on some systems
		return nil, fmt.Errorf("daemon: Resume: descriptor %d (%s) is not what Detach passes", fd, name)
	}
	syscall.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), name), nil
}

// Lock is the lock file, held for as long as this process lives. The daemon
// need not close it: the kernel releases it when the process exits.
func (c *Child) Lock() *LockFile { return c.lock }

// Listeners are the listening sockets the launcher opened, in the order it
// gave them to Detach.
func (c *Child) Listeners() []net.Listener { return c.listeners }

// Ready tells the launcher that the daemon serves, so that it exits 0. An
// error means the launcher is gone (killed while it waited); the daemon
// may serve on regardless.
func (c *Child) Ready() error {
	return c.send(readyReport)
}

// Fail tells the launcher that the daemon cannot start, and why; the
// launcher shows err to the user and exits non-zero. The daemon should then
// exit. Only the first of Ready and Fail is sent.
func (c *Child) Fail(err error) {
	msg := "unknown error"
	if err != nil && strings.TrimSpace(err.Error()) != "" {
		msg = err.Error()
	}
	// The report is one line, and never the word that means success.
	msg = strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", "; ")), " ")
	if msg == readyReport {
		msg = "failed: " + msg
	}
	c.send(msg)
}

// send writes the one-line report and closes the pipe.
func (c *Child) send(line string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.report == nil {
		return errors.New("daemon: the launcher has already been told")
	}
	_, err := c.report.WriteString(line + "\n")
	c.report.Close()
	c.report = nil
	if err != nil {
		return fmt.Errorf("daemon: reporting to the launcher: %w", err)
	}
	return nil
}

// closeAll releases what Resume had taken when it fails.
func (c *Child) closeAll() {
	for _, l := range c.listeners {
		l.Close()
	}
	if c.lock != nil {
		c.lock.Close()
	}
}
