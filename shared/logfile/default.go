package logfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// DefaultName is the default log file's name inside DefaultDir.
const DefaultName = "lisod.log"

// DefaultPath is the log file of a daemon that was given none
// (checkpoint 3): a daemon's standard error is /dev/null, so it must log to
// a file. It is $XDG_STATE_HOME/liso/lisod.log, else
// ~/.local/state/liso/lisod.log: the XDG Base Directory specification's
// place for state that outlives a run but is not worth backing up, such as
// logs. A relative XDG_STATE_HOME is ignored, as the specification asks.
// The result is absolute, so the daemon finds the same file as the
// launcher whatever its working folder.
func DefaultPath() (string, error) {
	if x := os.Getenv("XDG_STATE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "liso", DefaultName), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("logfile: finding the default log folder: %w (give a log file)", err)
	}
	return filepath.Join(home, ".local", "state", "liso", DefaultName), nil
}

// MakeDir creates the folder that holds the log file path, if missing,
// readable by its owner only (mode 0700, as the XDG specification asks of
// its folders). It is for DefaultPath: Open creates no folders, so that a
// mistyped log file the user named is reported, not created.
func MakeDir(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("logfile: creating the log folder: %w", err)
	}
	return nil
}
