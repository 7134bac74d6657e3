package main

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildLisod builds checkpoint 3 into a temporary folder, as a student
// would, and returns the binary's path.
func buildLisod(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lisod")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// daemonEnv keeps the daemon's certificates in a temporary home.
func daemonEnv(home string) []string {
	return append(os.Environ(), "LISO_HOME="+home, "LISO_CA_DIR=")
}

// launch runs the launching lisod to its exit, returning its output, exit
// code and how long it took.
func launch(t *testing.T, bin, home string, args ...string) (string, int, time.Duration) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = daemonEnv(home)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return out.String(), cmd.ProcessState.ExitCode(), took
}

func readPID(t *testing.T, lock string) int {
	t.Helper()
	data, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(data), "\n") || strings.Count(string(data), "\n") != 1 {
		t.Errorf("lock file holds %q; want the pid and a newline", data)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("lock file holds %q: %v", data, err)
	}
	return pid
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// waitGone waits, bounded, until pid has exited.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still running", pid)
		}
		time.Sleep(10 * time.Millisecond) // polling /proc, bounded
	}
}

// freePorts asks the kernel for two free ports; the daemon needs fixed
// ones, as the course's graders give it.
func freePorts(t *testing.T) (string, string) {
	t.Helper()
	var ports []string
	for range 2 {
		l, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
		l.Close()
	}
	return ports[0], ports[1]
}

func TestDaemon(t *testing.T) {
	bin := buildLisod(t)
	dir, home := t.TempDir(), t.TempDir()
	lock, logPath := filepath.Join(dir, "lisod.lock"), filepath.Join(dir, "lisod.log")
	httpPort, httpsPort := freePorts(t)
	args := []string{"--bind", "127.0.0.1", httpPort, httpsPort, logPath, lock, "", "", "", ""}
	var pid int
	t.Cleanup(func() {
		if pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})

	out, code, took := launch(t, bin, home, args...)
	if code != 0 || took > 2*time.Second {
		t.Fatalf("launcher: exit %d after %v; want 0 within 2s (the course's rule); output:\n%s", code, took, out)
	}
	t.Logf("launcher exited 0 after %v", took)
	pid = readPID(t, lock)
	if !alive(pid) {
		t.Fatalf("pid %d from the lock file is not running", pid)
	}
	resp, err := http.Get("http://127.0.0.1:" + httpPort + "/style.css")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the daemon does not serve: %v %v", resp, err)
	}
	resp.Body.Close()

	proc := "/proc/" + strconv.Itoa(pid)
	stat, _ := os.ReadFile(proc + "/stat")
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	// Fields after the command: state, ppid, pgrp, session, tty_nr.
	if fields[3] != strconv.Itoa(pid) || fields[4] != "0" {
		t.Errorf("session %s, tty %s; want session %d (a session leader) and no terminal", fields[3], fields[4], pid)
	}
	for fd := range 3 {
		if target, _ := os.Readlink(proc + "/fd/" + strconv.Itoa(fd)); target != "/dev/null" {
			t.Errorf("fd %d -> %q; want /dev/null", fd, target)
		}
	}
	status, _ := os.ReadFile(proc + "/status")
	if !strings.Contains(string(status), "Umask:\t0027") {
		t.Errorf("umask is not 027:\n%s", status)
	}
	if st, err := os.Stat(lock); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("lock file mode %v, %v; want 0640", st.Mode().Perm(), err)
	}

	// A second lisod on the same lock file refuses, naming the pid.
	out, code, _ = launch(t, bin, home, args...)
	if code == 0 || !strings.Contains(out, "already running (pid "+strconv.Itoa(pid)+")") || strings.Contains(out, "address already in use") {
		t.Errorf("second start: exit %d, output %q; want a refusal naming pid %d", code, out, pid)
	}

	// SIGKILL leaves a stale lock file; the next start must work anyway.
	syscall.Kill(pid, syscall.SIGKILL)
	waitGone(t, pid)
	out, code, _ = launch(t, bin, home, args...)
	if code != 0 {
		t.Fatalf("start after SIGKILL: exit %d:\n%s", code, out)
	}
	pid = readPID(t, lock)

	// SIGTERM: a graceful stop, nothing left behind.
	syscall.Kill(pid, syscall.SIGTERM)
	waitGone(t, pid)
	pid = 0
	logText, _ := os.ReadFile(logPath)
	if !strings.Contains(string(logText), "msg=stopped") {
		t.Errorf("the daemon's log does not show a graceful stop:\n%s", logText)
	}
}

func TestDaemonReportsStartFailures(t *testing.T) {
	bin := buildLisod(t)
	dir, home := t.TempDir(), t.TempDir()
	httpPort, httpsPort := freePorts(t)
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("not a key"), 0o600)
	out, code, took := launch(t, bin, home, "--bind", "127.0.0.1", httpPort, httpsPort, filepath.Join(dir, "log"), filepath.Join(dir, "lock"), "", "", bad, bad)
	if code == 0 || !strings.Contains(out, "TLS key pair") || took > 2*time.Second {
		t.Errorf("bad certificate: exit %d after %v, output %q; want a quick failure naming the key pair", code, took, out)
	}
}
