package daemon_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"liso/shared/daemon"
	"liso/shared/echo"
	"liso/shared/logfile"
	"liso/shared/server"
)

// startLisod is the start-up of a lisod that serves echo on port, as a
// daemon or, with foreground set, in the foreground.
func startLisod(lockPath, logPath string, port int, foreground bool) error {
	if daemon.IsChild() {
		return runDaemon(logPath)
	}
	// The lock first, so that a second lisod says "already running (pid N)"
	// rather than "address already in use".
	lock, err := daemon.Lock(lockPath)
	if err != nil {
		return err
	}
	defer lock.Close()
	// Then the ports, here where the error reaches the terminal.
	l, err := server.Listen("", port)
	if err != nil {
		return err
	}
	defer l.Close()

	if foreground {
		if err := lock.WritePID(os.Getpid()); err != nil {
			return err
		}
		log, err := logfile.Open(logPath, os.Stderr)
		if err != nil {
			return err
		}
		defer log.Close()
		return serve(log, []net.Listener{l}, func() error { return nil })
	}
	// The daemon takes the lock and the port over; we exit 0 once it serves.
	pid, err := daemon.Detach(lock, []net.Listener{l}, 0)
	if err != nil {
		return err
	}
	fmt.Printf("lisod: serving in the background, pid %d\n", pid)
	return nil
}

// runDaemon is the daemon's side: what can still fail is reported to the
// launcher, which shows it on the terminal.
func runDaemon(logPath string) error {
	c, err := daemon.Resume()
	if err != nil {
		return err // Resume told the launcher already
	}
	log, err := logfile.Open(logPath, os.Stderr) // stderr is /dev/null now
	if err != nil {
		c.Fail(err)
		return err
	}
	defer log.Close()
	return serve(log, c.Listeners(), c.Ready)
}

// serve runs the server until SIGTERM; SIGHUP reopens the log (a real
// lisod reloads its certificate there too).
func serve(log *logfile.File, listeners []net.Listener, ready func() error) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			log.Reopen()
		}
	}()
	srv := &server.Server{Handler: echo.Handler{}, Log: logfile.NewLogger(log)}
	if err := ready(); err != nil {
		srv.Log.Warn("the launcher did not hear that we serve", "err", err)
	}
	return server.Run(ctx, srv, srv.Log, 10*time.Second, listeners...)
}

// A lisod's main calls its start-up and is the one place that exits.
func Example() {
	if err := startLisod("/run/lisod/lisod.lock", "/var/log/lisod/lisod.log", 8080, false); err != nil {
		fmt.Fprintln(os.Stderr, "lisod:", err)
		os.Exit(1)
	}
}
