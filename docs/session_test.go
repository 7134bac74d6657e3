package docs_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// session is the folder, environment and server one page runs with.
type session struct {
	dir    string   // the working folder, like the repository
	env    []string // for every command
	server *server  // the running server, if any
}

// prelude makes "go run ./X" and "go build -o OUT ./X" use the test's
// binaries; bash reads it through BASH_ENV before each block.
const prelude = `go() {
	case "$1" in
	run)
		local bin="$DOCTEST_BIN/${2##*/}"
		if [ ! -x "$bin" ]; then echo "doc-test: no binary for go run $2" >&2; return 127; fi
		shift 2
		if [ -n "$DOCTEST_EXEC" ]; then exec "$bin" "$@"; fi
		"$bin" "$@"
		;;
	build)
		if [ "$2" = -o ] && [ -x "$DOCTEST_BIN/${4##*/}" ]; then cp "$DOCTEST_BIN/${4##*/}" "$3"; return; fi
		command go "$@"
		;;
	*) command go "$@" ;;
	esac
}
`

func newSession(t *testing.T, bin string) *session {
	t.Helper()
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "liso")
	if err := mirrorRepo(dir); err != nil {
		t.Fatal(err)
	}
	// LISO_HOME ends like the default, ~/.local/share/liso, so that the
	// paths lisod prints end as the pages show them.
	home := filepath.Join(tmp, "home", ".local", "share", "liso")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	preludeFile := filepath.Join(tmp, "prelude.sh")
	if err := os.WriteFile(preludeFile, []byte(prelude), 0o644); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "LISOD_") || strings.HasPrefix(name, "LISO_") || name == "BASH_ENV" || name == "LC_ALL" {
			continue // settings of the developer's own lisod
		}
		env = append(env, kv)
	}
	env = append(env, "LISO_HOME="+home, "BASH_ENV="+preludeFile, "DOCTEST_BIN="+bin, "LC_ALL=C")
	s := &session{dir: dir, env: env}
	t.Cleanup(func() {
		s.killServer()
		killDaemons(dir)
	})
	return s
}

// mirrorRepo makes dir look like the repository: its top-level entries are
// symbolic links, but examples/ is copied (without flaskr's data), and
// flaskr gets an empty instance/ folder of its own.
func mirrorRepo(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return err
	}
	for _, e := range entries {
		switch e.Name() {
		case ".git":
		case "examples":
			if err := copyTree(filepath.Join(abs, "examples"), filepath.Join(dir, "examples")); err != nil {
				return err
			}
		default:
			if err := os.Symlink(filepath.Join(abs, e.Name()), filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "examples", "flaskr")); err == nil {
		return os.Mkdir(filepath.Join(dir, "examples", "flaskr", "instance"), 0o700)
	}
	return nil
}

// copyTree copies the files of src into dst, keeping their modes, and
// leaving out flaskr's data and Python's caches.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir() && (d.Name() == "instance" || d.Name() == "__pycache__"):
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
}

// command is bash running a block in the session's folder, in a process
// group of its own so that everything it starts can be stopped together.
func (s *session) command(ctx context.Context, code string, extraEnv ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "bash", "-e", "-c", code)
	cmd.Dir = s.dir
	cmd.Env = append(slices.Clone(s.env), extraEnv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	return cmd
}

// run runs one block and compares its output with the documented one.
func (s *session) run(t *testing.T, where string, st step) {
	t.Helper()
	deadline := time.Now().Add(retryTimeout)
	for {
		out, err := s.runOnce(st.code)
		matched := !st.hasOutput || matchOutput(st.want, out)
		if err == nil && matched {
			return
		}
		if st.retry && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond) // polling what the server does in the background, bounded above
			continue
		}
		if err != nil {
			t.Fatalf("%s: the block\n%s\nfailed: %v; its output:\n%s", where, indent(st.code), err, indent(out))
		}
		t.Errorf("%s: the output of\n%s\ndoes not match the page.\n--- the page says:\n%s\n--- the command printed:\n%s",
			where, indent(st.code), indent(st.want), indent(out))
		return
	}
}

func (s *session) runOnce(code string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), blockTimeout)
	defer cancel()
	cmd := s.command(ctx, code)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out // one pipe: the order a terminal shows
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("still running after %v", blockTimeout)
	}
	return out.String(), err
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// server is lisod started by a server block.
type server struct {
	cmd    *exec.Cmd
	lines  chan string // stdout, line by line; closed at its end
	stderr *lockedBuffer
	exited chan struct{} // closed once the process has been waited for
}

// lockedBuffer collects a child's stderr while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer // guarded by mu
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServer runs a server block and waits until lisod listens. The
// block's "go run" becomes lisod itself (exec), so that Ctrl-C reaches it
// as in a terminal.
func (s *session) startServer(t *testing.T, where string, st step) {
	t.Helper()
	cmd := s.command(context.Background(), st.code, "DOCTEST_EXEC=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	srv := &server{cmd: cmd, lines: make(chan string, 100), stderr: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = srv.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.server = srv
	go func() {
		defer close(srv.exited)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case srv.lines <- sc.Text():
			default: // nobody reads past the start: drop the line
			}
		}
		close(srv.lines)
		cmd.Wait()
	}()

	var started []string
	timeout := time.After(startTimeout)
	for {
		select {
		case line, ok := <-srv.lines:
			if !ok {
				<-srv.exited
				errText := strings.TrimSpace(srv.stderr.String())
				s.server = nil
				t.Fatalf("%s: the server block\n%s\nexited with %v before it listened; stderr:\n%s", where, indent(st.code), cmd.ProcessState, errText)
			}
			started = append(started, line)
			if !strings.Contains(line, "listening on") {
				continue
			}
			got := strings.Join(started, "\n")
			if st.hasOutput && !matchOutput(st.want, got) {
				t.Errorf("%s: the server printed something else than the page says.\n--- the page says:\n%s\n--- the server printed:\n%s",
					where, indent(st.want), indent(got))
			}
			return
		case <-timeout:
			t.Fatalf("%s: the server block\n%s\ndid not say \"listening on\" within %v; stdout so far:\n%s\nstderr:\n%s",
				where, indent(st.code), startTimeout, indent(strings.Join(started, "\n")), srv.stderr.String())
		}
	}
}

// stopServer stops the running server as Ctrl-C does (SIGINT to its process
// group) and checks that it exits 0.
func (s *session) stopServer(t *testing.T, where string) {
	t.Helper()
	srv := s.server
	if srv == nil {
		return
	}
	s.server = nil
	syscall.Kill(-srv.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-srv.exited:
	case <-time.After(stopTimeout):
		syscall.Kill(-srv.cmd.Process.Pid, syscall.SIGKILL)
		<-srv.exited
		t.Fatalf("%s: the server was still running %v after Ctrl-C; stderr:\n%s", where, stopTimeout, srv.stderr.String())
	}
	if code := srv.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("%s: the server exited with status %d after Ctrl-C; want 0; stderr:\n%s", where, code, srv.stderr.String())
	}
	syscall.Kill(-srv.cmd.Process.Pid, syscall.SIGKILL) // anything it left behind
}

// killServer is the cleanup for a test that stopped half-way.
func (s *session) killServer() {
	if srv := s.server; srv != nil {
		syscall.Kill(-srv.cmd.Process.Pid, syscall.SIGKILL)
		<-srv.exited
	}
}

// killDaemons kills every daemon that a page started in dir and left
// running: a lock file there names its pid. Only a process whose program
// is inside dir is killed, in case the pid has been reused.
func killDaemons(dir string) {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	locks, _ := filepath.Glob(filepath.Join(dir, "*.lock"))
	for _, lock := range locks {
		data, err := os.ReadFile(lock)
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 0 {
			continue
		}
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err != nil || !strings.HasPrefix(exe, dir+string(filepath.Separator)) {
			continue
		}
		syscall.Kill(pid, syscall.SIGKILL)
	}
}
