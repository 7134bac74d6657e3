package daemon

import (
	"fmt"
	"os"
	"path/filepath"

	"liso/shared/logfile"
)

// DefaultLockPath is the lock file of a daemon that was given none: a
// daemon always takes a lock, since it is how a second lisod knows one is
// running and how the user finds the daemon's pid. It is lisod-UID.lock in
// $XDG_RUNTIME_DIR (the per-user folder for sockets and locks, emptied at
// logout), else in the temporary folder, where the user id in the name
// keeps two users' daemons apart.
func DefaultLockPath() string {
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" || !filepath.IsAbs(dir) {
		dir = os.TempDir()
	}
	return filepath.Join(dir, fmt.Sprintf("lisod-%d.lock", os.Getuid()))
}

// Files returns the log file and the lock file of a daemon: logFile and
// lockFile when given, and for those that are "" the defaults,
// logfile.DefaultPath (whose folder it creates) and DefaultLockPath. A
// daemon always has both: its standard error is /dev/null, so it must log
// to a file, and its lock is how its pid is found. A lisod in the
// foreground takes neither default; it logs to standard error.
//
// The launcher and the daemon both call Files, and find the same paths:
// both are absolute and depend only on the environment, which the daemon
// inherits.
func Files(logFile, lockFile string) (log, lock string, err error) {
	if lockFile == "" {
		lockFile = DefaultLockPath()
	}
	if logFile == "" {
		if logFile, err = logfile.DefaultPath(); err != nil {
			return "", "", err
		}
		if err := logfile.MakeDir(logFile); err != nil {
			return "", "", err
		}
	}
	return logFile, lockFile, nil
}

// LogFileHelp describes for lisod --help the log file a lisod given none
// uses.
func LogFileHelp() string {
	path, err := logfile.DefaultPath()
	if err != nil {
		path = "none (give one)"
	}
	return "standard error in the foreground; for a daemon " + path
}

// LockFileHelp describes for lisod --help the lock file a lisod given none
// uses.
func LockFileHelp() string {
	return "none in the foreground; for a daemon " + DefaultLockPath()
}
