package main

// lisod behind nginx's stream module, with the configuration
// docs/production.md shows (examples/nginx/lisod-stream.conf): a second
// real sender of the PROXY protocol, and the one that sends version 1.

import (
	"crypto/tls"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"liso/shared/lisotest"
)

// nginxStreamModule is where Debian's libnginx-mod-stream puts the
// module; an nginx built with the module inside needs no load_module.
const nginxStreamModule = "/usr/share/nginx/modules/ngx_stream_module.so"

// nginxConfig is a whole nginx.conf that runs examples/nginx's stream
// block on loopback, as a single foreground process whose files are all
// in dir: the block's ports replaced by httpPort and httpsPort, its
// servers by the two lisods.
func nginxConfig(t *testing.T, dir, httpPort, httpsPort string, a, b *proxied) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", "nginx", "lisod-stream.conf"))
	if err != nil {
		t.Fatal(err)
	}
	block := string(data)
	for _, r := range []struct{ old, new string }{
		{"listen 80;", "listen 127.0.0.1:" + httpPort + ";"},
		{"listen 443;", "listen 127.0.0.1:" + httpsPort + ";"},
		{"10.0.0.11:80 ", a.http + " "},
		{"10.0.0.12:80 ", b.http + " "},
		{"10.0.0.11:443 ", a.https + " "},
		{"10.0.0.12:443 ", b.https + " "},
	} {
		if n := strings.Count(block, r.old); n != 1 {
			t.Fatalf("examples/nginx/lisod-stream.conf has %q %d times; this test expects it once: change the test with the example", r.old, n)
		}
		block = strings.ReplaceAll(block, r.old, r.new)
	}
	var b2 strings.Builder
	if _, err := os.Stat(nginxStreamModule); err == nil {
		b2.WriteString("load_module " + nginxStreamModule + ";\n")
	}
	b2.WriteString("daemon off;\nmaster_process off;\npid " + filepath.Join(dir, "nginx.pid") + ";\nerror_log stderr notice;\nevents {}\n")
	b2.WriteString(block)
	return b2.String()
}

// TestNginxStream puts nginx in front of two lisods, and sends requests
// from a client on 127.0.0.2 over HTTP and over HTTPS, each on a
// connection of its own, which nginx hands to the lisods in turn: each
// lisod's CGI and access log must name the client, from nginx's version 1
// header.
func TestNginxStream(t *testing.T) {
	bin := lisotest.NeedCommand(t, "nginx", "nginx")
	if out, _ := exec.Command(bin, "-V").CombinedOutput(); !strings.Contains(string(out), "--with-stream ") {
		if _, err := os.Stat(nginxStreamModule); err != nil {
			msg := "nginx has no stream module (sudo apt-get install libnginx-mod-stream)"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg + "; CI=true: not skipped")
			}
			t.Skip(msg)
		}
	}
	home := t.TempDir()
	a := startProxied(t, "a", home)
	b := startProxied(t, "b", home)
	httpPort, httpsPort := freePorts(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(nginxConfig(t, dir, httpPort, httpsPort, a, b)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-e", "stderr", "-c", conf)
	out, exited := startBalancer(t, cmd, syscall.SIGQUIT) // SIGQUIT: nginx's graceful stop
	front := "127.0.0.1:" + httpPort
	waitForListener(t, front, exited, out)

	tlsConf := &tls.Config{RootCAs: caPool(t, home), ServerName: "localhost"}
	for range 2 { // nginx takes turns: both lisods get some
		checkCGIClient(t, "http", front, nil)
		checkCGIClient(t, "https", "127.0.0.1:"+httpsPort, tlsConf)
	}
	answered := 0
	for _, p := range []*proxied{a, b} {
		p.Signal(t, syscall.SIGTERM)
		if code := p.Wait(t, hangGuard); code != 0 {
			t.Errorf("lisod %s exited %d after SIGTERM; want 0", p.name, code)
		}
		checkProxiedLog(t, p, false)
		data, _ := os.ReadFile(p.logFile)
		n := strings.Count(string(data), `"GET /cgi/ HTTP/1.1" 200 `)
		if n == 0 {
			t.Errorf("lisod %s answered none of the CGI requests; want nginx to have taken turns:\n%s\nnginx said:\n%s", p.name, data, out)
		}
		answered += n
	}
	if answered != 4 {
		t.Errorf("the lisods answered %d CGI requests; want the 4 sent", answered)
	}
}

// waitForListener waits until something accepts connections at addr:
// nginx, started a moment ago, which is done (and said why) when exited
// closes first.
func waitForListener(t *testing.T, addr string, exited <-chan struct{}, out *lisotest.SyncBuffer) {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for {
		c, err := net.DialTimeout("tcp", addr, hangGuard)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			t.Fatalf("nginx exited:\n%s", out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx does not listen on %s: %v\n%s", addr, err, out)
		}
		time.Sleep(10 * time.Millisecond) // polling an observable condition (a listener), bounded above
	}
}
