package main

import (
	"crypto/tls"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"liso/shared/lisotest"
)

// repoRoot is where the printed lisod command is meant to run; the tests
// run in tools/certgen.
const repoRoot = "../.."

var httpsListenRE = regexp.MustCompile(`HTTPS listening on [^\s,]*:(\d+)`)

// TestPrintedLisodCommand runs the lisod command that certgen issue
// prints, as "go run" would from the repository root, and fetches the home
// page over HTTPS trusting only the CA: the printed command must work as
// printed. Only the port is changed, from the example 8443 to a free one.
func TestPrintedLisodCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not building and starting lisod")
	}
	home := testHome(t)
	keyFile, certFile, caFile := filepath.Join(home, "server.key"), filepath.Join(home, "server.crt"), filepath.Join(home, "ca", "ca.crt")
	out := mustCertgen(t, "issue")

	var words []string
	for line := range strings.Lines(out) {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "go" && f[1] == "run" {
			words = f
		}
	}
	if words == nil {
		t.Fatalf("certgen issue prints no go run command:\n%s", out)
	}
	if strings.ContainsAny(strings.Join(words, " "), `'"\`) {
		t.Fatalf("printed command %q is quoted; this test splits it on blanks only", words)
	}
	// "go run PKG ARGS" is "go build PKG", then the binary with ARGS.
	lisod := filepath.Join(t.TempDir(), "lisod")
	build := exec.Command("go", "build", "-o", lisod, words[2])
	build.Dir = repoRoot
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -o lisod %s, from the repository root: %v\n%s", words[2], err, b)
	}
	args := slices.Clone(words[3:])
	i := slices.Index(args, examplePort)
	if i < 0 {
		t.Fatalf("printed command %q does not name the example port %s", words, examplePort)
	}
	args[i] = "0"
	args = append(args, "--http-port", "0", "--bind", "127.0.0.1")
	p := lisotest.StartProgram(t, lisod, nil, args...)
	m := httpsListenRE.FindStringSubmatch(p.LineContaining(t, "HTTPS listening on"))
	if m == nil {
		t.Fatalf("lisod %q names no HTTPS address; stderr:\n%s", args, p.Stderr())
	}

	client := &http.Client{
		Timeout:   lisotest.HangGuard,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool(t, caFile), ServerName: "localhost"}},
	}
	resp, err := client.Get("https://" + net.JoinHostPort("127.0.0.1", m[1]) + "/")
	if err != nil {
		t.Fatalf("GET / over HTTPS from lisod %q: %v; stderr:\n%s", args, err, p.Stderr())
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET / over HTTPS = %s; want 200 OK", resp.Status)
	}
	if got := resp.TLS.PeerCertificates[0].Raw; !slices.Equal(got, loadCert(t, certFile).Raw) {
		t.Errorf("lisod served another certificate than %s (key %s)", certFile, keyFile)
	}
	client.CloseIdleConnections()

	p.Signal(t, syscall.SIGINT)
	if code := p.Wait(t, 10*time.Second); code != 0 {
		t.Errorf("lisod exited with %d after Ctrl-C; want 0; stderr:\n%s", code, p.Stderr())
	}
}
