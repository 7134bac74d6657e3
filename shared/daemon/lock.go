package daemon

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// LockMode is the lock file's permission, as in the course's daemonize.c:
// the owner reads and writes, the group reads, others nothing.
const LockMode fs.FileMode = 0o640

// LockFile is the lock that makes lisod a single instance. While a process
// holds it open, no other lisod can take it; the file's content is the pid
// of the running server and a newline, so `cat lisod.lock` finds it.
type LockFile struct {
	f    *os.File // open read-write; flock(LOCK_EX) held on its open file description
	path string
}

// RunningError is the error Lock returns when another process holds the
// lock. PID is the pid the file names, or 0 when it names none yet (the
// holder is a lisod still starting up).
type RunningError struct {
	PID  int
	Path string
}

// Error says who holds the lock, in the words the user reads on the terminal.
func (e *RunningError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("daemon: already running: lock file %s is held (no pid written yet: another lisod is starting)", e.Path)
	}
	return fmt.Sprintf("daemon: already running (pid %d): lock file %s is held", e.PID, e.Path)
}

// Lock takes the lock file at path, creating it with mode LockMode, or
// fails with a *RunningError naming the pid of the process that holds it.
// It empties the file, so that a pid left by a daemon that was killed is
// never shown as running; the process that serves writes its own pid with
// WritePID.
//
// The course locks with lockf(3), a POSIX record lock. Those belong to a
// process and are not passed on to the daemon that Detach starts; flock(2)
// locks belong to the open file, which the daemon inherits. The kernel
// drops the lock when the last process holding the file exits, however it
// dies, so a daemon killed with SIGKILL never blocks the next start.
func Lock(path string) (*LockFile, error) {
	if path == "" {
		return nil, errors.New("daemon: no lock file given")
	}
	f, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	// LOCK_NB: fail at once rather than wait for the running daemon to end.
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &RunningError{PID: readPID(f), Path: path}
		}
		return nil, fmt.Errorf("daemon: locking %s: %w", path, err)
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, fmt.Errorf("daemon: emptying lock file %s: %w", path, err)
	}
	return &LockFile{f: f, path: path}, nil
}

// openLockFile opens path read-write, creating it with mode LockMode. A new
// file gets that mode exactly: os.OpenFile's mode passes through the umask,
// and the launcher's umask is whatever the user's shell has.
func openLockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, LockMode)
	if err == nil {
		if err := f.Chmod(LockMode); err != nil {
			f.Close()
			return nil, fmt.Errorf("daemon: setting the mode of lock file %s: %w", path, err)
		}
		return f, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("daemon: creating lock file: %w", err)
	}
	// It exists: from an earlier run, or a running lisod.
	f, err = os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("daemon: opening lock file: %w", err)
	}
	return f, nil
}

// flock calls flock(2) on f, retrying when a signal interrupts it.
func flock(f *os.File, how int) error {
	raw, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	err = raw.Control(func(fd uintptr) {
		for {
			ferr = syscall.Flock(int(fd), how)
			if ferr != syscall.EINTR {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	return ferr
}

// maxPIDLine bounds what is read of a lock file: a pid is at most 7 digits
// on Linux, and whatever else the file holds is not ours to read.
const maxPIDLine = 64

// readPID returns the pid written in the lock file f, or 0 when it holds
// none (empty, or not a pid).
func readPID(f *os.File) int {
	buf := make([]byte, maxPIDLine)
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0
	}
	return parsePID(string(buf[:n]))
}

// parsePID reads the course's lock file format, "PID\n": a positive
// decimal number, exactly as WritePID writes it, on the first line.
// Anything else gives 0.
func parsePID(s string) int {
	line, _, _ := strings.Cut(s, "\n")
	pid, err := strconv.Atoi(line)
	if err != nil || pid <= 0 || strconv.Itoa(pid) != line {
		return 0
	}
	return pid
}

// Path is the lock file's name, as given to Lock.
func (l *LockFile) Path() string { return l.path }

// WritePID replaces the file's content with pid and a newline. The process
// that serves calls it: the daemon (Resume does), or lisod itself when it
// runs in the foreground.
func (l *LockFile) WritePID(pid int) error {
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("daemon: writing pid to %s: %w", l.path, err)
	}
	if _, err := l.f.WriteAt([]byte(strconv.Itoa(pid)+"\n"), 0); err != nil {
		return fmt.Errorf("daemon: writing pid to %s: %w", l.path, err)
	}
	return nil
}

// Close closes this process's copy of the lock file. The lock is released
// when no process holds the file open any more: after Detach, closing the
// launcher's copy leaves the daemon holding it. The file stays on disk:
// removing it at exit would open a race, in which a lisod that opened the
// old file just before locks it after the removal while a third creates
// and locks a new file of the same name, and both run.
func (l *LockFile) Close() error {
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("daemon: closing lock file %s: %w", l.path, err)
	}
	return nil
}
