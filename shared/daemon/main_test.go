//go:build linux

package daemon_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"liso/shared/daemon"
	"liso/shared/echo"
	"liso/shared/server"
)

// The tests run this package's test binary as a small lisod: TestMain sees
// programEnv and runs testProgram instead of the tests. The launcher and
// the daemon it re-executes (os.Executable() is the test binary) both do.
const (
	programEnv = "DAEMONTEST_PROGRAM" // "1": run testProgram
	childEnv   = "DAEMONTEST_CHILD"   // how the daemon misbehaves: fail, exit, hang
	umaskEnv   = "DAEMONTEST_UMASK"   // the launcher's umask, in octal
	timeoutEnv = "DAEMONTEST_TIMEOUT" // Detach's timeout
)

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER from <linux/prctl.h>,
// which package syscall does not define.
const prSetChildSubreaper = 36

func TestMain(m *testing.M) {
	if os.Getenv(programEnv) == "1" {
		os.Exit(testProgram(os.Args[1:]))
	}
	// Become the "init" of the daemons the tests start: when a launcher
	// exits, its daemon is re-parented to this process instead of PID 1, so
	// the tests can wait for it and read its exit status.
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		fmt.Fprintln(os.Stderr, "daemon tests: prctl(PR_SET_CHILD_SUBREAPER):", errno)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// testProgram is a lisod in miniature, built the way checkpoint 3 uses the
// package: "testProgram LOCKFILE PORT" is a daemon that echoes on two
// listeners, as lisod serves HTTP and HTTPS: 127.0.0.1:PORT and a port the
// kernel picks. On each connection it first says which listener it came
// in on ("listener 0\n"), so that the tests can check their order. The
// launcher prints "daemon pid N listening on ADDR0 ADDR1" and exits 0, or
// prints the error and exits 1.
func testProgram(args []string) int {
	if daemon.IsChild() {
		return testDaemon()
	}
	if err := launchDaemon(args); err != nil {
		fmt.Fprintln(os.Stderr, "lisod-test:", err)
		return 1
	}
	return 0
}

func launchDaemon(args []string) error {
	if len(args) != 2 {
		return errors.New("usage: LOCKFILE PORT")
	}
	port, err := strconv.Atoi(args[1])
	if err != nil {
		return err
	}
	if s := os.Getenv(umaskEnv); s != "" {
		mask, err := strconv.ParseInt(s, 8, 0)
		if err != nil {
			return err
		}
		syscall.Umask(int(mask))
	}
	var timeout time.Duration
	if s := os.Getenv(timeoutEnv); s != "" {
		if timeout, err = time.ParseDuration(s); err != nil {
			return err
		}
	}

	// The order matters: the lock first, so that a second lisod says
	// "already running" rather than "address already in use".
	lock, err := daemon.Lock(args[0])
	if err != nil {
		return err
	}
	defer lock.Close()
	listeners, err := daemon.Listen("127.0.0.1", port, 0)
	if err != nil {
		return err
	}
	var addrs []string
	for _, l := range listeners {
		defer l.Close()
		addrs = append(addrs, l.Addr().String())
	}
	pid, err := daemon.Detach(lock, listeners, timeout)
	if err != nil {
		return err
	}
	fmt.Printf("daemon pid %d listening on %s\n", pid, strings.Join(addrs, " "))
	return nil
}

// testDaemon is the daemon's side, through a Process as checkpoint 3's is.
func testDaemon() int {
	proc, err := daemon.Begin("") // in the daemon, the lock is the launcher's
	if err != nil {
		return 1 // Begin (Resume) told the launcher
	}
	defer proc.End(&err)
	switch os.Getenv(childEnv) {
	case "fail":
		err = errors.New("told to fail\non two lines")
		return 1
	case "exit":
		return 3
	case "hang":
		time.Sleep(time.Hour) // until the launcher gives up and kills us
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	listeners, err := proc.Listen("127.0.0.1", 0, 0) // the launcher's two
	if err != nil {
		return 1
	}
	srv := &server.Server{Handler: server.HandlerFunc(func(ctx context.Context, conn net.Conn) {
		for i, l := range listeners {
			if l.Addr().String() == conn.LocalAddr().String() {
				fmt.Fprintf(conn, "listener %d\n", i)
			}
		}
		echo.Handler{}.ServeConn(ctx, conn)
	})}
	proc.Ready()
	if err = server.Run(ctx, srv, nil, 5*time.Second, listeners...); err != nil {
		return 1
	}
	return 0
}
