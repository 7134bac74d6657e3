package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"liso/tools/lisocheck/suite"
)

// The jail's cases are lisocheck's checks (robust/jail/...), which
// TestLisocheck runs against lisod. What stays here is what a check
// cannot see of a server that daemonizes: the exit code.

// TestJailSpecialFiles: after requests for a named pipe in the www folder
// (refused at once: opening one for reading waits for a writer), lisod in
// the foreground still stops on SIGTERM, with exit code 0: no request is
// stuck in open(2).
func TestJailSpecialFiles(t *testing.T) {
	www := hardSite(t)
	hardMust(t, syscall.Mkfifo(filepath.Join(www, "pipe"), 0o644))
	f := startHardened(t, www)
	for _, target := range []string{"/pipe", "/pipe/", "/%70ipe"} {
		r, raw, err := suite.Get(f.http, "GET", target)
		if err != nil || r.Status != 404 {
			t.Errorf("%q: %v, %v; want 404", raw, r.Head(), err)
		}
	}
	f.Signal(t, syscall.SIGTERM)
	if code := f.Wait(t, 10*time.Second); code != 0 {
		t.Errorf("lisod exited with %d after SIGTERM; want 0", code)
	}
	// Free a reader that might still wait on the pipe, before the folder
	// is removed.
	if p, err := os.OpenFile(filepath.Join(www, "pipe"), os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		p.Close()
	}
}
