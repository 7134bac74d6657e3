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
	"liso/shared/proxyproto"
	"liso/shared/server"
	"liso/shared/static"
	"liso/shared/tlsconfig"
)

var program = cmdline.Program{
	Description: "Liso checkpoint 3: an HTTP and HTTPS server with CGI, running as a daemon. " +
		"Without a key and certificate it issues a development pair (see tools/certgen).",
	Uses: []string{"http-port", "https-port", "log-file", "lock-file", "www-folder", "cgi-script", "private-key", "certificate"},
	// --help shows these defaults as they are for the user who asks.
	Defaults: map[string]string{
		"log-file":    daemon.LogFileHelp(),
		"lock-file":   daemon.LockFileHelp(),
		"private-key": certs.PrivateKeyHelp(),
		"certificate": certs.CertificateHelp(),
	},
}

// options are checkpoint 2's, plus HTTPS, daemon, CGI and proxy options.
type options struct {
	cmdline.Args
	cmdline.HTTPOptions
	cmdline.HTTPSOptions
	cmdline.DaemonOptions
	cmdline.CGIOptions
	cmdline.ProxyOptions
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
// Unless told to stay in the foreground, the lisod a user starts is only
// the launcher of a daemon (launchDaemon); the daemon it starts runs this
// same program.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	var opts options
	if err := cmdline.Parse(&opts, args, program, stdout); err != nil {
		return err
	}
	// A daemon always logs to a file and holds a lock.
	if !opts.Foreground {
		if opts.LogFile, opts.LockFile, err = daemon.Files(opts.LogFile, opts.LockFile); err != nil {
			return err
		}
		if !daemon.IsChild() {
			return launchDaemon(&opts, stdout)
		}
	}
	// The daemon, or lisod in the foreground: first the lock, so that a
	// second lisod reports the running one rather than a port in use.
	proc, err := daemon.Begin(opts.LockFile)
	if err != nil {
		return err
	}
	defer proc.End(&err) // tells a daemon's launcher why it failed, if it did

	logFile, err := logfile.Open(opts.LogFile, stderr)
	if err != nil {
		return err
	}
	defer logFile.Close()
	return serve(ctx, &opts, logFile, proc, stdout)
}

// serve serves the www folder and the CGI script over HTTP and HTTPS
// until ctx is cancelled.
func serve(ctx context.Context, opts *options, logFile *logfile.File, proc *daemon.Process, stdout io.Writer) error {
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
	// Paths under /cgi/ run the CGI script; everything else is a file.
	routes := httpconn.NewMux()
	cgi, removeScript, err := newCGIHandler(opts, routes, log)
	if err != nil {
		return err
	}
	defer removeScript()
	routes.Handle("/cgi/", cgi)
	routes.Handle("/", files)

	web := newHTTPServer(opts, routes, logFile, log)

	listeners, pair, cert, err := listen(opts, proc, stdout)
	if err != nil {
		return err
	}
	httpL, httpsL := listeners[0], listeners[1]
	// SIGHUP: reload the certificate and reopen the log (after rotation).
	stopReloading := daemon.ReloadOnHangup(log, logFile, cert)
	defer stopReloading()

	log.Info("lisod started", "version", server.Version, "checkpoint", 3, "pid", os.Getpid(),
		"http", httpL.Addr(), "https", httpsL.Addr(), "www", www, "cgi", cgi.Script, "certificate", pair.CertFile)
	if len(opts.ProxyFrom) > 0 {
		log.Info("a PROXY protocol header is required from", "proxies", opts.ProxyFrom)
	}
	proc.Ready()
	fmt.Fprint(stdout, pair.TrustLine(httpsL.Addr()))
	fmt.Fprintf(stdout, "lisod: HTTP listening on %s, HTTPS listening on %s (pid %d), serving %s\n",
		httpL.Addr(), httpsL.Addr(), os.Getpid(), www)
	return server.Run(ctx, web, log, opts.ShutdownTimeout, httpL, httpsL)
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

		// HTTPS connections start with a TLS handshake.
		HandshakeTimeout: opts.HandshakeTimeout,
	}
}

// newCGIHandler runs the CGI script, or the demo script when none is
// given; a local redirect that leaves the script's paths goes to site.
// remove deletes the demo script.
func newCGIHandler(opts *options, site httpconn.Handler, log *slog.Logger) (cgi *cgihost.Handler, remove func(), err error) {
	script, remove, err := demo.CGIScriptIfNone(opts.CGIScript)
	if err != nil {
		return nil, nil, err
	}
	cgi = &cgihost.Handler{Script: script, Site: site, Timeout: opts.CGITimeout, MaxScripts: opts.MaxScripts, Log: log}
	if err := cgi.Check(); err != nil {
		log.Warn("CGI requests will fail", "err", err)
	}
	return cgi, remove, nil
}

// listen opens the HTTP and HTTPS ports (the daemon takes the ones its
// launcher opened) and puts TLS on the second, serving the key pair lisod
// was given or the development pair, which it issues on first use. Behind
// a load balancer (--proxy-from), each port first reads the PROXY header
// from the balancer's connections.
func listen(opts *options, proc *daemon.Process, stdout io.Writer) ([]net.Listener, certs.ServerPair, *tlsconfig.Certificate, error) {
	listeners, err := proc.Listen(opts.Bind, int(opts.HTTPPort), int(opts.HTTPSPort))
	if err != nil {
		return nil, certs.ServerPair{}, nil, err
	}
	// Only now the certificate: a run that cannot bind creates no CA.
	pair, err := certs.EnsureServerPair(opts.PrivateKey, opts.Certificate, time.Now())
	if err != nil {
		return nil, pair, nil, err
	}
	fmt.Fprint(stdout, pair.IssuedLine())
	cert, err := tlsconfig.Load(pair.CertFile, pair.KeyFile)
	if err != nil {
		return nil, pair, nil, err
	}
	httpL, httpsL := listeners[0], listeners[1]
	if len(opts.ProxyFrom) > 0 {
		// Under TLS too: the balancer relays the client's encrypted
		// bytes as they came, after a header of its own in the clear.
		httpL = proxyproto.NewListener(httpL, opts.ProxyFrom)
		httpsL = proxyproto.NewListener(httpsL, opts.ProxyFrom)
	}
	// WatchAlerts lets the log say when a client rejected the certificate.
	httpsL = tls.NewListener(tlsconfig.WatchAlerts(httpsL), tlsconfig.Config(cert))
	return []net.Listener{httpL, httpsL}, pair, cert, nil
}

// launchDaemon is the lisod a user starts when it is to become a daemon.
// It does what can fail where the failure reaches the user's terminal:
// it takes the lock, opens the ports and issues the development pair if
// one is needed (slow work, which the daemon must not do: the graders want
// the launcher gone within two seconds). Then it hands the lock and the
// ports to the daemon it starts, and returns once the daemon serves.
func launchDaemon(opts *options, stdout io.Writer) error {
	lock, err := daemon.Lock(opts.LockFile)
	if err != nil {
		return err
	}
	defer lock.Close()
	// Then the ports, before anything is said or written about
	// certificates: a run that cannot bind prints only why, and creates
	// no CA.
	listeners, err := daemon.Listen(opts.Bind, int(opts.HTTPPort), int(opts.HTTPSPort))
	if err != nil {
		return err
	}
	for _, l := range listeners {
		defer l.Close()
	}
	pair, err := certs.EnsureServerPair(opts.PrivateKey, opts.Certificate, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, pair.IssuedLine())

	pid, err := daemon.Detach(lock, listeners, 0)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, pair.TrustLine(listeners[1].Addr()))
	fmt.Fprintf(stdout, "lisod: daemon running (pid %d): HTTP listening on %s, HTTPS listening on %s; log file %s, lock file %s\n",
		pid, listeners[0].Addr(), listeners[1].Addr(), opts.LogFile, lock.Path())
	return nil
}
