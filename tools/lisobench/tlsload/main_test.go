package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// selfSigned makes a certificate for 127.0.0.1 that is its own CA, and
// returns it with its PEM file.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tlsload test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, file
}

// tlsServer is an httptest HTTPS server with a certificate of its own that
// answers every request with 1 KiB and counts the answers; caFile is the
// certificate, its own CA.
func tlsServer(t *testing.T, noTickets bool) (srv *httptest.Server, caFile string, answered *atomic.Int64) {
	t.Helper()
	answered = new(atomic.Int64)
	body := bytes.Repeat([]byte{'x'}, 1024)
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answered.Add(1)
		w.Write(body)
	}))
	cert, caFile := selfSigned(t)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, SessionTicketsDisabled: noTickets}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes cut by the end of a run
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, caFile, answered
}

// load runs tlsload and returns the fields of its summary line.
func load(t *testing.T, args ...string) (map[string]int64, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("run(%q) = %v; stderr:\n%s", args, err, errOut.String())
	}
	return parseSummary(t, out.String()), errOut.String()
}

// parseSummary reads "lisobench: k=v k=v ..." (lisobench's own parser
// lives in the package above; this test checks the numbers, not it).
func parseSummary(t *testing.T, out string) map[string]int64 {
	t.Helper()
	rest, ok := strings.CutPrefix(strings.TrimSpace(out), "lisobench: ")
	if !ok {
		t.Fatalf("output %q has no summary line", out)
	}
	fields := map[string]int64{}
	for _, f := range strings.Fields(rest) {
		k, v, _ := strings.Cut(f, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("field %q of %q: %v", f, out, err)
		}
		fields[k] = n
	}
	return fields
}

const workers = 4

// TestCountsAndResumes runs tlsload against a TLS 1.3 server with
// session tickets, once with full handshakes and once resuming: both
// count the answers the server gave (less at most one a worker, cut by the
// end), and only the second resumes, all but each worker's first.
func TestCountsAndResumes(t *testing.T) {
	for _, resume := range []bool{false, true} {
		srv, ca, answered := tlsServer(t, false)
		args := []string{"-url", srv.URL + "/1k.bin", "-ca", ca, "-c", strconv.Itoa(workers), "-d", "400ms"}
		if resume {
			args = append(args, "-resume")
		}
		got, stderr := load(t, args...)
		srv.Close() // every handler has returned: answered is final
		req, served := got["requests"], answered.Load()
		switch {
		case req < 10:
			t.Errorf("resume %v: %d requests in 400 ms; want at least 10 (stderr: %s)", resume, req, stderr)
		case req > served || served-req > workers:
			t.Errorf("resume %v: counted %d requests, the server answered %d; want at most %d fewer", resume, req, served, workers)
		}
		for _, k := range []string{"connect", "read", "write", "timeout", "status"} {
			if got[k] != 0 {
				t.Errorf("resume %v: %s = %d; want 0 (stderr: %s)", resume, k, got[k], stderr)
			}
		}
		if got["bytes"] < req*1024 {
			t.Errorf("resume %v: %d bytes for %d answers; want at least 1 KiB each", resume, got["bytes"], req)
		}
		if got["duration_us"] != 400_000 {
			t.Errorf("resume %v: duration_us = %d; want 400000", resume, got["duration_us"])
		}
		switch res := got["resumed"]; {
		case !resume && res != 0:
			t.Errorf("full handshakes: %d resumed; want 0", res)
		case resume && res < req-workers:
			t.Errorf("resuming: %d of %d resumed; want all but each worker's first (%d)", res, req, req-workers)
		}
	}
}

// TestNoTickets: against a server that issues no session tickets, a
// resuming run still counts its requests and reports that none resumed,
// for lisobench to refuse it.
func TestNoTickets(t *testing.T) {
	srv, ca, _ := tlsServer(t, true)
	got, _ := load(t, "-url", srv.URL+"/", "-ca", ca, "-c", "2", "-d", "200ms", "-resume")
	if got["requests"] == 0 || got["resumed"] != 0 {
		t.Errorf("no tickets: %d requests, %d resumed; want some requests and none resumed", got["requests"], got["resumed"])
	}
}

// TestVerifies: a certificate that does not chain to -ca fails every
// handshake, counted as connect errors, and no request counts.
func TestVerifies(t *testing.T) {
	srv, _, answered := tlsServer(t, false)
	_, otherCA, _ := tlsServer(t, false) // another server's certificate
	got, stderr := load(t, "-url", srv.URL+"/", "-ca", otherCA, "-c", "2", "-d", "200ms")
	if got["requests"] != 0 || got["connect"] == 0 || answered.Load() != 0 {
		t.Errorf("wrong CA: %d requests, %d connect errors, %d answered; want 0, some, 0", got["requests"], got["connect"], answered.Load())
	}
	if !strings.Contains(stderr, "certificate") {
		t.Errorf("wrong CA: stderr %q does not name the certificate", stderr)
	}
}

var flagErrorTests = []struct {
	args []string
	want string // part of the error
}{
	{[]string{"-url", "https://10.0.0.1:443/", "-ca", "x"}, "loopback"},
	{[]string{"-url", "https://localhost:443/", "-ca", "x"}, "loopback"},
	{[]string{"-url", "http://127.0.0.1:80/", "-ca", "x"}, "https://"},
	{[]string{"-url", "https://127.0.0.1/", "-ca", "x"}, "https://"},
	{[]string{"-url", "https://127.0.0.1:443/"}, "-ca is required"},
	{[]string{"-url", "https://127.0.0.1:443/", "-ca", "x", "-d", "2h"}, "at most"},
	{[]string{"-url", "https://127.0.0.1:443/", "-ca", "x", "-c", "0"}, "at least 1"},
	{[]string{"-url", "https://127.0.0.1:443/", "-ca", "/nonexistent/ca.crt"}, "-ca"},
}

func TestFlagErrors(t *testing.T) {
	for _, tt := range flagErrorTests {
		_, err := parseFlags(tt.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseFlags(%q) = %v; want an error containing %q", tt.args, err, tt.want)
		}
	}
}
