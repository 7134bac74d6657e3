package suite

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-cmp/cmp"
)

// daemonChecks are checkpoint 3's daemon, in the order they run: the
// course's daemonize.c (fork, the parent exits 0, setsid, close every
// descriptor, stdio on /dev/null, umask 027, a 0640 lock file locked and
// holding the pid, SIGHUP and SIGTERM handled), each step seen from
// outside the process, as ps and /proc show it, so that any server passes
// whatever its language. Each check starts daemons of its own with the
// course's command and stops them before it returns.
var daemonChecks = []Check{
	{
		Name:   "daemon/launcher-exits-0",
		Stage:  StageDaemon,
		Starts: true,
		Rule:   "course: the graders start the server with its eight arguments and require the launching process to exit 0 within 2 s (daemonize.c: fork, the parent exits), the daemon then serving",
		Doc:    docDaemonSteps,
		Run:    checkLauncher,
	},
	{
		Name:   "daemon/lock-file-pid",
		Stage:  StageDaemon,
		Starts: true,
		Rule:   `course: the lock file's first line is the pid of the running server, which the daemon writes after the fork (daemonize.c: sprintf(str, "%d\n", getpid())); graders find the server there`,
		Doc:    docDaemonSteps,
		Run:    checkLockPid,
	},
	{
		Name:   "daemon/session-leader",
		Stage:  StageDaemon,
		Starts: true,
		Rule:   "course: daemonize.c calls setsid(): the daemon leads a session and process group of its own, with no controlling terminal, so the terminal's signals no longer reach it",
		Doc:    docDaemonSteps,
		Run:    checkSession,
	},
	{
		Name:   "daemon/stdio-dev-null",
		Stage:  StageDaemon,
		Starts: true,
		Rule:   `course: daemonize.c opens /dev/null as stdin, stdout and stderr (open("/dev/null", O_RDWR), dup, dup)`,
		Doc:    docDaemonSteps,
		Run:    checkStdio,
	},
	{
		Name:   "daemon/closes-inherited-fds",
		Stage:  StageDaemon,
		Starts: true,
		Rule:   "course: daemonize.c closes every descriptor it inherited (for (i = getdtablesize(); i >= 0; --i) close(i))",
		Doc:    docDaemonSteps,
		Run:    checkInheritedFDs,
	},
	{
		Name:   "daemon/umask-027",
		Stage:  StageDaemon,
		Starts: true,
		Rule:   "course: daemonize.c sets umask(027): what the daemon creates is never readable by others, whatever the umask of the shell that started it",
		Doc:    docDaemonSteps,
		Run:    checkUmask,
	},
	{
		Name:   "daemon/lock-file-mode",
		Stage:  StageDaemon,
		Starts: true,
		Rule:   "course: the daemon creates its lock file with mode 0640 under its own umask 027 (daemonize.c: open(lock_file, O_RDWR|O_CREAT, 0640)), whatever the umask of the shell that started it",
		Doc:    docDaemonSteps,
		Run:    checkLockMode,
	},
	{
		Name:   "daemon/second-start-refused",
		Stage:  StageDaemon,
		Starts: true,
		Rule:   "course: one copy of the server per lock file (daemonize.c: lockf(lfp, F_TLOCK, 0), exit when it is locked): a second start on the same lock file leaves the first serving and no second server running",
		Doc:    docDaemonLocked,
		Run:    checkSecondStart,
	},
	{
		Name:   "daemon/second-start-says-why",
		Stage:  StageDaemon,
		Strict: true,
		Starts: true,
		Rule:   "beyond the course (daemon(7), steps 14 and 15: the launcher exits once the daemon is initialised, with an error when it could not be): a second start on the same lock file exits non-zero within 2 s and says why; the course's daemonize.c exits 0 and says nothing",
		Doc:    docDaemonLocked,
		Run:    checkSecondStartSaysWhy,
	},
	{
		Name:   "daemon/restart-after-sigkill",
		Stage:  StageDaemon,
		Starts: true,
		Rule:   "course: the lock is lockf's, which the kernel drops when its holder dies, however it dies: a daemon killed with SIGKILL leaves its pid in the lock file, and the same command then starts a new daemon",
		Doc:    docDaemonLocked,
		Run:    checkRestartAfterKill,
	},
	{
		Name:   "daemon/sighup-survives",
		Stage:  StageDaemon,
		Starts: true,
		Rule:   "course: daemonize.c handles SIGHUP (signal(SIGHUP, handler)), whose default action kills; F19: SIGHUP reloads the certificate. The daemon serves on after one",
		Doc:    docDaemonSteps,
		Run:    checkSIGHUP,
	},
	{
		Name:   "daemon/sigterm-stops",
		Stage:  StageDaemon,
		Starts: true,
		Rule:   "course: daemonize.c handles SIGTERM (signal(SIGTERM, handler)): the daemon catches it and exits, here within 10 s",
		Doc:    docDaemonSteps,
		Run:    checkSIGTERM,
	},
	{
		Name:   "daemon/systemd-forking",
		Stage:  StageDaemon,
		Strict: true,
		Starts: true,
		Rule:   "beyond the course (systemd.service, Type=forking with PIDFile=): systemd takes the service as started the moment its process exits 0, and reads the pid file once, then. So by then the lock file must name the daemon, which holds the listening socket, and a request sent at once is answered, with no retry; SIGTERM to that pid (systemctl stop) ends it, leaving no process behind",
		Doc:    docDaemonSystemd,
		Run:    checkSystemdForking,
	},
	{
		Name:   "daemon/start-failure-reported",
		Stage:  StageDaemon,
		Strict: true,
		Starts: true,
		Rule:   "beyond the course (daemon(7), steps 14 and 15): a daemon that cannot start (here: a key and a certificate that are not PEM) makes its launcher exit non-zero within 2 s saying why, and leaves no process behind",
		Doc:    docDaemonFork,
		Run:    checkStartFailure,
	},
}

// The docs sections the daemon's checks lead to.
const (
	docDaemonSteps   = "docs/checkpoint3.md#the-courses-steps-one-by-one"
	docDaemonLocked  = "docs/checkpoint3.md#a-second-start-and-a-stale-lock"
	docDaemonFork    = "docs/checkpoint3.md#why-go-cannot-simply-fork"
	docDaemonSystemd = "docs/production.md#what-systemd-reads-of-a-daemon"
)

// checkLauncher starts the server as the course's graders do.
func checkLauncher(c *C) {
	ds := newDaemons(c)
	defer ds.close()
	f := ds.files()
	s := ds.launch(c.Command, f)
	sent := commandLine(c.Command, f)
	err := awaitLauncher(s)
	exited, code, after := s.Launcher()
	took := "the launcher still runs after 2 s"
	if exited {
		took = fmt.Sprintf("the launcher exited %d after %v", code, after.Round(time.Millisecond))
		c.Logf("%s", took)
	}
	if !exited || after > LauncherLimit {
		c.Fail(Failure{Sent: sent, Got: took, Want: "the launching process exits 0 within 2 s, the daemon left running"})
	}
	if err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: "a launcher that exits: a daemon's parent exits once the daemon runs"})
	}
	if code != 0 {
		c.Fatal(Failure{Sent: sent, Got: fmt.Sprintf("exit code %d after %v; the launcher's output:\n%s", code, after.Round(time.Millisecond), Shorten(s.Output(), 2000)), Want: "exit code 0"})
	}
	if err := s.Ready(StartLimit); err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: "the daemon serving on port " + strconv.Itoa(f.HTTPPort) + " once its launcher has exited"})
	}
	r, raw, err := Get(loopback(f.HTTPPort), "GET", "/")
	switch {
	case err != nil:
		c.Fail(Failure{Sent: raw, Got: err.Error(), Want: "an HTTP answer from the daemon", Note: "started with: " + sent})
	case r.Status != 200:
		c.Fail(Failure{Sent: raw, Got: r.Head(), Want: "200: the daemon serves the www folder's index.html", Note: "started with: " + sent})
	}
}

// checkLockPid reads the lock file once the daemon serves.
func checkLockPid(c *C) {
	ds := newDaemons(c)
	defer ds.close()
	f := ds.files()
	// The start without its pid: the failure is this check's own.
	s := ds.launch(c.Command, f)
	sent := commandLine(c.Command, f)
	if err := awaitLauncher(s); err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: "a launcher that exits 0 (see daemon/launcher-exits-0)"})
	}
	if err := s.Ready(StartLimit); err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: "the daemon serving (see daemon/launcher-exits-0)"})
	}
	pid, err := servingPid(s)
	if err != nil {
		data, _ := os.ReadFile(f.Lock)
		c.Fatal(Failure{Sent: sent, Got: fmt.Sprintf("%v; the lock file holds %q", err, Shorten(string(data), 200)),
			Want: "its first line the pid of the running daemon, not the launcher's " + strconv.Itoa(s.cmd.Process.Pid)})
	}
	c.Logf("the lock file names pid %d (the launcher was %d)", pid, s.cmd.Process.Pid)
	// The pid must be the server's, not a helper's: the process that holds
	// the HTTP port's listening socket.
	switch holders := listeners(f.HTTPPort, []int{pid}); {
	case holders == nil:
		c.Logf("the HTTP port's listening socket is not in /proc/net/tcp: not checked that pid %d holds it", pid)
	case len(holders) == 0:
		fds, _ := openFiles(pid)
		c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("pid %d, whose descriptors are:\n%s", pid, describeFiles(fds)),
			Want: fmt.Sprintf("the pid of the process listening on port %d", f.HTTPPort), Note: "the lock file must name the server itself: it is stopped with kill $(cat lock-file)"})
	}
}

// checkSession reads the daemon's session from /proc/PID/stat.
func checkSession(c *C) {
	ds := newDaemons(c)
	defer ds.close()
	d := ds.start(c.Command, ds.files(), "")
	got, err := readProcStat(d.pid)
	if err != nil {
		c.Fatal(Failure{Sent: d.sent, Got: err.Error(), Want: "the daemon's /proc/PID/stat"})
	}
	want := procStat{PGrp: d.pid, Session: d.pid, TTY: 0}
	if diff := cmp.Diff(want, got); diff != "" {
		c.Fail(Failure{Sent: d.sent, Got: fmt.Sprintf("process group %d, session %d, terminal %d", got.PGrp, got.Session, got.TTY),
			Want: fmt.Sprintf("process group and session %d (its pid: it called setsid), no terminal (0)", d.pid), Note: "(-want +got):\n" + diff})
	}
}

// checkStdio reads the daemon's descriptors 0 to 2, started with stdin
// on a file and stdout and stderr on pipes to lisocheck.
func checkStdio(c *C) {
	ds := newDaemons(c)
	defer ds.close()
	cmd := carelessShell(c.Command, ds.file("inherited.txt", "a file the launcher's stdin was open on\n"))
	d := ds.start(cmd, ds.files(), "")
	fds, err := openFiles(d.pid)
	if err != nil {
		c.Fatal(Failure{Sent: d.sent, Got: err.Error(), Want: "the daemon's descriptors readable in /proc"})
	}
	for fd, name := range []string{"stdin", "stdout", "stderr"} {
		target, open := fds[fd]
		got := fmt.Sprintf("%s (fd %d) open on %s", name, fd, target)
		if !open {
			got = fmt.Sprintf("%s (fd %d) closed", name, fd)
		}
		if target != os.DevNull {
			c.Fail(Failure{Sent: d.sent, Got: got, Want: name + " on /dev/null",
				Note: "the launcher's stdin was a file and its stdout and stderr pipes to lisocheck; the daemon's descriptors:\n" + describeFiles(fds)})
		}
	}
}

// checkInheritedFDs gives the launcher a stray descriptor and looks for
// it in the daemon.
func checkInheritedFDs(c *C) {
	ds := newDaemons(c)
	defer ds.close()
	inherited := ds.file("inherited.txt", "a file the launcher had open as fd 7\n")
	d := ds.start(carelessShell(c.Command, inherited), ds.files(), "")
	fds, err := openFiles(d.pid)
	if err != nil {
		c.Fatal(Failure{Sent: d.sent, Got: err.Error(), Want: "the daemon's descriptors readable in /proc"})
	}
	for fd, target := range fds {
		if target == inherited {
			c.Fail(Failure{Sent: d.sent, Got: fmt.Sprintf("fd %d open on %s, which the launcher inherited as stdin and fd 7", fd, inherited),
				Want: "none of the launcher's descriptors in the daemon", Note: "the daemon's descriptors:\n" + describeFiles(fds)})
		}
	}
}

// checkUmask reads the daemon's umask from /proc/PID/status, the daemon
// started under umask 077.
func checkUmask(c *C) {
	ds := newDaemons(c)
	defer ds.close()
	d := ds.start(carelessShell(c.Command, ds.file("inherited.txt", "\n")), ds.files(), "")
	got, shown, err := statusField(d.pid, "Umask")
	switch {
	case err != nil:
		c.Fatal(Failure{Sent: d.sent, Got: err.Error(), Want: "the daemon's /proc/PID/status"})
	case !shown:
		c.Skip("this kernel does not show a process's umask (Linux 4.7 and later do)")
	case got != "0027":
		c.Fail(Failure{Sent: d.sent, Got: "umask " + got, Want: "umask 0027", Note: "the launcher ran under umask 077"})
	}
}

// checkLockMode reads the lock file's mode, the daemon started under
// umask 077 (which would leave a file created with 0640 at 0600).
func checkLockMode(c *C) {
	ds := newDaemons(c)
	defer ds.close()
	f := ds.files()
	d := ds.start(carelessShell(c.Command, ds.file("inherited.txt", "\n")), f, "")
	st, err := os.Stat(f.Lock)
	if err != nil {
		c.Fatal(Failure{Sent: d.sent, Got: err.Error(), Want: "a lock file"})
	}
	if got := st.Mode().Perm(); got != 0o640 {
		c.Fail(Failure{Sent: d.sent, Got: fmt.Sprintf("mode %v (%04o)", got, uint32(got)), Want: "mode -rw-r----- (0640)",
			Note: "the launcher ran under umask 077: set umask 027 before creating the lock file"})
	}
}

// secondStart launches the course's command a second time with the
// first daemon's files but two other ports, so that only the lock file
// can stop it, and waits for that launcher to exit.
func secondStart(ds *daemons, first *daemon) (*Server, string) {
	f := first.Files
	ports, err := FreePorts(2)
	if err != nil {
		ds.c.Fatal(Errorf("%v", err))
	}
	f.HTTPPort, f.HTTPSPort = ports[0], ports[1]
	return ds.launch(ds.c.Command, f), commandLine(ds.c.Command, f)
}

// checkSecondStart starts a second server on the first one's lock file.
// The course's daemonize.c forks before it tries the lock, and its child
// exits 0 when the lock is taken, so the launcher's exit code says
// nothing (daemon/second-start-says-why asks more); refused means: no
// second server runs or serves, the lock file still names the first, and
// the first still serves.
func checkSecondStart(c *C) {
	ds := newDaemons(c)
	defer ds.close()
	first := ds.start(c.Command, ds.files(), "the first start")
	before, err := os.ReadFile(first.Lock)
	if err != nil {
		c.Fatal(Failure{Sent: first.sent, Got: err.Error(), Want: "a lock file"})
	}
	s, sent := secondStart(ds, first)
	if !s.WaitLauncher(StartLimit) {
		c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("the second launcher still runs %v after its start", StartLimit), Want: "a launcher that exits: refuses, or leaves a daemon that refuses"})
	}
	_, code, _ := s.Launcher()
	c.Logf("the second launcher exited %d; its output: %q", code, Shorten(s.Output(), 300))
	// A second daemon, when the launcher forked one, finds the lock taken
	// and exits: every process started with this lock file but the first
	// must be gone.
	isLock := func(arg string) bool { return arg == first.Lock }
	if left := waitGone(processesWith(isLock, first.pid), goneLimit); len(left) > 0 {
		c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("processes %v, started with the same lock file, still run %v later", left, goneLimit),
			Want: fmt.Sprintf("only the first daemon (pid %d) running with this lock file", first.pid)})
	}
	if conn, err := net.DialTimeout("tcp", loopback(s.HTTPPort), HangGuard); err == nil {
		conn.Close()
		c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("a server listens on port %d", s.HTTPPort), Want: "no second server: the lock file is taken"})
	}
	want := fmt.Sprintf("the lock file as the first daemon left it: %q", Shorten(string(before), 100))
	switch after, err := os.ReadFile(first.Lock); {
	case err != nil:
		c.Fail(Failure{Sent: sent, Got: err.Error(), Want: want})
	case !bytes.Equal(after, before):
		c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("the lock file holds %q", Shorten(string(after), 100)), Want: want})
	}
	if !Alive(first.pid) {
		c.Fatal(Failure{Sent: sent, Got: fmt.Sprintf("the first daemon (pid %d) is gone", first.pid), Want: "the first daemon running on"})
	}
	if r, raw, err := Get(first.addr(), "GET", "/"); err != nil || r.Status != 200 {
		c.Fail(Failure{Sent: raw, Got: replyOrError(r, err), Want: "200 from the first daemon, after the second start"})
	}
}

// checkSecondStartSaysWhy asks what the course does not: that the
// refusal reaches the terminal.
func checkSecondStartSaysWhy(c *C) {
	ds := newDaemons(c)
	defer ds.close()
	first := ds.start(c.Command, ds.files(), "the first start")
	s, sent := secondStart(ds, first)
	if !s.WaitLauncher(LauncherLimit) {
		c.Fatal(Failure{Sent: sent, Got: "the second launcher still runs after 2 s", Want: "a non-zero exit within 2 s"})
	}
	_, code, _ := s.Launcher()
	out := s.Output()
	if code == 0 || strings.TrimSpace(out) == "" {
		c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("exit code %d, output %q", code, Shorten(out, 300)),
			Want: fmt.Sprintf("a non-zero exit and a line saying the server already runs (pid %d)", first.pid)})
	}
}

// checkRestartAfterKill kills the daemon with SIGKILL, which it cannot
// catch, and starts the same command again.
func checkRestartAfterKill(c *C) {
	ds := newDaemons(c)
	defer ds.close()
	f := ds.files()
	// No request before the kill: a connection the server closed would
	// hold its port in TIME_WAIT, a matter of SO_REUSEADDR, not of locks.
	first := ds.start(c.Command, f, "the first start")
	syscall.Kill(first.pid, syscall.SIGKILL)
	if left := waitGone([]int{first.pid}, goneLimit); len(left) > 0 {
		c.Fatal(Failure{Sent: "SIGKILL to " + strconv.Itoa(first.pid), Got: "still running", Want: "the process gone"})
	}
	second := ds.start(c.Command, f, fmt.Sprintf("the start after SIGKILL to the first daemon (pid %d), whose lock file was left behind; a port still in use needs SO_REUSEADDR", first.pid))
	if second.pid == first.pid {
		c.Fail(Failure{Sent: second.sent, Got: "the lock file names the killed daemon, " + strconv.Itoa(first.pid), Want: "the new daemon's pid"})
	}
	if r, raw, err := Get(second.addr(), "GET", "/"); err != nil || r.Status != 200 {
		c.Fail(Failure{Sent: raw, Got: replyOrError(r, err), Want: "200 from the new daemon"})
	}
}

// checkSIGHUP sends SIGHUP, then a request. A process that dies of a
// signal dies when the kernel delivers it, before it runs any more of its
// code, so an answer to a request sent after kill(2) returned shows that
// it lived on.
func checkSIGHUP(c *C) {
	ds := newDaemons(c)
	defer ds.close()
	d := ds.start(c.Command, ds.files(), "")
	sent := fmt.Sprintf("SIGHUP to the daemon (pid %d), then GET /", d.pid)
	if err := syscall.Kill(d.pid, syscall.SIGHUP); err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: "the signal sent"})
	}
	r, raw, err := Get(d.addr(), "GET", "/")
	if err != nil || r.Status != 200 {
		c.Fail(Failure{Sent: sent + ":\n" + raw, Got: replyOrError(r, err), Want: "200: the daemon serves on after SIGHUP"})
	}
	if !Alive(d.pid) {
		c.Fail(Failure{Sent: sent, Got: "the daemon is gone", Want: "the daemon running on after SIGHUP"})
	}
}

// sigtermLimit bounds a stop on SIGTERM: with no client connected, a
// graceful stop has nothing to wait for.
const sigtermLimit = 10 * time.Second

// checkSIGTERM sends SIGTERM and waits for the daemon to exit.
func checkSIGTERM(c *C) {
	ds := newDaemons(c)
	defer ds.close()
	d := ds.start(c.Command, ds.files(), "")
	sent := fmt.Sprintf("SIGTERM to the daemon (pid %d)", d.pid)
	// A handler, not the default action, which kills as well: a daemon
	// that does not catch SIGTERM exits without closing anything. (A Go
	// runtime catches every signal, so this tells only of C servers.)
	if caught, ok := catches(d.pid, syscall.SIGTERM); ok && !caught {
		c.Fail(Failure{Sent: sent, Got: "no handler for SIGTERM (SigCgt in /proc/PID/status)", Want: "SIGTERM caught, as daemonize.c's signal(SIGTERM, handler) does"})
	}
	start := time.Now()
	if err := syscall.Kill(d.pid, syscall.SIGTERM); err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: "the signal sent"})
	}
	if left := waitGone([]int{d.pid}, sigtermLimit); len(left) > 0 {
		c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("still running %v later", sigtermLimit), Want: "the daemon exits"})
		return
	}
	c.Logf("the daemon exited %v after SIGTERM", time.Since(start).Round(time.Millisecond))
}

// checkSystemdForking starts the server as systemd's Type=forking does,
// and does at the moment the launcher exits what systemd does then:
// read the pid file once, and take the service as running. Where other
// checks wait a little for the lock file or the first answer (the
// course's graders did), this one does not.
func checkSystemdForking(c *C) {
	ds := newDaemons(c)
	defer ds.close()
	f := ds.files()
	s := ds.launch(c.Command, f)
	sent := commandLine(c.Command, f)
	if !s.WaitLauncher(LauncherLimit) {
		c.Fatal(Failure{Sent: sent, Got: "the launcher still runs after 2 s", Want: "a launcher that exits once the daemon serves (systemd waits for it up to TimeoutStartSec=)"})
	}
	if _, code, _ := s.Launcher(); code != 0 {
		c.Fatal(Failure{Sent: sent, Got: fmt.Sprintf("exit code %d; the launcher's output:\n%s", code, Shorten(s.Output(), 2000)), Want: "exit code 0"})
	}
	// Right now, once: PIDFile=.
	pid, err := LockPid(f.Lock)
	switch {
	case err != nil:
		c.Fatal(Failure{Sent: sent, Got: err.Error() + ", read as the launcher exited", Want: "the daemon's pid, written before the launcher exits: systemd reads PIDFile= once, then"})
	case pid == s.cmd.Process.Pid:
		c.Fatal(Failure{Sent: sent, Got: fmt.Sprintf("the launcher's pid, %d", pid), Want: "the daemon's pid"})
	case !Alive(pid):
		c.Fatal(Failure{Sent: sent, Got: fmt.Sprintf("pid %d, which is not running", pid), Want: "the pid of the running daemon"})
	}
	// Right now, once: the service is started.
	if r, raw, err := Get(loopback(f.HTTPPort), "GET", "/"); err != nil || r.Status != 200 {
		c.Fail(Failure{Sent: raw, Got: replyOrError(r, err), Want: "200 at once: when the launcher exits, the service is up", Note: "started with: " + sent})
	}
	if holders := listeners(f.HTTPPort, []int{pid}); holders != nil && len(holders) == 0 {
		fds, _ := openFiles(pid)
		c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("pid %d, whose descriptors are:\n%s", pid, describeFiles(fds)),
			Want: fmt.Sprintf("the pid of the process listening on port %d: systemd watches it as the service's main process", f.HTTPPort)})
	}
	// systemctl stop: SIGTERM to the main process.
	stop := fmt.Sprintf("SIGTERM to pid %d, the lock file's", pid)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		c.Fatal(Failure{Sent: stop, Got: err.Error(), Want: "the signal sent"})
	}
	if left := waitGone([]int{pid}, sigtermLimit); len(left) > 0 {
		c.Fatal(Failure{Sent: stop, Got: fmt.Sprintf("still running %v later", sigtermLimit), Want: "the daemon exits"})
	}
	if left := waitGone(processesWith(ds.inDir), goneLimit); len(left) > 0 {
		c.Fail(Failure{Sent: stop, Got: fmt.Sprintf("processes %v, started with this server's files, still run", left), Want: "nothing left behind once the main process exited"})
	}
}

// checkStartFailure starts the server with a key and a certificate it
// cannot load.
func checkStartFailure(c *C) {
	ds := newDaemons(c)
	defer ds.close()
	f := ds.files()
	f.Key = ds.file("bad.key", "not a PEM key\n")
	f.Cert = ds.file("bad.crt", "not a PEM certificate\n")
	s := ds.launch(c.Command, f)
	sent := commandLine(c.Command, f)
	if !s.WaitLauncher(LauncherLimit) {
		c.Fatal(Failure{Sent: sent, Got: "the launcher still runs after 2 s", Want: "a non-zero exit within 2 s"})
	}
	_, code, _ := s.Launcher()
	if out := s.Output(); code == 0 || strings.TrimSpace(out) == "" {
		c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("exit code %d, output %q", code, Shorten(out, 300)), Want: "a non-zero exit and a line saying the key or certificate is bad"})
	}
	isLock := func(arg string) bool { return arg == f.Lock }
	// The launcher said it failed: by then its daemon should be gone.
	if left := waitGone(processesWith(isLock), LauncherLimit); len(left) > 0 {
		c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("processes %v, started with this lock file, still run %v after the launcher exited", left, LauncherLimit), Want: "no process left behind by a failed start"})
	}
}

// replyOrError is what came back: the reply's head, or the error.
func replyOrError(r Reply, err error) string {
	if err != nil {
		return err.Error()
	}
	return r.Head()
}
