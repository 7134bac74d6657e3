package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"liso/shared/certs"
)

// cli is the command line, as kong reads it.
type cli struct {
	CA    caCmd    `cmd:"" name:"ca" help:"Create the local CA (once): ca.crt and ca.key."`
	Issue issueCmd `cmd:"" help:"Issue a server key and certificate signed by the local CA."`
}

// caFlags are shared by both commands.
type caFlags struct {
	CADir string `name:"ca-dir" env:"LISO_CA_DIR" placeholder:"DIR" help:"Folder holding ca.crt and ca.key (default: <home>/ca)."`
}

// caDir returns the CA folder: the flag, else the one under home.
func (f caFlags) caDir() (string, error) {
	if f.CADir != "" {
		return filepath.Abs(f.CADir)
	}
	home, err := certs.DefaultHome()
	if err != nil {
		return "", err
	}
	return certs.CADir(home), nil
}

type caCmd struct {
	caFlags
	KeyType string `name:"key-type" enum:"ecdsa,rsa2048,rsa3072" default:"ecdsa" help:"CA key type: ecdsa (P-256), rsa2048 or rsa3072."`
	Force   bool   `help:"Replace an existing CA. Certificates it issued stop verifying, and clients must trust the new CA."`
}

type issueCmd struct {
	Names []string `arg:"" optional:"" name:"name" help:"Host names and IP addresses to cover (default: localhost 127.0.0.1 ::1). A wildcard may stand for one leftmost label: *.example.test."`
	caFlags
	OutDir   string `name:"out-dir" placeholder:"DIR" help:"Folder for the key and certificate (default: <home>, where lisod looks)."`
	KeyFile  string `name:"key-file" default:"server.key" placeholder:"FILE" help:"Private key file (default: server.key), relative to --out-dir unless absolute."`
	CertFile string `name:"cert-file" default:"server.crt" placeholder:"FILE" help:"Certificate file (default: server.crt), relative to --out-dir unless absolute."`
	KeyType  string `name:"key-type" enum:"ecdsa,rsa2048,rsa3072" default:"ecdsa" help:"Key type: ecdsa (P-256), rsa2048 or rsa3072."`
	Days     int    `default:"825" help:"Days of validity, 1 to 825 (less for testing expiry)."`
	Force    bool   `help:"Replace an existing key and certificate."`
}

// env is what the commands need from run: where to print, and the clock.
type env struct {
	out io.Writer
	now time.Time
}

// run parses args and runs the command. It never exits: help and usage
// return nil, everything else returns an error for main to print.
func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printUsage(stdout)
		return nil
	}
	var c cli
	helped := false
	parser, err := kong.New(&c,
		kong.Name("certgen"),
		kong.Description("A local certificate authority for lisod's HTTPS. Run certgen alone for worked examples."),
		kong.Writers(stdout, stderr),
		// kong calls Exit after printing --help; note it and stop instead.
		kong.Exit(func(int) { helped = true }),
	)
	if err != nil {
		return err
	}
	ctx, err := parser.Parse(args)
	if helped {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w (run certgen alone for examples)", err)
	}
	return ctx.Run(&env{out: stdout, now: time.Now()})
}

// Run creates the CA, or reports the one already there.
func (c *caCmd) Run(e *env) error {
	dir, err := c.caDir()
	if err != nil {
		return err
	}
	exists, err := certs.CAExists(dir)
	if err != nil && !(c.Force && errors.Is(err, certs.ErrIncompleteCA)) {
		return withHint(err)
	}
	if exists && !c.Force {
		ca, err := certs.LoadCA(dir)
		if err != nil {
			return withHint(err)
		}
		fmt.Fprintf(e.out, "A local CA already exists in %s; nothing changed.\n", dir)
		printCA(e.out, ca)
		fmt.Fprintf(e.out, "\nTo replace it: certgen ca --force (certificates it issued then stop verifying).\n")
		return nil
	}
	ca, err := certs.CreateCA(dir, certs.CAOptions{KeyType: certs.KeyType(c.KeyType), Now: e.now, Force: c.Force})
	if err != nil {
		return err
	}
	if exists {
		fmt.Fprintf(e.out, "Replaced the local CA in %s.\n", dir)
		printCA(e.out, ca)
		fmt.Fprintf(e.out, "\nCertificates from the old CA no longer verify: run certgen issue --force,\nand trust the new CA again (below).\n")
	} else {
		fmt.Fprintf(e.out, "Created a new local CA in %s.\n", dir)
		printCA(e.out, ca)
		fmt.Fprintf(e.out, "\nNext: certgen issue (a key and certificate for localhost, 127.0.0.1 and ::1).\n")
	}
	printTrust(e.out, ca.CertFile())
	return nil
}

// Run issues a key and certificate, creating the CA first if there is none.
func (c *issueCmd) Run(e *env) error {
	// Check the arguments first: a typo should not cost a CA and a key.
	if c.Days < 1 || c.Days > certs.MaxDays {
		return fmt.Errorf("--days %d is out of range (1 to %d)", c.Days, certs.MaxDays)
	}
	for _, n := range c.Names {
		if _, err := certs.CheckName(n); err != nil {
			return err
		}
	}
	caDir, err := c.caDir()
	if err != nil {
		return err
	}
	outDir := c.OutDir
	if outDir == "" {
		if outDir, err = certs.DefaultHome(); err != nil {
			return err
		}
	}
	if outDir, err = filepath.Abs(outDir); err != nil {
		return err
	}
	keyFile, certFile := resolve(outDir, c.KeyFile), resolve(outDir, c.CertFile)
	if keyFile == certFile {
		return fmt.Errorf("the key and the certificate would both be written to %s", keyFile)
	}
	if !c.Force {
		// Pair.Write refuses too, but only after a CA may have been made.
		for _, f := range []string{keyFile, certFile} {
			if _, err := os.Lstat(f); err == nil {
				return fmt.Errorf("writing %s: %w (use --force to replace it)", f, fs.ErrExist)
			}
		}
	}

	exists, err := certs.CAExists(caDir)
	if err != nil {
		return withHint(err)
	}
	var ca *certs.CA
	if exists {
		if ca, err = certs.LoadCA(caDir); err != nil {
			return withHint(err)
		}
	} else {
		if ca, err = certs.CreateCA(caDir, certs.CAOptions{Now: e.now}); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "Created a new local CA in %s.\n", caDir)
		printCA(e.out, ca)
		fmt.Fprintln(e.out)
	}

	pair, err := ca.Issue(certs.Request{Names: c.Names, KeyType: certs.KeyType(c.KeyType), Days: c.Days, Now: e.now})
	if err != nil {
		return err
	}
	if err := pair.Write(keyFile, certFile, c.Force); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w (use --force to replace it)", err)
		}
		return err
	}
	printIssued(e.out, pair, keyFile, certFile, ca)
	if !exists {
		printTrust(e.out, ca.CertFile())
	}
	return nil
}

// withHint adds the way out to errors about a broken CA: only the user can
// decide to replace a CA, since every client must then trust the new one.
func withHint(err error) error {
	if errors.Is(err, certs.ErrIncompleteCA) || errors.Is(err, certs.ErrKeyMismatch) {
		return fmt.Errorf("%w (certgen ca --force replaces the CA)", err)
	}
	return err
}

// resolve joins a file name to dir unless it is absolute.
func resolve(dir, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(dir, name)
}

// isDefaultPair reports whether keyFile and certFile are lisod's defaults.
func isDefaultPair(keyFile, certFile string) bool {
	home, err := certs.DefaultHome()
	return err == nil && keyFile == certs.ServerKeyPath(home) && certFile == certs.ServerCertPath(home)
}

// shellQuote quotes s for a POSIX shell when it needs it, so printed
// commands can be pasted as they are.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// urlHost turns a certificate name into a host for an example URL.
func urlHost(name string) string {
	switch {
	case strings.HasPrefix(name, "*."):
		return "www" + name[1:]
	case strings.Contains(name, ":"):
		return "[" + name + "]"
	}
	return name
}
