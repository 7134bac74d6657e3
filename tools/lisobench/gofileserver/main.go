// Command gofileserver is lisod's net/http peer in tools/lisobench: Go's
// standard file server (http.FileServer) over HTTP and HTTPS, net/http/cgi
// for /cgi/, and an access log, so that it does the work lisod does and no
// less. It is what a Go programmer writes in twenty lines, tuned no
// further: the benchmark asks how lisod compares with that.
//
//	gofileserver -http 127.0.0.1:8080 -https 127.0.0.1:8443 -root www -cert server.crt -key server.key -log access.log
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) { // -h is no failure
		fmt.Fprintln(os.Stderr, "gofileserver:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gofileserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	httpAddr := fs.String("http", "127.0.0.1:8080", "address for plain HTTP")
	httpsAddr := fs.String("https", "", "address for HTTPS (needs -cert and -key)")
	root := fs.String("root", ".", "folder to serve")
	script := fs.String("cgi", "", "executable run for every /cgi/ request")
	certFile := fs.String("cert", "", "TLS certificate (PEM)")
	keyFile := fs.String("key", "", "TLS private key (PEM)")
	logPath := fs.String("log", "", "access log file (default: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *httpsAddr != "" && (*certFile == "" || *keyFile == "") {
		return errors.New("-https needs -cert and -key")
	}

	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir(*root)))
	if *script != "" {
		mux.Handle("/cgi/", &cgi.Handler{Path: *script, Root: "/cgi"})
	}
	var handler http.Handler = mux
	if *logPath != "" {
		f, err := os.OpenFile(*logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		handler = &accessLog{next: mux, out: f}
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second, // lisod's default
		ErrorLog:          log.New(stderr, "gofileserver: ", 0),
	}

	errs := make(chan error, 2)
	httpL, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		return err
	}
	go func() { errs <- srv.Serve(httpL) }()
	httpsText := "off"
	if *httpsAddr != "" {
		httpsL, err := net.Listen("tcp", *httpsAddr)
		if err != nil {
			srv.Close()
			return err
		}
		go func() { errs <- srv.ServeTLS(httpsL, *certFile, *keyFile) }()
		httpsText = httpsL.Addr().String()
	}
	fmt.Fprintf(stdout, "gofileserver: HTTP listening on %s, HTTPS listening on %s (pid %d), serving %s\n",
		httpL.Addr(), httpsText, os.Getpid(), *root)

	select {
	case err := <-errs:
		srv.Close()
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
	}
	return nil
}

// accessLog writes one Combined Log Format line per request, as lisod and
// nginx do, with one write each (nginx's default too).
type accessLog struct {
	next http.Handler
	mu   sync.Mutex // serialises the lines
	out  io.Writer
}

func (a *accessLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	a.next.ServeHTTP(rec, r)
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	size := "-"
	if rec.bytes > 0 {
		size = fmt.Sprint(rec.bytes)
	}
	line := fmt.Sprintf("%s - - [%s] %q %d %s %q %q\n", host, time.Now().Format("02/Jan/2006:15:04:05 -0700"),
		r.Method+" "+r.RequestURI+" "+r.Proto, rec.status, size, orDash(r.Referer()), orDash(r.UserAgent()))
	a.mu.Lock()
	defer a.mu.Unlock()
	io.WriteString(a.out, line)
}

// orDash is the log's spelling of an empty field.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// recorder notes the status and size of an answer. It passes ReadFrom on,
// or http.FileServer's io.Copy would lose sendfile and copy every file
// through user space.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) ReadFrom(src io.Reader) (int64, error) {
	rf, ok := r.ResponseWriter.(io.ReaderFrom)
	if !ok { // HTTP/2 has no sendfile
		return io.Copy(struct{ io.Writer }{r}, src)
	}
	n, err := rf.ReadFrom(src)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
