package daemon

import (
	"fmt"
	"os"
	"path/filepath"
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
