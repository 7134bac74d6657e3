package suite

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Command is how lisocheck starts a server: a program, the arguments that
// come before the course's eight, and environment entries to add.
type Command struct {
	Path string
	Args []string // before the eight: "--foreground", say
	Env  []string // "KEY=value", added to lisocheck's own environment
}

// Files are the course's eight arguments: "lisod <HTTP port> <HTTPS port>
// <log file> <lock file> <www folder> <CGI script path> <private key file>
// <certificate file>".
type Files struct {
	HTTPPort, HTTPSPort int
	Log, Lock           string
	WWW, CGI            string
	Key, Cert           string
}

// Args are the eight, in the course's order.
func (f Files) Args() []string {
	return []string{strconv.Itoa(f.HTTPPort), strconv.Itoa(f.HTTPSPort), f.Log, f.Lock, f.WWW, f.CGI, f.Key, f.Cert}
}

// ScratchFiles names the eight arguments' files in dir, on two free ports.
// The www folder, CGI script, key and certificate are the ones Prepare
// writes there.
func ScratchFiles(dir string) (Files, error) {
	ports, err := FreePorts(2)
	if err != nil {
		return Files{}, err
	}
	return Files{
		HTTPPort: ports[0], HTTPSPort: ports[1],
		Log: filepath.Join(dir, "lisod.log"), Lock: filepath.Join(dir, "lisod.lock"),
		WWW: filepath.Join(dir, "www"), CGI: filepath.Join(dir, "cgi", ScriptName),
		Key: filepath.Join(dir, "server.key"), Cert: filepath.Join(dir, "server.crt"),
	}, nil
}

// FreePorts finds n ports on 127.0.0.1 that nothing listens on now. (A
// server started with the course's arguments must be told its ports; port
// 0 would leave lisocheck not knowing where it listens.)
func FreePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Server is a server process lisocheck started.
type Server struct {
	Files
	cmd     *exec.Cmd
	started time.Time
	waited  chan struct{} // closed when the launched process has exited
	exited  time.Duration // how long after the start it exited; set before waited closes

	mu     sync.Mutex
	stderr bytes.Buffer // guarded by mu
}

// Launch starts the command with the eight arguments of f and returns at
// once; Ready waits for it to serve.
func (cmd *Command) Launch(f Files) (*Server, error) {
	c := exec.Command(cmd.Path, append(append([]string(nil), cmd.Args...), f.Args()...)...)
	c.Env = append(os.Environ(), cmd.Env...)
	s := &Server{Files: f, cmd: c, waited: make(chan struct{})}
	c.Stdout = writerFunc(s.write)
	c.Stderr = writerFunc(s.write)
	s.started = time.Now()
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	go func() {
		c.Wait()
		s.exited = time.Since(s.started)
		close(s.waited)
	}()
	return s, nil
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func (s *Server) write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stderr.Len() < 1<<20 { // a server that logs without end keeps its first MiB
		s.stderr.Write(b)
	}
	return len(b), nil
}

// Output is what the launched process wrote to stdout and stderr.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// Launcher reports whether the launched process has exited, its exit code
// (-1 after a signal) and when it exited, counted from its start.
func (s *Server) Launcher() (exited bool, code int, after time.Duration) {
	select {
	case <-s.waited:
		return true, s.cmd.ProcessState.ExitCode(), s.exited
	default:
		return false, 0, 0
	}
}

// WaitLauncher waits up to limit for the launched process to exit.
func (s *Server) WaitLauncher(limit time.Duration) bool {
	select {
	case <-s.waited:
		return true
	case <-time.After(limit):
		return false
	}
}

// Ready waits up to limit until the HTTP port accepts connections. It
// fails early when the launched process exits with an error.
func (s *Server) Ready(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.HTTPPort))
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		if exited, code, _ := s.Launcher(); exited && code != 0 {
			return fmt.Errorf("the server exited with code %d before it listened on %s; its output:\n%s", code, addr, Shorten(s.Output(), 2000))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listens on %s %v after the start; the server's output:\n%s", addr, limit, Shorten(s.Output(), 2000))
		}
		time.Sleep(20 * time.Millisecond) // polling an observable condition, bounded above
	}
}

// Pid is the serving process: the one launched, or, for a daemon, the pid
// on the lock file's first line (as soon as it names another live
// process, even while the launcher is still exiting).
func (s *Server) Pid() (int, error) {
	if exited, _, _ := s.Launcher(); !exited {
		launcher := s.cmd.Process.Pid
		// A daemon's launcher may still be exiting: the lock file already
		// names the daemon, another live process.
		if pid, err := LockPid(s.Lock); err == nil && pid != launcher && Alive(pid) {
			return pid, nil
		}
		if Alive(launcher) {
			return launcher, nil
		}
		<-s.waited // it has just exited: wait until that is seen
	}
	return LockPid(s.Lock)
}

// LockPid reads the pid on the first line of a lock file.
func LockPid(lock string) (int, error) {
	data, err := os.ReadFile(lock)
	if err != nil {
		return 0, fmt.Errorf("reading the lock file: %w", err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("the lock file's first line %q is not a pid", first)
	}
	return pid, nil
}

// Alive reports whether a process with this pid exists (and is not a
// zombie waiting to be reaped).
func Alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	// The state follows the command name in parentheses: "Z" is a zombie.
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// Stop ends the server: SIGTERM to the serving process, then SIGKILL if
// it is still there after grace. It returns whether SIGTERM was enough.
// Whatever still runs with the server's lock file among its arguments
// afterwards (a daemon whose lock file names another pid, a second one
// that should have refused) is killed too, so that no check leaves a
// server behind.
func (s *Server) Stop(grace time.Duration) bool {
	s.settle()
	clean := true
	if pid, err := s.Pid(); err == nil && Alive(pid) {
		syscall.Kill(pid, syscall.SIGTERM)
		if left := waitGone([]int{pid}, grace); len(left) > 0 {
			clean = false
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	s.cmd.Process.Kill() // a launcher still running (in the foreground it is the server)
	<-s.waited
	if left := processesWith(func(arg string) bool { return arg == s.Lock }); len(left) > 0 {
		for _, pid := range left {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		waitGone(left, grace)
	}
	return clean
}

// settle waits, bounded, until a daemon's launcher has exited, so that
// Pid names the daemon: a launcher may still run for a moment after its
// daemon serves. The course lets it take 2 s; a loaded machine may take
// longer, which the lock file shows: it already names another process.
// A server in the foreground is its own launcher and never exits here.
func (s *Server) settle() {
	if s.WaitLauncher(LauncherLimit) {
		return
	}
	if pid, err := LockPid(s.Lock); err == nil && pid != s.cmd.Process.Pid && Alive(pid) {
		s.WaitLauncher(HangGuard)
	}
}

// LauncherLimit is how long the course's graders let a daemon's launcher
// take to exit.
const LauncherLimit = 2 * time.Second

// waitGone waits up to limit for the processes to exit and returns those
// still running.
func waitGone(pids []int, limit time.Duration) []int {
	deadline := time.Now().Add(limit)
	for {
		pids = slices.DeleteFunc(pids, func(pid int) bool { return !Alive(pid) })
		if len(pids) == 0 || time.Now().After(deadline) {
			return pids
		}
		time.Sleep(20 * time.Millisecond) // polling an observable condition, bounded above
	}
}

// processesWith lists the processes, other than lisocheck itself and
// those in except, whose command line has an argument that match accepts:
// a server's arguments name the files lisocheck made for it, which is how
// it finds the servers it started that no lock file names.
func processesWith(match func(arg string) bool, except ...int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() || slices.Contains(except, pid) || !Alive(pid) {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue // gone since ReadDir, or not ours to read
		}
		if slices.ContainsFunc(strings.Split(string(cmdline), "\x00"), match) {
			pids = append(pids, pid)
		}
	}
	return pids
}
