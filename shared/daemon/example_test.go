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
func startLisod(lockPath, logPath string, port int, foreground bool) (err error) {
	if !foreground && !daemon.IsChild() {
		return launchLisod(lockPath, port)
	}
	// The daemon, or lisod in the foreground: from here on they are alike.
	proc, err := daemon.Begin(lockPath)
	if err != nil {
		return err
	}
	defer proc.End(&err)                         // the daemon's launcher hears why it failed
	log, err := logfile.Open(logPath, os.Stderr) // a daemon's stderr is /dev/null
	if err != nil {
		return err
	}
	defer log.Close()
	listeners, err := proc.Listen("", port)
	if err != nil {
		return err
	}
	return serve(log, listeners, proc.Ready)
}

// launchLisod is the launching lisod's side: it opens what can fail where the
// error reaches the terminal, hands it to the daemon, and exits 0 once the
// daemon serves.
func launchLisod(lockPath string, port int) error {
	// The lock first, so that a second lisod says "already running (pid N)"
	// rather than "address already in use".
	lock, err := daemon.Lock(lockPath)
	if err != nil {
		return err
	}
	defer lock.Close()
	listeners, err := daemon.Listen("", port)
	if err != nil {
		return err
	}
	defer listeners[0].Close()
	pid, err := daemon.Detach(lock, listeners, 0)
	if err != nil {
		return err
	}
	fmt.Printf("lisod: serving in the background, pid %d\n", pid)
	return nil
}

// serve runs the server until SIGTERM; SIGHUP reopens the log (a real
// lisod calls ReloadOnHangup, which reloads its certificate too).
func serve(log *logfile.File, listeners []net.Listener, ready func()) error {
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
	ready()
	return server.Run(ctx, srv, srv.Log, 10*time.Second, listeners...)
}

// A lisod's main calls its start-up and is the one place that exits.
func Example() {
	if err := startLisod("/run/lisod/lisod.lock", "/var/log/lisod/lisod.log", 8080, false); err != nil {
		fmt.Fprintln(os.Stderr, "lisod:", err)
		os.Exit(1)
	}
}
