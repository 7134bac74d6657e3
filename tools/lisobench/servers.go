package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A serverKind is one server lisobench can measure: how to start it,
// whether it serves CGI, and where it is measured.
type serverKind struct {
	name     string
	cgi      bool                                                  // serves /cgi/ with the trivial script
	only     []string                                              // the scenarios it is measured in; nil is all, idle memory too
	ceiling  bool                                                  // the limit, not a peer: no "best peer" counts it
	baseline bool                                                  // an older lisod (-baseline), not a peer: lisod's before
	find     func(b *bench) (string, error)                        // its binary; an error makes it "not measured"
	argv     func(b *bench, bin string, p ports) ([]string, error) // its command line
	env      []string                                              // added to the environment
	notes    string                                                // how it is set up, for the report
}

// measures reports whether the server is measured in the scenario with
// the id ("idle" for the idle memory).
func (k *serverKind) measures(id string) bool { return k.only == nil || contains(k.only, id) }

// ceilingRows are the scenarios the ceiling is measured in: every one but
// the 256 MiB file, whose answer it does not make (there the limit is
// sendfile and the loopback, for every server alike).
var ceilingRows = []string{"1k-50", "1k-1000", "pipelined", "tls", "tls-full", "tls-resume", "close", "cgi"}

// ports are the two a server listens on, on 127.0.0.1.
type ports struct{ http, https int }

// kinds are the servers, lisod first (every ratio is lisod's) and the
// baseline right after it, the ceiling last.
var kinds = []serverKind{
	{
		name: "lisod", cgi: true,
		find:  func(b *bench) (string, error) { return b.bins["lisod"], nil },
		argv:  lisodArgv("lisod"),
		env:   []string{"GOMAXPROCS=1"},
		notes: "checkpoint 3 in the foreground, access log to a file",
	},
	{
		name: "baseline", cgi: true, baseline: true,
		find: func(b *bench) (string, error) {
			if b.cfg.baseline == "" {
				return "", errors.New("no -baseline binary given")
			}
			return b.cfg.baseline, nil
		},
		argv: lisodArgv("baseline"),
		env:  []string{"GOMAXPROCS=1"},
		notes: "the lisod binary given with -baseline, run exactly as lisod is and beside it in every round: " +
			"the before of a before/after; no peer (no \"best peer\" counts it)",
	},
	{
		name: "net/http", cgi: true,
		find: func(b *bench) (string, error) { return b.bins["gofileserver"], nil },
		argv: func(b *bench, bin string, p ports) ([]string, error) {
			return []string{bin, "-http", fmt.Sprintf("127.0.0.1:%d", p.http), "-https", fmt.Sprintf("127.0.0.1:%d", p.https),
				"-root", b.www, "-cgi", b.cgiScript, "-key", b.keyFile, "-cert", b.certFile,
				"-log", b.accessLog("nethttp")}, nil
		},
		env:   []string{"GOMAXPROCS=1"},
		notes: "tools/lisobench/gofileserver: http.FileServer, net/http/cgi for /cgi/, one access log line per request",
	},
	{
		name: "nginx",
		find: findNginx,
		argv: func(b *bench, bin string, p ports) ([]string, error) {
			conf, err := b.writeNginxConf(p)
			if err != nil {
				return nil, err
			}
			return []string{bin, "-p", filepath.Join(b.dir, "nginx"), "-c", conf, "-e", filepath.Join(b.dir, "nginx", "error.log")}, nil
		},
		notes: "one worker, sendfile on, access log on (combined), keepalive_requests 1000000; no CGI (it needs fcgiwrap)",
	},
	{
		name: "lighttpd", cgi: true, only: []string{"cgi"},
		find: findLighttpd,
		argv: func(b *bench, bin string, p ports) ([]string, error) {
			conf, err := b.writeLighttpdConf(p)
			if err != nil {
				return nil, err
			}
			return []string{bin, "-D", "-f", conf}, nil
		},
		notes: "mod_cgi running the same script for /cgi/, one process, access log on (combined); measured in the CGI row only",
	},
	{
		name: "ceiling", cgi: true, only: ceilingRows, ceiling: true,
		find: func(b *bench) (string, error) { return b.bins["ceiling"], nil },
		argv: func(b *bench, bin string, p ports) ([]string, error) {
			return []string{bin, "-http", fmt.Sprintf("127.0.0.1:%d", p.http), "-https", fmt.Sprintf("127.0.0.1:%d", p.https),
				"-cert", b.certFile, "-key", b.keyFile, "-cgi", b.cgiScript}, nil
		},
		env: []string{"GOMAXPROCS=1"},
		notes: "tools/lisobench/ceiling: the same 1 KiB answer to every request, parsing nothing but each request's end " +
			"(and a \"Connection: close\"), over HTTP or crypto/tls, or the script's output through os/exec for /cgi/; no log; " +
			"not a peer (no \"best peer\" counts it), measured in every row but the 256 MiB file",
	},
}

// lisodArgv is the command line of a lisod binary, with its access log
// named log: lisod's own and the -baseline one's are the same but for it.
func lisodArgv(log string) func(b *bench, bin string, p ports) ([]string, error) {
	return func(b *bench, bin string, p ports) ([]string, error) {
		return []string{bin, "--foreground", "--bind", "127.0.0.1",
			"--log-file", b.accessLog(log), "--max-conns", "20000", "--shutdown-timeout", "2s",
			"--www-folder", b.www, "--cgi-script", b.cgiScript,
			"--private-key", b.keyFile, "--certificate", b.certFile,
			strconv.Itoa(p.http), strconv.Itoa(p.https)}, nil
	}
}

// serverNames lists the servers -servers accepts and measures by default:
// all but the baseline, which -baseline adds.
func serverNames() []string {
	var names []string
	for _, k := range kinds {
		if !k.baseline {
			names = append(names, k.name)
		}
	}
	return names
}

// findKind returns the server kind with the name, or nil.
func findKind(name string) *serverKind {
	for i := range kinds {
		if kinds[i].name == name {
			return &kinds[i]
		}
	}
	return nil
}

// findNginx finds the nginx binary, also where a non-root PATH misses it.
func findNginx(*bench) (string, error) {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx", nil
	}
	return "", errors.New("nginx is not installed (Debian package nginx)")
}

// A server is one running server process.
type server struct {
	kind      *serverKind
	cmd       *exec.Cmd
	http      string        // host:port of plain HTTP
	https     string        // host:port of HTTPS
	output    string        // file with its stdout and stderr
	exited    chan struct{} // closed when the process has ended
	accessLog string
	stopOnce  sync.Once
}

// startTimeout bounds how long a server may take to answer its first
// request (a -race build starts slowly).
const startTimeout = 30 * time.Second

// start runs the server pinned to the server core and waits until it
// answers. The caller must stop it.
func (b *bench) start(ctx context.Context, k *serverKind) (*server, error) {
	bin, err := k.find(b)
	if err != nil {
		return nil, err
	}
	p, err := freePorts()
	if err != nil {
		return nil, err
	}
	argv, err := k.argv(b, bin, p)
	if err != nil {
		return nil, err
	}
	s := &server{
		kind:      k,
		http:      fmt.Sprintf("127.0.0.1:%d", p.http),
		https:     fmt.Sprintf("127.0.0.1:%d", p.https),
		output:    filepath.Join(b.dir, "out-"+fileName(k.name)+".txt"),
		exited:    make(chan struct{}),
		accessLog: b.accessLog(fileName(k.name)),
	}
	out, err := os.OpenFile(s.output, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", k.name, err)
	}
	defer out.Close() // the child holds its own copy
	s.cmd = exec.Command("taskset", append([]string{"-c", strconv.Itoa(b.cfg.serverCPU)}, argv...)...)
	s.cmd.Env = append(append(os.Environ(), "LISO_HOME="+filepath.Join(b.dir, "liso-home"), "LISO_CA_DIR="), k.env...)
	s.cmd.Stdout, s.cmd.Stderr = out, out
	// Its own process group, so that stop reaches nginx's worker too;
	// killed with lisobench if lisobench dies without cleaning up.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", k.name, err)
	}
	go func() {
		s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// fileName turns a server name into a file name ("net/http" -> "nethttp").
func fileName(name string) string { return strings.ReplaceAll(name, "/", "") }

// freePorts asks the kernel for two free ports on 127.0.0.1. Another
// program could take them before the server does; start then fails
// clearly rather than measuring the wrong thing.
func freePorts() (ports, error) {
	var ls [2]net.Listener
	for i := range ls {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return ports{}, fmt.Errorf("finding a free port: %w", err)
		}
		defer l.Close()
		ls[i] = l
	}
	return ports{http: ls[0].Addr().(*net.TCPAddr).Port, https: ls[1].Addr().(*net.TCPAddr).Port}, nil
}

// waitReady polls the server until it serves the small file with 200.
func (s *server) waitReady(ctx context.Context) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(startTimeout)
	for {
		resp, err := client.Get("http://" + s.http + "/" + smallFile)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		select {
		case <-s.exited:
			return fmt.Errorf("%s exited at start (%v); its output:\n%s", s.kind.name, s.cmd.ProcessState, tail(s.output))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not serve /%s within %v (last: %v); its output:\n%s",
				s.kind.name, smallFile, startTimeout, err, tail(s.output))
		}
	}
}

// stop ends the server and everything it started: SIGTERM to its process
// group, SIGKILL if that is not enough within a few seconds.
// It may be called more than once.
func (s *server) stop() {
	s.stopOnce.Do(func() {
		pgid := s.cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-s.exited
		}
		// nginx's worker may outlive its master by a moment.
		syscall.Kill(-pgid, syscall.SIGKILL)
	})
}

// running reports whether the server process is still alive.
func (s *server) running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// tail returns the end of a file, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return strings.TrimSpace(string(b))
}
