// Command lisod, checkpoint 1: a concurrent echo server.
//
// It listens on the HTTP port and sends every byte each client writes back
// to that client, for thousands of clients at once. Of the course's eight
// arguments it uses the HTTP port and the log file; it accepts the others so
// that the course's command line works unchanged.
//
// This file is only wiring: the work is done by the packages in ../shared.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"liso/shared/cmdline"
	"liso/shared/echo"
	"liso/shared/logfile"
	"liso/shared/server"
)

var program = cmdline.Program{
	Description: "Liso checkpoint 1: a concurrent echo server. Every byte a client sends is sent back to it.",
	Uses:        []string{"http-port", "log-file"},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil && !errors.Is(err, cmdline.ErrShown) {
		fmt.Fprintln(os.Stderr, "lisod:", err)
		os.Exit(1)
	}
}

// run starts the server and serves until ctx is cancelled.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var opts cmdline.Args
	if err := cmdline.Parse(&opts, args, program, stdout); err != nil {
		return err
	}

	logFile, err := logfile.Open(opts.LogFile, stderr)
	if err != nil {
		return err
	}
	defer logFile.Close()
	log := logfile.NewLogger(logFile)

	ln, err := server.Listen(opts.Bind, int(opts.HTTPPort))
	if err != nil {
		return err
	}
	srv := &server.Server{Handler: echo.Handler{}, MaxConns: opts.MaxConns, Log: log, LogConnections: true}

	log.Info("lisod started", "version", server.Version, "checkpoint", 1, "pid", os.Getpid(), "echo", ln.Addr())
	fmt.Fprintf(stdout, "lisod: echo server listening on %s (pid %d)\n", ln.Addr(), os.Getpid())
	return server.Run(ctx, srv, log, opts.ShutdownTimeout, ln)
}
