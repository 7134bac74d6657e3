package suite

// This file starts the servers that checks of this stage need for
// themselves: a server like the target's, started with the course's
// command, but with another certificate or another CGI script.

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"liso/shared/certs"
)

// ownServer says how a check's own server differs from the target's.
type ownServer struct {
	keyType certs.KeyType // of its certificate; "" is ECDSA P-256
	// script is its CGI script's text ("": the site's script), in which
	// @DIR@ stands for the script's folder.
	script string
}

// start starts a server with the target's command in a folder of its
// own, serving the target's www folder, with a key and certificate from a
// CA of its own, and returns it as a Target (Command, Site and timeouts
// are the target's). The check must call stop, which stops the server,
// reports a crash, and removes the folder. start ends the check when the
// server does not start.
func (o ownServer) start(c *C) (t *Target, stop func()) {
	dir, err := os.MkdirTemp("", "lisocheck-")
	if err != nil {
		c.Fatal(Errorf("making a folder for a server of the check's own: %v", err))
	}
	f, roots, err := o.prepare(c, dir)
	if err != nil {
		os.RemoveAll(dir)
		c.Fatal(Errorf("preparing a server of the check's own: %v", err))
	}
	s, err := launchReady(c.Command, f)
	if err != nil {
		os.RemoveAll(dir)
		c.Fatal(Failure{Sent: "the server's command with " + fmt.Sprint(f.Args()), Got: err.Error(), Want: "a server that listens on its HTTP port"})
	}
	own := *c.Target
	own.Addr, own.TLSAddr, own.Roots, own.Server = loopback(f.HTTPPort), loopback(f.HTTPSPort), roots, s
	return &own, func() {
		if err := own.Healthy(); err != nil {
			c.Fail(Errorf("the check's own server: %v", err))
		}
		s.Stop(HangGuard)
		os.RemoveAll(dir)
	}
}

// launchReady starts cmd with f and waits until the server listens; a
// server that does not is stopped.
func launchReady(cmd *Command, f Files) (*Server, error) {
	s, err := cmd.Launch(f)
	if err != nil {
		return nil, err
	}
	if err := s.Ready(StartLimit); err != nil {
		s.Stop(HangGuard)
		return nil, err
	}
	return s, nil
}

// prepare writes the server's CGI script, key and certificate into dir.
func (o ownServer) prepare(c *C, dir string) (Files, *x509.CertPool, error) {
	f, err := ScratchFiles(dir)
	if err != nil {
		return f, nil, err
	}
	f.WWW, f.CGI = c.Site.WWW, c.Site.CGIScript
	if o.script != "" {
		f.CGI = filepath.Join(dir, "cgi", "check.cgi")
		if err := os.MkdirAll(filepath.Dir(f.CGI), 0o755); err != nil {
			return f, nil, err
		}
		if err := os.WriteFile(f.CGI, []byte(strings.ReplaceAll(o.script, "@DIR@", filepath.Dir(f.CGI))), 0o755); err != nil {
			return f, nil, err
		}
	}
	pair, ca, err := issueFromNewCA(filepath.Join(dir, "ca"), o.keyType)
	if err != nil {
		return f, nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	return f, roots, pair.Write(f.Key, f.Cert, true)
}

// issueFromNewCA creates a CA in caDir and issues a pair of keyType for
// localhost and 127.0.0.1 from it. It returns the pair and the CA's
// certificate, for a client to trust.
func issueFromNewCA(caDir string, keyType certs.KeyType) (*certs.Pair, *x509.Certificate, error) {
	ca, err := certs.CreateCA(caDir, certs.CAOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("creating a CA: %w", err)
	}
	pair, err := ca.Issue(certs.Request{Names: []string{"localhost", "127.0.0.1"}, KeyType: keyType})
	if err != nil {
		return nil, nil, fmt.Errorf("issuing a certificate: %w", err)
	}
	return pair, ca.Cert, nil
}
