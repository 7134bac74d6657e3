// Command lisod, checkpoint 2: an HTTP/1.1 server for a folder of files.
//
// It serves the www folder over HTTP/1.1 on the HTTP port: GET, HEAD and
// POST, persistent connections and pipelining, and an access log. Without a
// www folder it serves a small built-in demo site. Of the course's eight
// arguments it uses the HTTP port, the log file and the www folder.
//
// This file is only wiring: the work is done by the packages in ../shared.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"liso/shared/cmdline"
	"liso/shared/demo"
	"liso/shared/httpconn"
	"liso/shared/httpmsg"
	"liso/shared/logfile"
	"liso/shared/server"
	"liso/shared/static"
)

var program = cmdline.Program{
	Description: "Liso checkpoint 2: an HTTP/1.1 server for the files of the www folder.",
	Uses:        []string{"http-port", "log-file", "www-folder"},
}

// options are checkpoint 1's, plus the HTTP server's timeouts and limits.
type options struct {
	cmdline.Args
	cmdline.HTTPOptions
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
	var opts options
	if err := cmdline.Parse(&opts, args, program, stdout); err != nil {
		return err
	}

	logFile, err := logfile.Open(opts.LogFile, stderr)
	if err != nil {
		return err
	}
	defer logFile.Close()
	log := logfile.NewLogger(logFile)

	www, removeDemo, err := demo.SiteIfNone(opts.WWWFolder)
	if err != nil {
		return err
	}
	defer removeDemo()
	files, err := static.New(www)
	if err != nil {
		return err
	}
	defer files.Close()

	web := newHTTPServer(&opts, files, logFile, log)

	ln, err := server.Listen(opts.Bind, int(opts.HTTPPort))
	if err != nil {
		return err
	}

	log.Info("lisod started", "version", server.Version, "checkpoint", 2, "pid", os.Getpid(), "http", ln.Addr(), "www", www)
	fmt.Fprintf(stdout, "lisod: HTTP server listening on %s (pid %d), serving %s\n", ln.Addr(), os.Getpid(), www)
	return server.Run(ctx, web, log, opts.ShutdownTimeout, ln)
}

// newHTTPServer is the HTTP/1.1 side of lisod, serving h with the
// options' timeouts and limits, and logging to logFile.
func newHTTPServer(opts *options, h httpconn.Handler, logFile *logfile.File, log *slog.Logger) *httpconn.Server {
	return &httpconn.Server{
		Handler:       h,
		Limits:        httpmsg.Limits{MaxHeaderBytes: opts.MaxHeaderBytes, MaxBodyBytes: opts.MaxBodyBytes},
		HeaderTimeout: opts.HeaderTimeout,
		BodyTimeout:   opts.BodyTimeout,
		WriteTimeout:  opts.WriteTimeout,
		IdleTimeout:   opts.IdleTimeout,
		RequireHost:   opts.RequireHost,
		MaxConns:      opts.MaxConns,
		AccessLog:     logFile,
		Log:           log,
	}
}
