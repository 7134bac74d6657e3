// Command lisod, checkpoint 3: HTTP and HTTPS, CGI, and a daemon.
//
// It serves the www folder over HTTP on the HTTP port and over HTTPS on the
// HTTPS port, with the same code, and runs as a daemon as the course asks:
// the command returns once the server is running in the background, with
// its pid in the lock file. --foreground keeps it in the terminal. Without
// a key and certificate it issues a development pair from a local CA (see
// tools/certgen); without a www folder it serves the built-in demo site.
//
// This file is only wiring: the work is done by the packages in ../shared.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"liso/shared/certs"
	"liso/shared/cgihost"
	"liso/shared/cmdline"
	"liso/shared/daemon"
	"liso/shared/demo"
	"liso/shared/httpconn"
	"liso/shared/httpmsg"
	"liso/shared/logfile"
	"liso/shared/server"
	"liso/shared/static"
	"liso/shared/tlsconfig"
)

var program = cmdline.Program{
	Description: "Liso checkpoint 3: an HTTP and HTTPS server with CGI, running as a daemon. " +
		"Without a key and certificate it issues a development pair (see tools/certgen).",
	Uses: []string{"http-port", "https-port", "log-file", "lock-file", "www-folder", "cgi-script", "private-key", "certificate"},
}

// options are checkpoint 2's, plus HTTPS, daemon and CGI options.
type options struct {
	cmdline.Args
	cmdline.HTTPOptions
	cmdline.HTTPSOptions
	cmdline.DaemonOptions
	cmdline.CGIOptions
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil && !errors.Is(err, cmdline.ErrShown) {
		fmt.Fprintln(os.Stderr, "lisod:", err)
		os.Exit(1)
	}
}

// run parses the command line and becomes the launcher, the daemon or a
// foreground server.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var opts options
	if err := cmdline.Parse(&opts, args, program, stdout); err != nil {
		return err
	}
	if daemon.IsChild() {
		return runDaemon(ctx, &opts)
	}
	// The lock comes first, so that a second lisod reports the running one
	// rather than a port conflict. In the foreground it is optional.
	var lock *daemon.LockFile
	if lockPath := lockFile(&opts); lockPath != "" {
		var err error
		if lock, err = daemon.Lock(lockPath); err != nil {
			return err
		}
		defer lock.Close()
	}
	if err := findKeyPair(&opts, stdout); err != nil {
		return err
	}
	httpL, err := server.Listen(opts.Bind, int(opts.HTTPPort))
	if err != nil {
		return err
	}
	httpsL, err := server.Listen(opts.Bind, int(opts.HTTPSPort))
	if err != nil {
		httpL.Close()
		return err
	}

	if !opts.Foreground {
		pid, err := daemon.Detach(lock, []net.Listener{httpL, httpsL}, 0)
		httpL.Close()
		httpsL.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "lisod: daemon running (pid %d): HTTP listening on %s, HTTPS listening on %s; lock file %s\n",
			pid, httpL.Addr(), httpsL.Addr(), lock.Path())
		return nil
	}
	if lock != nil {
		if err := lock.WritePID(os.Getpid()); err != nil {
			return err
		}
	}
	return serve(ctx, &opts, httpL, httpsL, stdout, stderr, func() {})
}

// runDaemon is the background process Detach started: it takes over the
// lock and listeners, tells the launcher whether it could start, and serves.
func runDaemon(ctx context.Context, opts *options) error {
	child, err := daemon.Resume()
	if err != nil {
		return err
	}
	defer child.Lock().Close()
	ls := child.Listeners()
	// The launcher issued the development pair, if one was needed; here
	// it is only found again.
	if err = findKeyPair(opts, io.Discard); err == nil {
		err = serve(ctx, opts, ls[0], ls[1], io.Discard, io.Discard, func() { child.Ready() })
	}
	if err != nil {
		child.Fail(err) // a no-op once Ready was sent
	}
	return err
}

// lockFile is the lock file to take: the one given, or, for a daemon, one
// in the user's runtime folder.
func lockFile(opts *options) string {
	if opts.LockFile != "" || opts.Foreground {
		return opts.LockFile
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	return fmt.Sprintf("%s/lisod-%d.lock", dir, os.Getuid())
}

// findKeyPair fills in a development key pair when none was given, issuing
// it (and the local CA) on first use.
func findKeyPair(opts *options, stdout io.Writer) error {
	switch {
	case opts.PrivateKey != "" && opts.Certificate != "":
		return nil
	case opts.PrivateKey != "" || opts.Certificate != "":
		return errors.New("give both the private key and the certificate, or neither (for a development pair)")
	}
	home, err := certs.DefaultHome()
	if err != nil {
		return err
	}
	pair, err := certs.EnsureDevPair(home, time.Now())
	if err != nil {
		return err
	}
	opts.PrivateKey, opts.Certificate = pair.KeyFile, pair.CertFile
	if pair.Created() {
		fmt.Fprintf(stdout, "lisod: issued a development certificate for localhost (%s)\n", pair.CertFile)
	}
	fmt.Fprintf(stdout, "lisod: clients trust it through the CA %s (curl --cacert %s https://localhost:%d/)\n",
		pair.CAFile, pair.CAFile, opts.HTTPSPort)
	return nil
}

// serve runs lisod on its two listeners until ctx ends. ready is called
// once everything is set up.
func serve(ctx context.Context, opts *options, httpL, httpsL net.Listener, stdout, stderr io.Writer, ready func()) error {
	logFile, err := logfile.Open(opts.LogFile, stderr)
	if err != nil {
		return err
	}
	defer logFile.Close()
	log := logfile.NewLogger(logFile)

	cert, err := tlsconfig.Load(opts.Certificate, opts.PrivateKey)
	if err != nil {
		return err
	}
	www := opts.WWWFolder
	if www == "" {
		if www, err = demo.WriteSite(); err != nil {
			return err
		}
		defer os.RemoveAll(www)
	}
	files, err := static.New(www)
	if err != nil {
		return err
	}
	defer files.Close()

	// Paths under /cgi/ run the CGI script; everything else is a file.
	script := opts.CGIScript
	if script == "" {
		if script, err = demo.WriteCGIScript(); err != nil {
			return err
		}
		defer os.RemoveAll(filepath.Dir(script))
	}
	site := &cgihost.Handler{Script: script, Other: files, Timeout: opts.CGITimeout, MaxScripts: opts.MaxScripts, Log: log}
	if err := site.Check(); err != nil {
		log.Warn("CGI requests will fail", "err", err)
	}

	web := &httpconn.Server{
		Handler:          site,
		Limits:           httpmsg.Limits{MaxHeaderBytes: opts.MaxHeaderBytes, MaxBodyBytes: opts.MaxBodyBytes},
		HeaderTimeout:    opts.HeaderTimeout,
		BodyTimeout:      opts.BodyTimeout,
		WriteTimeout:     opts.WriteTimeout,
		IdleTimeout:      opts.IdleTimeout,
		RequireHost:      opts.RequireHost,
		HandshakeTimeout: opts.HandshakeTimeout,
		AccessLog:        logFile,
		Log:              log,
	}
	srv := &server.Server{Handler: web, MaxConns: opts.MaxConns, Refuse: web.Refuse, Log: log}
	httpsL = tls.NewListener(httpsL, tlsconfig.Config(cert))

	// SIGHUP: reload the certificate and reopen the log (after rotation).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go reloadOnHangup(hup, cert, logFile, log)

	log.Info("lisod started", "version", cmdline.Version, "checkpoint", 3, "pid", os.Getpid(),
		"http", httpL.Addr(), "https", httpsL.Addr(), "www", www, "cgi", script, "certificate", opts.Certificate)
	fmt.Fprintf(stdout, "lisod: HTTP listening on %s, HTTPS listening on %s (pid %d), serving %s\n",
		httpL.Addr(), httpsL.Addr(), os.Getpid(), www)
	ready()
	return server.Run(ctx, srv, opts.ShutdownTimeout, httpL, httpsL)
}

// reloadOnHangup handles SIGHUP for the life of the process.
func reloadOnHangup(hup <-chan os.Signal, cert *tlsconfig.Certificate, logFile *logfile.File, log *slog.Logger) {
	for range hup {
		if err := logFile.Reopen(); err != nil {
			log.Error("SIGHUP: reopening the log failed; still writing to the old file", "err", err)
		}
		if err := cert.Reload(); err != nil {
			log.Error("SIGHUP: certificate not reloaded; the old one stays in use", "err", err)
			continue
		}
		log.Info("SIGHUP: certificate reloaded", "subject", cert.Leaf().Subject.String(), "expires", cert.Leaf().NotAfter)
	}
}
