package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"liso/tools/lisocheck/suite"
)

// cli is the command line, as kong reads it.
type cli struct {
	Checkpoint int    `default:"3" enum:"1,2,3" help:"The checkpoint the server is at: 1 (echo), 2 (HTTP/1.1) or 3 (HTTPS, CGI, daemon; the default, everything)."`
	Addr       string `placeholder:"HOST:PORT" help:"Check a server already running here (its HTTP port; at checkpoint 1, its echo port) instead of starting one."`
	TLSAddr    string `name:"tls-addr" placeholder:"HOST:PORT" help:"With --addr at checkpoint 3: the server's HTTPS port."`
	CA         string `name:"ca" placeholder:"FILE" help:"With --tls-addr: the CA certificate (PEM) the server's certificate is verified against."`
	WWW        string `name:"www" placeholder:"DIR" help:"With --addr: the folder the running server serves. lisocheck writes its site and CGI script there first."`
	WriteOnly  bool   `name:"write-only" help:"With --www: write the site and the CGI script, print their paths, and stop (to start your server on them)."`
	Certs      string `name:"certs" placeholder:"DIR" help:"With --write-only: also create a CA in DIR/ca and issue DIR/server.key and DIR/server.crt for localhost and 127.0.0.1."`
	Strict     bool   `help:"Add the RFC checks where the RFCs ask more than the course (a missing Host, for one)."`
	Run        string `placeholder:"REGEXP" help:"Run only the checks whose names match, e.g. --run 'http/status-404' or --run '^robust/'."`
	List       bool   `help:"List the checks that would run, and stop."`
	JSON       bool   `name:"json" help:"Print the results as one JSON document (for scripts), not as text."`
	Verbose    bool   `short:"v" help:"Show each check's measured figures (requests per second, ...) even when it passes."`
	Keep       bool   `help:"Keep the scratch folder of a server lisocheck started (kept anyway when a check fails)."`

	HeaderTimeout    time.Duration `name:"header-timeout" default:"30s" help:"At least your server's timeout for a request's head: the 408 and slow-client checks wait this long."`
	BodyTimeout      time.Duration `name:"body-timeout" default:"30s" help:"At least your server's timeout for more of a request body (the slow POST check)."`
	HandshakeTimeout time.Duration `name:"handshake-timeout" default:"30s" help:"At least your server's timeout for a TLS handshake."`

	Server []string `arg:"" optional:"" passthrough:"" name:"command" help:"After --: the server's command line; lisocheck adds the course's eight arguments to it."`
}

// examples are the worked examples --help ends with.
const examples = `
Examples:

  Start your server and check it; lisocheck appends the course's eight
  arguments (ports, log, lock, www, CGI script, key, certificate):

    $ lisocheck --checkpoint 1 -- ./lisod
    $ lisocheck --checkpoint 2 -- ./lisod
    $ lisocheck -- ./lisod                  (checkpoint 3: everything)
    $ lisocheck -- python3 myserver.py      (any program)

  Repeat one check, or one stage:

    $ lisocheck --run 'http/status-404' -- ./lisod
    $ lisocheck --run '^robust/' -- ./lisod

  Check a server that is already running. Write the site first, start the
  server on it, then check:

    $ lisocheck --write-only --www ./www --certs ./certs
    $ ./lisod 9080 9443 lisod.log lisod.lock ./www ./www/lisocheck.cgi \
        ./certs/server.key ./certs/server.crt
    $ lisocheck --addr 127.0.0.1:9080 --tls-addr 127.0.0.1:9443 \
        --ca ./certs/ca/ca.crt --www ./www

  The checks that start servers of their own (the daemon's) are skipped
  when the server is given by --addr.

  Exit code: 0 when every check passed, 1 when one failed, 2 when the
  checks could not run (a bad flag, a server that does not start).
`

// run parses args, runs the checks and reports whether one failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (failed bool, err error) {
	var c cli
	helped := false
	parser, err := kong.New(&c,
		kong.Name("lisocheck"),
		kong.Description("Check a Liso server for a checkpoint of the course, as the course's graders did, and say why each failure fails."),
		kong.Writers(stdout, stderr),
		kong.Help(func(o kong.HelpOptions, ctx *kong.Context) error {
			if err := kong.DefaultHelpPrinter(o, ctx); err != nil {
				return err
			}
			_, err := io.WriteString(ctx.Stdout, examples)
			return err
		}),
		// kong calls Exit after printing --help; note it and stop instead.
		kong.Exit(func(int) { helped = true }),
	)
	if err != nil {
		return false, err
	}
	if _, err := parser.Parse(args); helped {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("%w (see lisocheck --help)", err)
	}
	if len(c.Server) > 0 && c.Server[0] == "--" { // kong keeps the separator
		c.Server = c.Server[1:]
	}
	info := stdout
	if c.JSON { // stdout holds the JSON document alone
		info = stderr
	}
	return c.check(ctx, stdout, info)
}

// check runs the checks the flags choose.
// Results go to out, what lisocheck tells the user about its set-up to info.
func (c *cli) check(ctx context.Context, out, info io.Writer) (failed bool, err error) {
	var pattern *regexp.Regexp
	if c.Run != "" {
		if pattern, err = regexp.Compile(c.Run); err != nil {
			return false, fmt.Errorf("--run: %w", err)
		}
	}
	checks := suite.Select(suite.All(), c.Checkpoint, c.Strict, pattern)
	if c.List {
		for _, ch := range checks {
			fmt.Fprintf(out, "%-45s %s\n", ch.Name, ch.Stage)
		}
		return false, nil
	}
	if len(checks) == 0 {
		return false, fmt.Errorf("no check of checkpoint %d matches --run %q (lisocheck --list shows them)", c.Checkpoint, c.Run)
	}
	if c.WriteOnly {
		return false, c.writeSite(info)
	}

	var tgt *suite.Target
	switch {
	case c.Addr != "" && len(c.Server) > 0:
		return false, errors.New("give either --addr or a command after --, not both")
	case c.Addr != "":
		if tgt, err = c.byAddress(info); err != nil {
			return false, err
		}
	case len(c.Server) > 0:
		dir, err := os.MkdirTemp("", "lisocheck-")
		if err != nil {
			return false, err
		}
		cmd := &suite.Command{Path: c.Server[0], Args: c.Server[1:]}
		if tgt, err = suite.Start(cmd, c.Checkpoint, dir); err != nil {
			os.RemoveAll(dir)
			return false, err
		}
		defer func() {
			tgt.Server.Stop(10 * time.Second)
			if c.Keep || failed {
				fmt.Fprintf(info, "lisocheck: the server's files (its log, lock, site, certificates) stay in %s\n", dir)
			} else {
				os.RemoveAll(dir)
			}
		}()
		fmt.Fprintf(info, "lisocheck: started %s with the course's eight arguments, in %s:\n  %s\n",
			strings.Join(c.Server, " "), dir, strings.Join(tgt.Server.Files.Args(), " "))
	default:
		return false, errors.New("no server to check: give its command line after --, or --addr (see lisocheck --help)")
	}
	tgt.Checkpoint, tgt.Strict = c.Checkpoint, c.Strict
	tgt.HeaderTimeout, tgt.BodyTimeout, tgt.HandshakeTimeout = c.HeaderTimeout, c.BodyTimeout, c.HandshakeTimeout

	var rep suite.Report = &suite.TextReport{W: out, Terminal: isTerminal(out), Verbose: c.Verbose}
	if c.JSON {
		rep = suite.JSONReport{W: out}
	}
	results := suite.Run(ctx, tgt, checks, rep)
	if err := ctx.Err(); err != nil {
		return true, errors.New("interrupted")
	}
	_, fails, _ := suite.Counts(results)
	if err := tgt.Healthy(); err != nil {
		fmt.Fprintf(info, "FAIL the server after the checks: %v\n", err)
		fails++
	}
	return fails > 0, nil
}

// byAddress is the target of a server already running.
func (c *cli) byAddress(out io.Writer) (*suite.Target, error) {
	tgt := &suite.Target{Addr: c.Addr, TLSAddr: c.TLSAddr}
	if c.Checkpoint >= 2 {
		if c.WWW == "" {
			return nil, errors.New("--addr at checkpoint 2 or 3 needs --www DIR, the folder the server serves (lisocheck writes its site there)")
		}
		site, err := c.siteIn(out)
		if err != nil {
			return nil, err
		}
		tgt.Site = site
	}
	if c.Checkpoint == 3 {
		if c.TLSAddr == "" || c.CA == "" {
			return nil, errors.New("--addr at checkpoint 3 needs --tls-addr HOST:PORT and --ca FILE as well")
		}
		pem, err := os.ReadFile(c.CA)
		if err != nil {
			return nil, fmt.Errorf("--ca: %w", err)
		}
		tgt.Roots = x509.NewCertPool()
		if !tgt.Roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca: %s holds no PEM certificate", c.CA)
		}
	}
	return tgt, nil
}

// siteIn writes the site and the CGI script into --www.
func (c *cli) siteIn(out io.Writer) (*suite.Site, error) {
	www, err := filepath.Abs(c.WWW)
	if err != nil {
		return nil, err
	}
	site, err := suite.WriteSite(www, filepath.Join(www, suite.ScriptName), "")
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "lisocheck: wrote its site into %s; the CGI script (your server's 6th argument) is %s\n", www, site.CGIScript)
	return site, nil
}

// writeSite is --write-only.
func (c *cli) writeSite(out io.Writer) error {
	if c.WWW == "" {
		return errors.New("--write-only needs --www DIR")
	}
	if _, err := c.siteIn(out); err != nil || c.Certs == "" {
		return err
	}
	key, cert := filepath.Join(c.Certs, "server.key"), filepath.Join(c.Certs, "server.crt")
	if _, err := suite.IssuePair(filepath.Join(c.Certs, "ca"), key, cert); err != nil {
		return err
	}
	fmt.Fprintf(out, "lisocheck: the CA is %s; the server's key %s and certificate %s (its 7th and 8th arguments)\n",
		filepath.Join(c.Certs, "ca", "ca.crt"), key, cert)
	return nil
}

// isTerminal reports whether w is a terminal, where progress lines are
// drawn in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
