package main

// lisod's own daemon tests: its default log and lock files, its messages,
// --help, LISO_HOME, the lock in the foreground. What the course asks of
// any daemon (the launcher's exit, the lock file, setsid, /dev/null, umask,
// SIGHUP, SIGTERM, one server per lock) is lisocheck's daemon stage, which
// TestLisocheck runs against lisod.

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"liso/shared/lisotest"
	"liso/tools/lisocheck/suite"
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

// readPID reads the lock file, which must hold lisod's pid and a newline
// and nothing else (lisocheck asks any server only for the first line).
func readPID(t *testing.T, lock string) int {
	t.Helper()
	pid, err := suite.LockPid(lock)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(lock); string(data) != strconv.Itoa(pid)+"\n" {
		t.Errorf("lock file holds %q; want the pid and a newline", data)
	}
	return pid
}

// waitGone waits, bounded, until pid has exited.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for suite.Alive(pid) {
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
	ports, err := suite.FreePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(ports[0]), strconv.Itoa(ports[1])
}

// TestLisocheckDaemonStrict runs the daemon's checks that go beyond the
// course (they run only with lisocheck --strict) against this
// checkpoint's lisod, which takes the lock and reports failures in the
// launcher. TestLisocheck runs the others.
func TestLisocheckDaemonStrict(t *testing.T) {
	var strict []suite.Check
	for _, ch := range suite.All() {
		if ch.Stage == suite.StageDaemon && ch.Strict {
			strict = append(strict, ch)
		}
	}
	if len(strict) == 0 {
		t.Fatal("the daemon's stage has no strict check")
	}
	tgt := startLisocheck(t)
	tgt.Strict = true
	suite.Test(t, tgt, strict, nil)
}

// TestDaemonReportsStartFailures: a daemon that cannot load its key pair
// makes the launcher fail at once with lisod's reason (exit code and time
// are daemon/start-failure-reported's too, for any server).
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
// the launcher's line names both. A second start on the same ports is
// refused for the lock, which lisod takes before it opens the ports, and
// names the running pid.
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

	httpPort, httpsPort := freePorts(t)
	out, code, _ := launchEnv(t, bin, env, "--bind", "127.0.0.1", httpPort, httpsPort)
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
	out, code, _ = launchEnv(t, bin, env, "--bind", "127.0.0.1", httpPort, httpsPort)
	if code == 0 || !strings.Contains(out, "already running (pid "+strconv.Itoa(pid)+")") || strings.Contains(out, "address already in use") {
		t.Errorf("second start: exit %d, output %q; want a refusal naming pid %d, not a port conflict", code, out, pid)
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
