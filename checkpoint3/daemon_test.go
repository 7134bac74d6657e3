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

	"liso/shared/lisotest"
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
	return launchEnv(t, bin, daemonEnv(home), args...)
}

// launchEnv is launch with the whole environment given.
func launchEnv(t *testing.T, bin string, env []string, args ...string) (string, int, time.Duration) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
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

// TestDaemonDefaultLogAndLock: a daemon given neither a log file nor a
// lock file logs to the default file and locks the default lock file, and
// the launcher's line names both.
func TestDaemonDefaultLogAndLock(t *testing.T) {
	bin := buildLisod(t)
	runtime, state, home := t.TempDir(), t.TempDir(), t.TempDir()
	env := append(daemonEnv(home), "XDG_RUNTIME_DIR="+runtime, "XDG_STATE_HOME="+state)
	lock := filepath.Join(runtime, "lisod-"+strconv.Itoa(os.Getuid())+".lock")
	logPath := filepath.Join(state, "liso", "lisod.log")
	var pid int
	t.Cleanup(func() {
		if pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})

	out, code, _ := launchEnv(t, bin, env, "--bind", "127.0.0.1", "0", "0")
	if code != 0 {
		t.Fatalf("launcher: exit %d; output:\n%s", code, out)
	}
	pid = readPID(t, lock)
	if want := "; log file " + logPath + ", lock file " + lock + "\n"; !strings.HasSuffix(out, want) {
		t.Errorf("launcher said %q; want it to end with %q", out, want)
	}
	if st, err := os.Stat(filepath.Dir(logPath)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("log folder: %v, %v; want mode 0700", st, err)
	}
	// A second daemon finds the first through the default lock.
	out, code, _ = launchEnv(t, bin, env, "--bind", "127.0.0.1", "0", "0")
	if code == 0 || !strings.Contains(out, "already running (pid "+strconv.Itoa(pid)+")") {
		t.Errorf("second start: exit %d, output %q; want a refusal naming pid %d", code, out, pid)
	}
	syscall.Kill(pid, syscall.SIGTERM)
	waitGone(t, pid)
	pid = 0
	logText, _ := os.ReadFile(logPath)
	for _, want := range []string{`msg="lisod started"`, "msg=stopped"} {
		if !strings.Contains(string(logText), want) {
			t.Errorf("the default log lacks %s:\n%s", want, logText)
		}
	}
}

// TestFailedBindSaysOnlyWhy: a lisod that cannot open its ports says so and
// nothing else, and creates no development CA, as a daemon and in the
// foreground.
func TestFailedBindSaysOnlyWhy(t *testing.T) {
	bin := buildLisod(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := strconv.Itoa(taken.Addr().(*net.TCPAddr).Port)
	for _, mode := range [][]string{{}, {"--foreground"}} {
		dir, home := t.TempDir(), t.TempDir()
		args := append(mode, "--bind", "127.0.0.1", "--lock-file", filepath.Join(dir, "lock"), "--log-file", filepath.Join(dir, "log"), "0", port)
		out, code, _ := launch(t, bin, home, args...)
		want := "lisod: cannot listen on 127.0.0.1:" + port + ": bind: address already in use"
		if code != 1 || !strings.HasPrefix(out, want) || strings.Count(out, "\n") != 1 {
			t.Errorf("lisod %v: exit %d, output %q; want exit 1 and one line starting %q", mode, code, out, want)
		}
		if _, err := os.Stat(filepath.Join(home, "ca")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("lisod %v: a failed start created the CA folder (%v)", mode, err)
		}
	}
}

// TestForegroundLock: in the foreground lisod takes a lock only when given
// one; then a second refuses, as a daemon would.
func TestForegroundLock(t *testing.T) {
	runtime := t.TempDir()
	lock := filepath.Join(t.TempDir(), "lisod.lock")
	first := startForeground(t, "--lock-file", lock, "0", "0")
	if pid := readPID(t, lock); pid != first.Cmd.Process.Pid {
		t.Errorf("lock file holds pid %d; want the foreground lisod's, %d", pid, first.Cmd.Process.Pid)
	}
	second := lisotest.Start(t, []string{"LISO_HOME=" + t.TempDir()}, "--foreground", "--bind", "127.0.0.1", "--lock-file", lock, "0", "0")
	if code := second.Wait(t, hangGuard); code != 1 || !strings.Contains(second.Stderr(), "already running (pid "+strconv.Itoa(first.Cmd.Process.Pid)+")") {
		t.Errorf("second foreground lisod on the same lock: exit %d, stderr %q; want 1 naming the first", code, second.Stderr())
	}
	// Without a lock file, two run at once, even with a default lock
	// folder set: the default lock is a daemon's only.
	t.Setenv("XDG_RUNTIME_DIR", runtime)
	startForeground(t)
	startForeground(t)
	if entries, _ := os.ReadDir(runtime); len(entries) != 0 {
		t.Errorf("foreground lisods without --lock-file wrote %v", entries)
	}
}

// TestHelpShowsDefaults: --help shows the defaults as they are for this
// user: log and lock files, development key, certificate and CA.
func TestHelpShowsDefaults(t *testing.T) {
	bin := buildLisod(t)
	runtime, state, home := t.TempDir(), t.TempDir(), t.TempDir()
	env := append(daemonEnv(home), "XDG_RUNTIME_DIR="+runtime, "XDG_STATE_HOME="+state)
	out, code, _ := launchEnv(t, bin, env, "--help")
	help := strings.Join(strings.Fields(out), " ") // kong wraps lines anywhere
	for _, want := range []string{
		"(default: 8080;",
		"(default: 8443;",
		"for a daemon " + filepath.Join(state, "liso", "lisod.log"),
		"for a daemon " + filepath.Join(runtime, "lisod-"+strconv.Itoa(os.Getuid())+".lock"),
		"the development key " + filepath.Join(home, "server.key"),
		"the development certificate " + filepath.Join(home, "server.crt"),
		"local CA in " + filepath.Join(home, "ca"),
	} {
		if code != 0 || !strings.Contains(help, want) {
			t.Errorf("lisod --help: exit %d, lacks %q:\n%s", code, want, out)
		}
	}
}

// TestUnusableHome: a development pair that cannot be written says what
// to do, in one line, after the ports were opened and closed again.
func TestUnusableHome(t *testing.T) {
	bin := buildLisod(t)
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, code, _ := launch(t, bin, filepath.Join(file, "liso"), "--foreground", "--bind", "127.0.0.1", "0", "0")
	want := "set LISO_HOME to a folder you can write, or give a private key and certificate)\n"
	if code != 1 || !strings.HasSuffix(out, want) || strings.Count(out, "\n") != 1 {
		t.Errorf("exit %d, output %q; want exit 1 and one line ending %q", code, out, want)
	}
}
