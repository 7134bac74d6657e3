package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"liso/shared/certs"
)

// TestMain lets the test binary stand in for certgen itself: with
// CERTGEN_RUN_MAIN=1 it runs main with its arguments, so TestMainExit can
// check exit codes and stderr without building anything.
func TestMain(m *testing.M) {
	if os.Getenv("CERTGEN_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testHome points every Liso variable at a fresh temporary folder.
func testHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv(certs.EnvHome, home)
	t.Setenv(certs.EnvCADir, "")
	t.Setenv("XDG_DATA_HOME", "")
	return home
}

// certgen runs the command in-process and returns what it printed.
func certgen(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// mustCertgen runs the command and fails the test on an error.
func mustCertgen(t *testing.T, args ...string) string {
	t.Helper()
	out, _, err := certgen(t, args...)
	if err != nil {
		t.Fatalf("certgen %q: %v", args, err)
	}
	return out
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// listFiles returns every file under dir, relative to it, to check that a
// failed command left nothing behind.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return nil
	})
	return files
}

func loadCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(path, strings.TrimSuffix(path, ".crt")+".key")
	if err != nil {
		t.Fatalf("tls.LoadX509KeyPair: %v", err)
	}
	return pair.Leaf
}

func pool(t *testing.T, caFile string) *x509.CertPool {
	t.Helper()
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM([]byte(read(t, caFile))) {
		t.Fatalf("no certificate in %s", caFile)
	}
	return p
}

func TestUsage(t *testing.T) {
	home := testHome(t)
	out, errOut, err := certgen(t)
	if err != nil || errOut != "" {
		t.Fatalf("certgen with no arguments = %v, stderr %q; want nil, nothing", err, errOut)
	}
	for _, want := range []string{"$ certgen ca", "$ certgen issue\n", "$ certgen issue example.test", filepath.Join(home, "ca"), "--force"} {
		if !strings.Contains(out, want) {
			t.Errorf("usage lacks %q:\n%s", want, out)
		}
	}
}

type helpTest struct {
	args []string
	want string
}

var helpTests = []helpTest{
	{args: []string{"--help"}, want: "Usage: certgen <command>"},
	{args: []string{"-h"}, want: "Usage: certgen <command>"},
	{args: []string{"ca", "--help"}, want: "--key-type"},
	{args: []string{"issue", "--help"}, want: "--out-dir=DIR"},
	{args: []string{"issue", "--help", "example.test"}, want: "--days"},
}

func TestHelp(t *testing.T) {
	for _, tt := range helpTests {
		home := testHome(t)
		out, _, err := certgen(t, tt.args...)
		if err != nil || !strings.Contains(out, tt.want) {
			t.Errorf("certgen %q = %v, output:\n%s\nwant nil and output containing %q", tt.args, err, out, tt.want)
		}
		if files := listFiles(t, home); len(files) != 0 {
			t.Errorf("certgen %q wrote %v", tt.args, files)
		}
	}
}

type argErrorTest struct {
	args []string
	want string
}

var argErrorTests = []argErrorTest{
	{args: []string{"frobnicate"}, want: "unexpected argument frobnicate"},
	{args: []string{"ca", "--bogus"}, want: "unknown flag --bogus"},
	{args: []string{"issue", "https://localhost"}, want: "URL"},
	{args: []string{"issue", "localhost", "localhost:8443"}, want: `give "localhost" without ":8443"`},
	{args: []string{"issue", "*.com"}, want: "wildcard"},
	{args: []string{"issue", "a*.example.test"}, want: "leftmost label"},
	{args: []string{"issue", "bad_name.test"}, want: "only letters, digits and '-'"},
	{args: []string{"issue", "--key-type", "dsa"}, want: "--key-type must be one of"},
	{args: []string{"issue", "--days", "826"}, want: "--days 826 is out of range"},
	{args: []string{"issue", "--days", "0"}, want: "out of range"},
	{args: []string{"issue", "--key-file", "x", "--cert-file", "x"}, want: "both be written to"},
}

// TestArgErrors checks that bad arguments are refused with a clear message
// before anything, even the CA, is written.
func TestArgErrors(t *testing.T) {
	for _, tt := range argErrorTests {
		home := testHome(t)
		_, _, err := certgen(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("certgen %q = %v; want error containing %q", tt.args, err, tt.want)
		}
		if files := listFiles(t, home); len(files) != 0 {
			t.Errorf("certgen %q wrote %v despite the error", tt.args, files)
		}
	}
}

func TestCA(t *testing.T) {
	home := testHome(t)
	dir := filepath.Join(home, "ca")
	keyFile, certFile := filepath.Join(dir, "ca.key"), filepath.Join(dir, "ca.crt")

	out := mustCertgen(t, "ca")
	for _, want := range []string{"Created a new local CA in " + dir, certFile, keyFile, "expires", "certgen issue", "certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n liso -i " + certFile, "update-ca-certificates"} {
		if !strings.Contains(out, want) {
			t.Errorf("certgen ca output lacks %q:\n%s", want, out)
		}
	}
	gotModes := map[string]os.FileMode{"folder": mode(t, dir), "ca.key": mode(t, keyFile), "ca.crt": mode(t, certFile)}
	if diff := cmp.Diff(map[string]os.FileMode{"folder": 0o700, "ca.key": 0o600, "ca.crt": 0o644}, gotModes); diff != "" {
		t.Errorf("CA modes (-want +got):\n%s", diff)
	}
	key, cert := read(t, keyFile), read(t, certFile)
	assertNoKey(t, out, key)

	out = mustCertgen(t, "ca")
	if !strings.Contains(out, "already exists in "+dir+"; nothing changed") {
		t.Errorf("second certgen ca output:\n%s\nwant it to report the existing CA", out)
	}
	if read(t, keyFile) != key || read(t, certFile) != cert {
		t.Errorf("second certgen ca changed the CA")
	}

	out = mustCertgen(t, "ca", "--force")
	if !strings.Contains(out, "Replaced the local CA") || !strings.Contains(out, "certgen issue --force") {
		t.Errorf("certgen ca --force output:\n%s\nwant it to report the replacement and what to do", out)
	}
	if read(t, certFile) == cert || read(t, keyFile) == key {
		t.Errorf("certgen ca --force did not replace the CA")
	}
	assertNoKey(t, out, read(t, keyFile))
}

// assertNoKey fails if any line of the key's PEM body appears in out.
func assertNoKey(t *testing.T, out, keyPEM string) {
	t.Helper()
	for _, line := range strings.Split(keyPEM, "\n") {
		if line != "" && !strings.HasPrefix(line, "-----") && strings.Contains(out, line) {
			t.Fatalf("output shows the private key:\n%s", out)
		}
	}
	if strings.Contains(out, "PRIVATE KEY") {
		t.Fatalf("output shows a PEM private key:\n%s", out)
	}
}

func TestCAFolderChoice(t *testing.T) {
	home := testHome(t)
	flagDir := filepath.Join(t.TempDir(), "by-flag")
	mustCertgen(t, "ca", "--ca-dir", flagDir)
	envDir := filepath.Join(t.TempDir(), "by-env")
	t.Setenv(certs.EnvCADir, envDir)
	mustCertgen(t, "ca")
	// issue finds the CA through the variable too, and makes no other.
	out := mustCertgen(t, "issue")
	if strings.Contains(out, "Created a new local CA") || !strings.Contains(out, filepath.Join(envDir, "ca.crt")) {
		t.Errorf("certgen issue with %s=%s:\n%s\nwant it to use that CA", certs.EnvCADir, envDir, out)
	}
	got := map[string][]string{"flag": listFiles(t, flagDir), "env": listFiles(t, envDir), "home": listFiles(t, home)}
	want := map[string][]string{"flag": {"ca.crt", "ca.key"}, "env": {"ca.crt", "ca.key"}, "home": {"server.crt", "server.key"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestIssueDefaults(t *testing.T) {
	home := testHome(t)
	keyFile, certFile, caFile := filepath.Join(home, "server.key"), filepath.Join(home, "server.crt"), filepath.Join(home, "ca", "ca.crt")

	out := mustCertgen(t, "issue")
	cert := loadCert(t, certFile)
	for _, want := range []string{
		"Created a new local CA in " + filepath.Join(home, "ca"),
		"Issued a certificate for localhost, 127.0.0.1, ::1.",
		keyFile, certFile,
		"expires      " + cert.NotAfter.UTC().Format("2006-01-02 15:04 UTC") + " (825 days)",
		"lisod finds these files by itself",
		"\n  " + lisodCommand(keyFile, certFile) + "\n",
		"curl --cacert " + caFile + " https://localhost:8443/",
		"openssl s_client -connect localhost:8443 -CAfile " + caFile,
		"certutil",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("certgen issue output lacks %q:\n%s", want, out)
		}
	}
	assertNoKey(t, out, read(t, filepath.Join(home, "ca", "ca.key")))
	if got := mode(t, keyFile); got != 0o600 {
		t.Errorf("server.key mode = %v; want 0600", got)
	}
	if got := mode(t, certFile); got != 0o644 {
		t.Errorf("server.crt mode = %v; want 0644", got)
	}
	roots := pool(t, caFile)
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("Verify(%q) = %v; want success", name, err)
		}
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "example.test"}); err == nil {
		t.Errorf("Verify(%q) succeeded; want failure", "example.test")
	}
	if err := handshake(t, keyFile, certFile, caFile, "localhost"); err != nil {
		t.Errorf("TLS handshake with the issued pair: %v", err)
	}

	// Again: refused, nothing changed.
	key, crt := read(t, keyFile), read(t, certFile)
	_, _, err := certgen(t, "issue")
	if err == nil || !strings.Contains(err.Error(), keyFile+": file already exists (use --force to replace it)") {
		t.Errorf("second certgen issue = %v; want a refusal naming %s and --force", err, keyFile)
	}
	if read(t, keyFile) != key || read(t, certFile) != crt {
		t.Errorf("refused certgen issue changed the pair")
	}

	// With --force: replaced, same CA.
	out = mustCertgen(t, "issue", "--force")
	if strings.Contains(out, "Created a new local CA") {
		t.Errorf("certgen issue --force made a new CA:\n%s", out)
	}
	if read(t, keyFile) == key || read(t, certFile) == crt {
		t.Errorf("certgen issue --force did not replace the pair")
	}
	if _, err := loadCert(t, certFile).Verify(x509.VerifyOptions{Roots: roots, DNSName: "localhost"}); err != nil {
		t.Errorf("replaced certificate does not verify against the same CA: %v", err)
	}
}

// handshake serves one TLS connection on 127.0.0.1 with the pair in
// keyFile/certFile, loaded as lisod loads it, and connects to it as
// serverName trusting only caFile.
func handshake(t *testing.T, keyFile, certFile, caFile, serverName string) error {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return err
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}})
	if err != nil {
		return err
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.WriteString(c, "ok")
			c.Close()
		}
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool(t, caFile), ServerName: serverName})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = io.ReadAll(c)
	return err
}

func TestIssueOptions(t *testing.T) {
	home := testHome(t)
	outDir := filepath.Join(t.TempDir(), "tls")
	absKey := filepath.Join(t.TempDir(), "elsewhere", "my.key")
	out := mustCertgen(t, "issue", "--out-dir", outDir, "--key-file", absKey, "--cert-file", "my.crt", "--days", "30",
		"Example.TEST", "*.example.test", "192.0.2.7", "example.test")
	certFile := filepath.Join(outDir, "my.crt")
	pair, err := tls.LoadX509KeyPair(certFile, absKey)
	if err != nil {
		t.Fatalf("tls.LoadX509KeyPair(%s, %s): %v", certFile, absKey, err)
	}
	c := pair.Leaf
	type summary struct {
		DNS, IPs []string
		Days     int
	}
	got := summary{DNS: c.DNSNames, Days: int(c.NotAfter.Sub(c.NotBefore).Hours() / 24)}
	for _, ip := range c.IPAddresses {
		got.IPs = append(got.IPs, ip.String())
	}
	want := summary{DNS: []string{"example.test", "*.example.test"}, IPs: []string{"192.0.2.7"}, Days: 30}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("issued certificate (-want +got):\n%s", diff)
	}
	for _, w := range []string{"Issued a certificate for example.test, *.example.test, 192.0.2.7.", "(30 days)", "https://example.test:8443/"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "lisod finds these files by itself") {
		t.Errorf("output claims lisod finds files outside its home:\n%s", out)
	}
	if diff := cmp.Diff([]string{"ca/ca.crt", "ca/ca.key"}, listFiles(t, home)); diff != "" {
		t.Errorf("files in home (-want +got):\n%s", diff)
	}
}

func TestIssueRefusesMismatchedCAKey(t *testing.T) {
	home := testHome(t)
	other := filepath.Join(t.TempDir(), "other")
	mustCertgen(t, "ca")
	mustCertgen(t, "ca", "--ca-dir", other)
	os.WriteFile(filepath.Join(home, "ca", "ca.key"), []byte(read(t, filepath.Join(other, "ca.key"))), 0o600)

	_, _, err := certgen(t, "issue")
	if !errors.Is(err, certs.ErrKeyMismatch) || !strings.Contains(err.Error(), "certgen ca --force") {
		t.Errorf("certgen issue with a foreign CA key = %v; want ErrKeyMismatch and advice", err)
	}
	_, _, err = certgen(t, "ca")
	if !errors.Is(err, certs.ErrKeyMismatch) {
		t.Errorf("certgen ca with a foreign CA key = %v; want ErrKeyMismatch", err)
	}
	if diff := cmp.Diff([]string{"ca/ca.crt", "ca/ca.key"}, listFiles(t, home)); diff != "" {
		t.Errorf("files after the refusal (-want +got):\n%s", diff)
	}
}

func TestIssueUnwritableFolder(t *testing.T) {
	home := testHome(t)
	blocker := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(blocker, nil, 0o644)
	// A folder under a regular file cannot be made, not even by root.
	_, _, err := certgen(t, "issue", "--out-dir", filepath.Join(blocker, "tls"))
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("certgen issue into an impossible folder = %v; want a not-a-directory error", err)
	}
	if diff := cmp.Diff([]string{"ca/ca.crt", "ca/ca.key"}, listFiles(t, home)); diff != "" {
		t.Errorf("files after the failure (-want +got):\n%s", diff)
	}
	_, _, err = certgen(t, "ca", "--ca-dir", filepath.Join(blocker, "ca"))
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("certgen ca into an impossible folder = %v; want a folder error", err)
	}
}

type mainExitTest struct {
	args       []string
	wantCode   int
	wantStdout string // a piece of stdout
	wantStderr string // all of stderr
}

var mainExitTests = []mainExitTest{
	{args: nil, wantCode: 0, wantStdout: "$ certgen issue"},
	{args: []string{"--help"}, wantCode: 0, wantStdout: "Usage: certgen"},
	{args: []string{"issue", "https://x"}, wantCode: 1,
		wantStderr: "certgen: certs: refusing name \"https://x\": this is a URL; give only the host name, as in \"localhost\"\n"},
	{args: []string{"nope"}, wantCode: 1,
		wantStderr: "certgen: unexpected argument nope (run certgen alone for examples)\n"},
}

// TestMainExit runs main in a child process (see TestMain) to check its
// exit codes and its one-line error.
func TestMainExit(t *testing.T) {
	home := testHome(t)
	for _, tt := range mainExitTests {
		cmd := exec.Command(os.Args[0], tt.args...)
		cmd.Env = append(os.Environ(), "CERTGEN_RUN_MAIN=1", certs.EnvHome+"="+home)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			code = exitErr.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tt.wantCode || !strings.Contains(out.String(), tt.wantStdout) || errOut.String() != tt.wantStderr {
			t.Errorf("certgen %q: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr %q",
				tt.args, code, out.String(), errOut.String(), tt.wantCode, tt.wantStdout, tt.wantStderr)
		}
	}
}

type quoteTest struct{ in, want string }

var quoteTests = []quoteTest{
	{in: "/home/ann/.local/share/liso/ca/ca.crt", want: "/home/ann/.local/share/liso/ca/ca.crt"},
	{in: "/home/ann/My Files/ca.crt", want: "'/home/ann/My Files/ca.crt'"},
	{in: "/tmp/it's", want: `'/tmp/it'\''s'`},
	{in: "$HOME", want: "'$HOME'"},
	{in: "", want: "''"},
}

func TestShellQuote(t *testing.T) {
	for _, tt := range quoteTests {
		if got := shellQuote(tt.in); got != tt.want {
			t.Errorf("shellQuote(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestIssueRefusalMakesNoCA checks that a refused issue (the pair exists,
// the CA does not) does not create a CA on the way.
func TestIssueRefusalMakesNoCA(t *testing.T) {
	home := testHome(t)
	mustCertgen(t, "issue")
	os.RemoveAll(filepath.Join(home, "ca"))
	_, _, err := certgen(t, "issue")
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("certgen issue over an existing pair = %v; want fs.ErrExist", err)
	}
	if diff := cmp.Diff([]string{"server.crt", "server.key"}, listFiles(t, home)); diff != "" {
		t.Errorf("files after the refusal (-want +got):\n%s", diff)
	}
}
