package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"liso/shared/certs"
)

// examplePort stands for the student's HTTPS port in printed commands.
const examplePort = "8443"

func date(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 MST") }

// printCA describes a CA: its files and expiry. The key's contents are
// never printed, only where it is.
func printCA(w io.Writer, ca *certs.CA) {
	fmt.Fprintf(w, "  certificate  %s  (public: give it to clients to trust)\n", ca.CertFile())
	fmt.Fprintf(w, "  private key  %s  (secret, mode 0600: never copy it anywhere)\n", ca.KeyFile())
	fmt.Fprintf(w, "  expires      %s\n", date(ca.Cert.NotAfter))
}

// printIssued says what was written, for which names, until when, and how
// to use it with lisod, curl and openssl.
func printIssued(w io.Writer, p *certs.Pair, keyFile, certFile string, ca *certs.CA) {
	// From the certificate, not the flag: it may have been cut short to
	// end with the CA.
	days := int(p.Cert.NotAfter.Sub(p.Cert.NotBefore).Hours() / 24)
	fmt.Fprintf(w, "Issued a certificate for %s.\n", strings.Join(p.Names, ", "))
	fmt.Fprintf(w, "  private key  %s  (mode 0600)\n", keyFile)
	fmt.Fprintf(w, "  certificate  %s\n", certFile)
	fmt.Fprintf(w, "  expires      %s (%d days)\n", date(p.Cert.NotAfter), days)
	fmt.Fprintf(w, "  signed by    %s\n", ca.CertFile())

	cafile := shellQuote(ca.CertFile())
	host := urlHost(p.Names[0])
	// lisod is a checkpoint of this repository, not a program on PATH:
	// "go run" from the repository root works in a fresh clone.
	fmt.Fprintf(w, "\nUse it (%s stands for your HTTPS port; run lisod from the repository root):\n", examplePort)
	if isDefaultPair(keyFile, certFile) {
		fmt.Fprintf(w, "  lisod finds these files by itself when it is given no key and certificate.\n")
	}
	fmt.Fprintf(w, "  %s\n", lisodCommand(keyFile, certFile))
	fmt.Fprintf(w, "  curl --cacert %s https://%s:%s/\n", cafile, host, examplePort)
	fmt.Fprintf(w, "  openssl s_client -connect %s:%s -CAfile %s -verify_return_error </dev/null\n", host, examplePort, cafile)
}

// lisodCommand is the command, for the repository root, that runs
// checkpoint 3 in the terminal with this key and certificate.
func lisodCommand(keyFile, certFile string) string {
	return fmt.Sprintf("go run ./checkpoint3 --foreground --https-port %s --private-key %s --certificate %s",
		examplePort, shellQuote(keyFile), shellQuote(certFile))
}

// printTrust tells how to make clients trust the CA.
func printTrust(w io.Writer, caFile string) {
	q := shellQuote(caFile)
	fmt.Fprintf(w, "\nTrust the CA (details in docs/certgen.md):\n")
	fmt.Fprintf(w, "  curl, openssl: pass --cacert %s or -CAfile %s\n", q, q)
	fmt.Fprintf(w, "  Chromium (Linux; needs libnss3-tools):\n")
	fmt.Fprintf(w, "    certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n liso -i %s\n", q)
	fmt.Fprintf(w, "  Firefox: Settings > Privacy & Security > Certificates > View Certificates >\n")
	fmt.Fprintf(w, "    Authorities > Import, tick \"Trust this CA to identify websites\"\n")
	fmt.Fprintf(w, "  Debian, whole system:\n")
	fmt.Fprintf(w, "    sudo cp %s /usr/local/share/ca-certificates/liso-ca.crt && sudo update-ca-certificates\n", q)
}

// printUsage prints the worked examples shown when certgen runs alone.
func printUsage(w io.Writer) {
	home, caDir := "<home>", "<home>/ca"
	if h, err := certs.DefaultHome(); err == nil {
		home, caDir = h, certs.CADir(h)
	}
	fmt.Fprintf(w, `certgen: a local certificate authority for lisod's HTTPS (checkpoint 3).
It replaces the course key server: a CA on your own machine, and server
certificates it signs, which curl, Python and browsers accept once they
trust the CA.

  $ certgen ca
  Create the CA once: ca.crt (public) and ca.key (secret) in
  %[2]s.

  $ certgen issue
  Issue server.key and server.crt for localhost, 127.0.0.1 and ::1 in
  %[1]s, where lisod looks for them by default.
  Creates the CA first if there is none.

  $ certgen issue example.test "*.example.test" 192.0.2.7
  Cover other names: IP addresses, host names, and wildcards one label deep.

  $ certgen issue --out-dir ./tls --key-type rsa2048 --days 30 --force
  Write into ./tls, use an RSA key, expire in 30 days, replace old files.

Files live in $LISO_HOME, else $XDG_DATA_HOME/liso, else ~/.local/share/liso;
$LISO_CA_DIR or --ca-dir moves the CA. Existing files are never replaced
without --force. All options: certgen ca --help, certgen issue --help.
`, home, caDir)
}
