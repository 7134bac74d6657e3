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
	prog := program
	prog.Defaults = helpDefaults()
	if err := cmdline.Parse(&opts, args, prog, stdout); err != nil {
		return err
	}
	if daemon.IsChild() {
		return runDaemon(ctx, &opts)
	}
	if !opts.Foreground {
		if err := daemonDefaults(&opts); err != nil {
			return err
		}
	}
	// The lock comes first, so that a second lisod reports the running one
	// rather than a port conflict. In the foreground it is taken only when
	// given.
	var lock *daemon.LockFile
	if opts.LockFile != "" {
		var err error
		if lock, err = daemon.Lock(opts.LockFile); err != nil {
			return err
		}
		defer lock.Close()
	}
	// Then the ports, before anything is said or written about
	// certificates: a run that cannot bind prints only why, and creates
	// no CA.
	httpL, err := server.Listen(opts.Bind, int(opts.HTTPPort))
	if err != nil {
		return err
	}
	httpsL, err := server.Listen(opts.Bind, int(opts.HTTPSPort))
	if err != nil {
		httpL.Close()
		return err
	}
	pair, err := findKeyPair(&opts, stdout)
	if err != nil {
		httpL.Close()
		httpsL.Close()
		return err
	}

	if !opts.Foreground {
		pid, err := daemon.Detach(lock, []net.Listener{httpL, httpsL}, 0)
		httpL.Close()
		httpsL.Close()
		if err != nil {
			return err
		}
		trustHint(stdout, pair, httpsL.Addr())
		fmt.Fprintf(stdout, "lisod: daemon running (pid %d): HTTP listening on %s, HTTPS listening on %s; log file %s, lock file %s\n",
			pid, httpL.Addr(), httpsL.Addr(), opts.LogFile, lock.Path())
		return nil
	}
	if lock != nil {
		if err := lock.WritePID(os.Getpid()); err != nil {
			return err
		}
	}
	return serve(ctx, &opts, httpL, httpsL, stdout, stderr, func() { trustHint(stdout, pair, httpsL.Addr()) })
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
	// The launcher chose the default log file and issued the development
	// pair, if they were needed; here they are only found again.
	if err = daemonDefaults(opts); err == nil {
		if _, err = findKeyPair(opts, io.Discard); err == nil {
			err = serve(ctx, opts, ls[0], ls[1], io.Discard, io.Discard, func() { child.Ready() })
		}
	}
	if err != nil {
		child.Fail(err) // a no-op once Ready was sent
	}
	return err
}

// daemonDefaults fills in the log and lock files a daemon was not given:
// its standard error is /dev/null, so it always logs to a file, and it
// always holds a lock, which is how its pid is found.
func daemonDefaults(opts *options) error {
	if opts.LockFile == "" {
		opts.LockFile = daemon.DefaultLockPath()
	}
	if opts.LogFile == "" {
		path, err := logfile.DefaultPath()
		if err != nil {
			return err
		}
		if err := logfile.MakeDir(path); err != nil {
			return err
		}
		opts.LogFile = path
	}
	return nil
}

// helpDefaults shows in --help the defaults that depend on the user.
func helpDefaults() map[string]string {
	logDefault := "none (give one)"
	if path, err := logfile.DefaultPath(); err == nil {
		logDefault = path
	}
	d := map[string]string{
		"log-file":  "standard error in the foreground; for a daemon " + logDefault,
		"lock-file": "none in the foreground; for a daemon " + daemon.DefaultLockPath(),
	}
	if home, err := certs.DefaultHome(); err == nil {
		d["private-key"] = "the development key " + certs.ServerKeyPath(home) + ", created on first use"
		d["certificate"] = "the development certificate " + certs.ServerCertPath(home) +
			", issued on first use by the local CA in " + certs.CADir(home) + "; see tools/certgen"
	}
	return d
}

// findKeyPair fills in a development key pair when none was given, issuing
// it (and the local CA) on first use. It returns the pair, or nil when a
// key and certificate were given.
func findKeyPair(opts *options, stdout io.Writer) (*certs.DevPair, error) {
	switch {
	case opts.PrivateKey != "" && opts.Certificate != "":
		return nil, nil
	case opts.PrivateKey != "" || opts.Certificate != "":
		return nil, errors.New("give both the private key and the certificate, or neither (for a development pair)")
	}
	home, err := certs.DefaultHome()
	if err != nil {
		return nil, err
	}
	pair, err := certs.EnsureDevPair(home, time.Now())
	if err != nil {
		return nil, err
	}
	opts.PrivateKey, opts.Certificate = pair.KeyFile, pair.CertFile
	if pair.Created() {
		fmt.Fprintf(stdout, "lisod: issued a development certificate for localhost (%s)\n", pair.CertFile)
	}
	return &pair, nil
}

// trustHint tells, once lisod serves, which CA clients must trust for a
// development pair.
func trustHint(stdout io.Writer, pair *certs.DevPair, https net.Addr) {
	if pair == nil {
		return
	}
	port := 0
	if a, ok := https.(*net.TCPAddr); ok {
		port = a.Port
	}
	fmt.Fprintf(stdout, "lisod: clients trust it through the CA %s (curl --cacert %s https://localhost:%d/)\n",
		pair.CAFile, pair.CAFile, port)
}

// serve runs lisod on its two listeners until ctx ends. ready is called
// once everything is set up, just before lisod says where it listens.
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
	routes := httpconn.NewMux()
	cgi := &cgihost.Handler{Script: script, Site: routes, Timeout: opts.CGITimeout, MaxScripts: opts.MaxScripts, Log: log}
	if err := cgi.Check(); err != nil {
		log.Warn("CGI requests will fail", "err", err)
	}
	routes.Handle("/cgi/", cgi)
	routes.Handle("/", files)

	web := &httpconn.Server{
		Handler:          routes,
		Limits:           httpmsg.Limits{MaxHeaderBytes: opts.MaxHeaderBytes, MaxBodyBytes: opts.MaxBodyBytes},
		HeaderTimeout:    opts.HeaderTimeout,
		BodyTimeout:      opts.BodyTimeout,
		WriteTimeout:     opts.WriteTimeout,
		IdleTimeout:      opts.IdleTimeout,
		RequireHost:      opts.RequireHost,
		HandshakeTimeout: opts.HandshakeTimeout,
		MaxConns:         opts.MaxConns,
		AccessLog:        logFile,
		Log:              log,
	}
	// WatchAlerts lets the log say when a client rejected the certificate.
	httpsL = tls.NewListener(tlsconfig.WatchAlerts(httpsL), tlsconfig.Config(cert))

	// SIGHUP: reload the certificate and reopen the log (after rotation).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go reloadOnHangup(hup, cert, logFile, log)

	log.Info("lisod started", "version", server.Version, "checkpoint", 3, "pid", os.Getpid(),
		"http", httpL.Addr(), "https", httpsL.Addr(), "www", www, "cgi", script, "certificate", opts.Certificate)
	ready()
	fmt.Fprintf(stdout, "lisod: HTTP listening on %s, HTTPS listening on %s (pid %d), serving %s\n",
		httpL.Addr(), httpsL.Addr(), os.Getpid(), www)
	return server.Run(ctx, web, log, opts.ShutdownTimeout, httpL, httpsL)
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
