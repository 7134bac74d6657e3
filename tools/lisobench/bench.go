package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"liso/shared/certs"
)

// bench is one run of lisobench: its configuration and the temporary
// folder every server shares (site, key pair, logs, scripts).
type bench struct {
	cfg       *config
	progress  io.Writer         // one line per step, for the impatient
	root      string            // the module's folder
	dir       string            // the temporary folder
	www       string            // the site every server serves
	bigSize   int64             // size of bigFile
	cgiScript string            // the trivial CGI script
	keyFile   string            // the key pair every HTTPS server uses
	certFile  string            //
	caFile    string            // the CA that signed certFile
	bins      map[string]string // built binaries by name: "lisod", "gofileserver", "ceiling", "tlsload"
}

// The site's files.
const (
	smallFile = "1k.bin"
	bigFile   = "big.bin"
	smallSize = 1024
	bigSize   = 256 << 20
	// smokeBigSize stands in for 256 MiB in smoke mode.
	smokeBigSize = 1 << 20
)

// measure runs the whole benchmark and returns its report. Every server it
// starts is stopped before it returns, also on error or interrupt.
func measure(ctx context.Context, c *config, progress io.Writer) (*report, error) {
	b := &bench{cfg: c, progress: progress, bins: map[string]string{}}
	if err := b.checkTools(ctx); err != nil {
		return nil, err
	}
	raiseFileLimit()
	dir, err := os.MkdirTemp("", "lisobench-")
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	b.dir = dir
	if c.keep {
		defer fmt.Fprintf(progress, "lisobench: kept %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if b.root, err = moduleRoot(ctx); err != nil {
		return nil, err
	}
	if err := b.build(ctx); err != nil {
		return nil, err
	}
	if err := b.writeSite(); err != nil {
		return nil, err
	}
	if err := b.issuePair(); err != nil {
		return nil, err
	}

	rep := newReport(c, machineInfo(ctx, b))
	var servers []*serverKind
	for _, name := range c.servers {
		k := findKind(name)
		if !b.measuresAny(k) {
			continue // lighttpd without the CGI row, say: no column for it
		}
		if _, err := k.find(b); err != nil {
			rep.notes = append(rep.notes, fmt.Sprintf("%s not measured: %v.", name, err))
			fmt.Fprintf(progress, "lisobench: %s not measured: %v\n", name, err)
			continue
		}
		servers = append(servers, k)
	}
	rep.servers = servers

	if c.idleConns > 0 {
		if err := b.measureIdle(ctx, servers, rep); err != nil {
			return nil, err
		}
	}
	if err := b.runLoad(ctx, servers, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// measuresAny reports whether the server is measured in anything this run
// does.
func (b *bench) measuresAny(k *serverKind) bool {
	if b.cfg.idleConns > 0 && k.measures("idle") {
		return true
	}
	for _, sc := range selectScenarios(b.cfg) {
		if k.measures(sc.id) {
			return true
		}
	}
	return false
}

// checkTools makes sure wrk and taskset run, and that both cores exist.
func (b *bench) checkTools(ctx context.Context) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk not found: install the Debian package wrk")
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return errors.New("taskset not found: install the Debian package util-linux")
	}
	if b.cfg.serverCPU == b.cfg.loadCPU {
		fmt.Fprintf(b.progress, "lisobench: warning: servers and wrk share CPU %d\n", b.cfg.serverCPU)
	}
	for _, cpu := range []int{b.cfg.serverCPU, b.cfg.loadCPU} {
		if err := exec.CommandContext(ctx, "taskset", "-c", strconv.Itoa(cpu), "true").Run(); err != nil {
			if b.cfg.smoke && runtime.NumCPU() < 2 {
				// A one-core CI machine can still prove the parts work.
				b.cfg.serverCPU, b.cfg.loadCPU = 0, 0
				fmt.Fprintln(b.progress, "lisobench: one core only: servers and wrk share CPU 0 (smoke mode)")
				return nil
			}
			return fmt.Errorf("cannot pin to CPU %d (taskset: %v); choose others with -server-cpu and -load-cpu", cpu, err)
		}
	}
	return nil
}

// raiseFileLimit lifts the soft limit on open files to the hard one, for
// the idle-connection clients and for the servers and wrk, which inherit
// it (Go restores the original limit in children unless it was set
// explicitly, as here).
func raiseFileLimit() {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	lim.Cur = lim.Max
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}

// fileLimit returns the soft limit on open files.
func fileLimit() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 1024
	}
	return int(min(lim.Cur, 1<<30))
}

// moduleRoot finds the liso module, wherever lisobench was started in it.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run it inside the liso repository (no go.mod found)")
	}
	return filepath.Dir(gomod), nil
}

// defaultDocsDir is the repository's docs folder.
func defaultDocsDir(ctx context.Context) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "docs"), nil
}

// build compiles lisod (unless -lisod names one), the net/http peer, the
// ceiling and tlsload with one go build.
func (b *bench) build(ctx context.Context) error {
	binDir := filepath.Join(b.dir, "bin")
	pkgs := []string{"./tools/lisobench/gofileserver", "./tools/lisobench/ceiling", "./tools/lisobench/tlsload"}
	if b.cfg.lisod == "" {
		pkgs = append(pkgs, "./checkpoint3")
		b.bins["lisod"] = filepath.Join(binDir, "checkpoint3")
	} else {
		abs, err := filepath.Abs(b.cfg.lisod)
		if err != nil {
			return fmt.Errorf("-lisod: %w", err)
		}
		b.bins["lisod"] = abs
	}
	for _, name := range []string{"gofileserver", "ceiling", "tlsload"} {
		b.bins[name] = filepath.Join(binDir, name)
	}
	args := []string{"build", "-o", binDir + string(filepath.Separator)}
	if b.cfg.race {
		args = append(args, "-race")
	}
	fmt.Fprintf(b.progress, "lisobench: go %s\n", strings.Join(append(args, pkgs...), " "))
	cmd := exec.CommandContext(ctx, "go", append(args, pkgs...)...)
	cmd.Dir = b.root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the servers: %w\n%s", err, out)
	}
	return nil
}

// writeSite writes the site every server serves, and the CGI script.
func (b *bench) writeSite() error {
	b.www = filepath.Join(b.dir, "www")
	if err := os.MkdirAll(b.www, 0o755); err != nil {
		return fmt.Errorf("writing the site: %w", err)
	}
	b.bigSize = bigSize
	if b.cfg.smoke {
		b.bigSize = smokeBigSize
	}
	files := []struct {
		name string
		size int64
	}{{smallFile, smallSize}, {bigFile, b.bigSize}}
	for _, f := range files {
		if err := writePattern(filepath.Join(b.www, f.name), f.size); err != nil {
			return fmt.Errorf("writing the site: %w", err)
		}
	}
	// The trivial CGI script, one printf under #!/bin/sh: RFC 3875
	// headers, a blank line, "ok". Every server with CGI runs this file.
	b.cgiScript = filepath.Join(b.dir, "cgi.sh")
	script := "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nok\\n'\n"
	if err := os.WriteFile(b.cgiScript, []byte(script), 0o755); err != nil {
		return fmt.Errorf("writing the CGI script: %w", err)
	}
	return nil
}

// cgiBody is what the CGI script answers.
const cgiBody = "ok\n"

// writePattern writes a file of n bytes of lines of printable text, in
// chunks (the big file should not have to fit in memory).
func writePattern(path string, n int64) error {
	const line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_\n"
	chunk := bytes.Repeat([]byte(line), 1<<20/len(line))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	for left := n; left > 0; left -= int64(len(chunk)) {
		if _, err := f.Write(chunk[:min(left, int64(len(chunk)))]); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// issuePair makes a throwaway CA and a key pair for localhost and
// 127.0.0.1 that every HTTPS server uses.
func (b *bench) issuePair() error {
	ca, err := certs.CreateCA(filepath.Join(b.dir, "liso-home", "ca"), certs.CAOptions{})
	if err != nil {
		return fmt.Errorf("%w", err)
	}
	pair, err := ca.Issue(certs.Request{})
	if err != nil {
		return fmt.Errorf("%w", err)
	}
	b.keyFile = certs.ServerKeyPath(filepath.Join(b.dir, "liso-home"))
	b.certFile = certs.ServerCertPath(filepath.Join(b.dir, "liso-home"))
	b.caFile = ca.CertFile()
	if err := pair.Write(b.keyFile, b.certFile, false); err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}

// accessLog is where the server named name writes its access log.
func (b *bench) accessLog(name string) string {
	return filepath.Join(b.dir, "access-"+name+".log")
}

// logf prints a progress line.
func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.progress, "lisobench: "+format+"\n", args...)
}
