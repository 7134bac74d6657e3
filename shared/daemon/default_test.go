package daemon_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"liso/shared/daemon"
)

type filesTest struct {
	name              string
	logFile, lockFile string // given; "" is not given
	wantLog, wantLock string // "STATE" and "RUNTIME" stand for the XDG folders
}

var lockName = "lisod-" + strconv.Itoa(os.Getuid()) + ".lock"

var filesTests = []filesTest{
	{"both given", "lisod.log", "lisod.lock", "lisod.log", "lisod.lock"},
	{"no log file", "", "lisod.lock", "STATE/liso/lisod.log", "lisod.lock"},
	{"no lock file", "lisod.log", "", "lisod.log", "RUNTIME/" + lockName},
	{"neither", "", "", "STATE/liso/lisod.log", "RUNTIME/" + lockName},
}

// TestFiles: a daemon keeps the files it is given and takes the defaults
// for the others, and the default log's folder exists afterwards (Open
// creates no folder).
func TestFiles(t *testing.T) {
	for _, tt := range filesTests {
		t.Run(tt.name, func(t *testing.T) {
			state, runtime := t.TempDir(), t.TempDir()
			t.Setenv("XDG_STATE_HOME", state)
			t.Setenv("XDG_RUNTIME_DIR", runtime)
			in := func(p string) string {
				switch dir, rest, _ := strings.Cut(p, "/"); dir {
				case "STATE":
					return filepath.Join(state, rest)
				case "RUNTIME":
					return filepath.Join(runtime, rest)
				}
				return p
			}
			log, lock, err := daemon.Files(tt.logFile, tt.lockFile)
			if err != nil || log != in(tt.wantLog) || lock != in(tt.wantLock) {
				t.Errorf("Files(%q, %q) = %q, %q, %v; want %q, %q", tt.logFile, tt.lockFile, log, lock, err, in(tt.wantLog), in(tt.wantLock))
			}
			_, err = os.Stat(filepath.Join(state, "liso"))
			if created := tt.logFile == ""; created == os.IsNotExist(err) {
				t.Errorf("Files(%q, %q): default log folder: %v; want it only when the default is taken", tt.logFile, tt.lockFile, err)
			}
		})
	}
}

// TestFilesWithoutHome: with no folder to put the default log in, Files
// says so and the launcher can ask for a log file.
func TestFilesWithoutHome(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", "")
	if _, _, err := daemon.Files("", "lisod.lock"); err == nil {
		t.Error(`Files("", "lisod.lock") without $HOME succeeded; want an error`)
	}
	if log, _, err := daemon.Files("lisod.log", "lisod.lock"); err != nil || log != "lisod.log" {
		t.Errorf(`Files("lisod.log", "lisod.lock") without $HOME = %q, %v; want the given file`, log, err)
	}
}

func TestHelpTexts(t *testing.T) {
	for _, tt := range []struct {
		name, state, home, runtime string
		wantLog, wantLock          string
	}{
		{"XDG folders", "/var/state", "/home/you", "/run/user/1000",
			"standard error in the foreground; for a daemon /var/state/liso/lisod.log",
			"none in the foreground; for a daemon /run/user/1000/" + lockName},
		{"no home folder", "", "", "/run/user/1000",
			"standard error in the foreground; for a daemon none (give one)",
			"none in the foreground; for a daemon /run/user/1000/" + lockName},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_STATE_HOME", tt.state)
			t.Setenv("HOME", tt.home)
			t.Setenv("XDG_RUNTIME_DIR", tt.runtime)
			if got := daemon.LogFileHelp(); got != tt.wantLog {
				t.Errorf("LogFileHelp() = %q; want %q", got, tt.wantLog)
			}
			if got := daemon.LockFileHelp(); got != tt.wantLock {
				t.Errorf("LockFileHelp() = %q; want %q", got, tt.wantLock)
			}
		})
	}
}
