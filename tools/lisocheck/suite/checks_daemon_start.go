package suite

// How a daemon check starts the servers of its own, finds the daemon each
// one left running, and stops them all, also when the check fails.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The daemon checks' limits.
const (
	pidLimit  = 2 * time.Second  // from serving until the lock file names the daemon
	goneLimit = 10 * time.Second // for a signalled or refused process to exit
	stopGrace = 5 * time.Second  // Stop's wait after SIGTERM before SIGKILL
)

// daemons are the servers one check started, in a scratch folder of its
// own. A check defers close, which stops them all, whatever happened.
type daemons struct {
	c       *C
	dir     string
	n       int       // servers' folders made so far
	shared  *Files    // the www folder, CGI script, key and certificate they all use
	servers []*Server // every launch, in order
}

// daemon is a started server: its launcher, which has exited 0, and the
// pid its lock file names, which serves.
type daemon struct {
	*Server
	pid  int
	sent string // how it was started, for a failure's Sent
}

// newDaemons makes the check's scratch folder.
func newDaemons(c *C) *daemons {
	dir, err := os.MkdirTemp("", "lisocheck-daemon-")
	if err != nil {
		c.Fatal(Errorf("making a scratch folder: %v", err))
	}
	return &daemons{c: c, dir: dir}
}

// files are the eight arguments of a new server: its own log and lock
// file in a folder of its own and two free ports, with the www folder,
// CGI script, key and certificate of the server under check (written once
// into the scratch folder when lisocheck did not start that one).
func (ds *daemons) files() Files {
	ds.n++
	dir := filepath.Join(ds.dir, strconv.Itoa(ds.n))
	f, err := ScratchFiles(dir)
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		ds.c.Fatal(Errorf("preparing a server's files: %v", err))
	}
	switch {
	case ds.shared != nil:
	case ds.c.Server != nil && ds.c.Site != nil:
		ds.shared = &ds.c.Server.Files
	default:
		if _, _, err := Prepare(dir, f); err != nil {
			ds.c.Fatal(Errorf("writing the site and certificates: %v", err))
		}
		ds.shared = &f
	}
	f.WWW, f.CGI, f.Key, f.Cert = ds.shared.WWW, ds.shared.CGI, ds.shared.Key, ds.shared.Cert
	return f
}

// file writes a scratch file of the check and returns its path.
func (ds *daemons) file(name, content string) string {
	path := filepath.Join(ds.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		ds.c.Fatal(Errorf("writing %s: %v", path, err))
	}
	return path
}

// launch starts cmd with f and returns at once.
func (ds *daemons) launch(cmd *Command, f Files) *Server {
	s, err := cmd.Launch(f)
	if err != nil {
		ds.c.Fatal(Failure{Sent: commandLine(cmd, f), Got: err.Error(), Want: "a process started"})
	}
	ds.servers = append(ds.servers, s)
	return s
}

// start launches cmd with f, waits until its launcher has exited 0 and
// the daemon serves, and finds the daemon's pid. It ends the check when
// one of those fails; when says which start it was, for the failure.
func (ds *daemons) start(cmd *Command, f Files, when string) *daemon {
	s := ds.launch(cmd, f)
	d := &daemon{Server: s, sent: commandLine(cmd, f)}
	fatal := func(got, want string) {
		ds.c.Fatal(Failure{Sent: d.sent, Got: got, Want: want, Note: when})
	}
	if err := awaitLauncher(s); err != nil {
		fatal(err.Error(), "a launcher that exits 0 and leaves the daemon serving (see daemon/launcher-exits-0)")
	}
	if _, code, _ := s.Launcher(); code != 0 {
		fatal(fmt.Sprintf("the launcher exited %d; its output:\n%s", code, Shorten(s.Output(), 2000)),
			"exit code 0, the daemon left serving (see daemon/launcher-exits-0)")
	}
	if err := s.Ready(StartLimit); err != nil {
		fatal(err.Error(), "the daemon serving on port "+strconv.Itoa(f.HTTPPort))
	}
	pid, err := ds.server(s)
	if err != nil {
		fatal(err.Error(), "the lock file's first line naming the daemon (see daemon/lock-file-pid)")
	}
	d.pid = pid
	return d
}

// server is the daemon's pid: the lock file's, when that process holds
// the HTTP port's listening socket (or nobody can tell). Otherwise it is
// the process of this check that holds the socket, so that a wrong lock
// file fails daemon/lock-file-pid alone, not every check of the daemon's
// other steps.
func (ds *daemons) server(s *Server) (int, error) {
	pid, err := servingPid(s)
	if err == nil {
		if holders := listeners(s.HTTPPort, []int{pid}); holders == nil || len(holders) > 0 {
			return pid, nil
		}
	}
	holders := listeners(s.HTTPPort, processesWith(ds.inDir))
	if len(holders) == 0 { // no better guess than the lock file's
		return pid, err
	}
	ds.c.Logf("the lock file does not name the server (%s); this check looks at pid %d, which listens on port %d (see daemon/lock-file-pid)",
		lockProblem(pid, err), holders[0], s.HTTPPort)
	return holders[0], nil
}

// lockProblem says what is wrong with the lock file's pid.
func lockProblem(pid int, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("it names pid %d, which does not listen", pid)
}

// inDir reports whether a process argument names a file of this check.
func (ds *daemons) inDir(arg string) bool {
	return strings.HasPrefix(arg, ds.dir+string(filepath.Separator))
}

// awaitLauncher waits for the launched process to exit, up to
// LauncherLimit and StartLimit more. A launcher that goes on running
// after its server answered a request is a server in the foreground,
// which will not exit: it fails sooner. (A launcher still daemonizing may
// hold the listening socket already, so a connection alone proves
// nothing; an answer comes only once the daemon serves, and then its
// launcher exits.)
func awaitLauncher(s *Server) error {
	if s.WaitLauncher(LauncherLimit) {
		return nil
	}
	if _, _, err := Get(loopback(s.HTTPPort), "GET", "/"); err == nil && !s.WaitLauncher(LauncherLimit) {
		return fmt.Errorf("the launcher answers on port %d and still runs %v later: a server in the foreground", s.HTTPPort, LauncherLimit)
	}
	if s.WaitLauncher(StartLimit) {
		return nil
	}
	return fmt.Errorf("the launcher still runs %v after the start; its output:\n%s", LauncherLimit+StartLimit, Shorten(s.Output(), 2000))
}

// addr is the daemon's HTTP address.
func (d *daemon) addr() string { return loopback(d.HTTPPort) }

// servingPid waits, bounded, until the lock file's first line names a
// live process that is not the launcher, and returns it. The course's
// graders read the lock once the launcher has exited; lisocheck reads it
// once the server also serves, so a daemon that writes it just after it
// listens passes too.
func servingPid(s *Server) (int, error) {
	deadline := time.Now().Add(pidLimit)
	for {
		pid, err := LockPid(s.Lock)
		switch {
		case err != nil:
		case pid == s.cmd.Process.Pid:
			err = fmt.Errorf("the lock file names the launcher (pid %d), which has exited: the daemon writes its own pid, after the fork", pid)
		case !Alive(pid):
			err = fmt.Errorf("the lock file names pid %d, which is not running", pid)
		default:
			return pid, nil
		}
		if time.Now().After(deadline) {
			return 0, err
		}
		time.Sleep(20 * time.Millisecond) // polling an observable condition, bounded above
	}
}

// close stops every server the check started, and any process still
// running with one of the check's files among its arguments (a second
// daemon that should have refused, a daemon whose lock file names another
// pid), then removes the scratch folder. It reports nothing: what it
// finds is a failure of the check's own assertions, already made.
func (ds *daemons) close() {
	for _, s := range slices.Backward(ds.servers) {
		s.Stop(stopGrace)
	}
	if left := processesWith(ds.inDir); len(left) > 0 {
		ds.c.Logf("killed the processes %v, still running with this check's files", left)
		for _, pid := range left {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		waitGone(left, goneLimit)
	}
	os.RemoveAll(ds.dir)
}

// commandLine is the command with the eight arguments of f, as a failure
// shows what lisocheck ran.
func commandLine(cmd *Command, f Files) string {
	return strings.Join(slices.Concat([]string{cmd.Path}, cmd.Args, f.Args()), " ")
}

// carelessShell starts cmd as a careless shell could: with umask 077, and
// stdin and a stray descriptor (7) open on the file inherited. A daemon
// keeps none of it: daemonize.c sets its own umask, closes every
// descriptor and opens /dev/null as 0, 1 and 2.
func carelessShell(cmd *Command, inherited string) *Command {
	script := `umask 077; exec 0<"$1" 7<"$1"; shift; exec "$@"`
	return &Command{
		Path: "/bin/sh",
		Args: slices.Concat([]string{"-c", script, "sh", inherited, cmd.Path}, cmd.Args),
		Env:  cmd.Env,
	}
}
