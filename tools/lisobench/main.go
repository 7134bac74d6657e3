// Command lisobench measures lisod beside its peers in one run: Go's
// net/http file server (our tiny program in ./gofileserver), nginx when it
// is installed, and lighttpd's mod_cgi for CGI when that is; and beside a
// ceiling (./ceiling), a server that answers without parsing, in the
// keep-alive rows. It builds lisod (checkpoint 3) and its own programs,
// pins each server to one CPU core and the load generator, wrk (or
// ./tlsload, for one TLS handshake per request), to another, runs every
// scenario against every server in alternating rounds, measures the
// memory an idle keep-alive connection costs, and writes the medians as a
// Markdown table and an SVG chart into docs/benchmarks.md and
// docs/benchmarks.svg. It is the tool of the performance work that follows
// checkpoint 3; docs/benchmarks.md says how to read its results.
//
// Run it from anywhere inside the repository:
//
//	go run ./tools/lisobench            # the full run: 3 rounds of 10 s, a few minutes
//	go run ./tools/lisobench -smoke     # seconds: proves every part works, judges nothing
//
// It needs wrk and taskset (Debian packages wrk and util-linux); nginx and
// lighttpd are measured when their binaries are found.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// main is the only place that exits.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) { // -h is no failure
		switch {
		case ctx.Err() != nil:
			fmt.Fprintln(os.Stderr, "lisobench: interrupted; every server it started is stopped")
		default:
			fmt.Fprintln(os.Stderr, "lisobench:", err)
		}
		os.Exit(1)
	}
}

// config is what the command line chooses.
type config struct {
	smoke     bool          // short checks of every part, no judging
	rounds    int           // runs of each scenario against each server
	duration  time.Duration // length of one wrk or tlsload run
	servers   []string      // which servers to measure, by name
	scenarios []string      // which scenarios to run, by id; empty is all
	idleConns int           // connections of the idle-memory measurement
	serverCPU int           // core the servers are pinned to
	loadCPU   int           // core wrk and tlsload are pinned to
	docsDir   string        // where benchmarks.md and .svg go; "" writes nothing
	lisod     string        // a prebuilt lisod to measure instead of building one
	baseline  string        // an older lisod to measure beside it, the before of a before/after; "" for none
	race      bool          // build the servers with the race detector
	keep      bool          // keep the temporary folder (logs, configs) for a look
	args      []string      // the command line, for the report
}

// parseFlags reads the command line. Smoke mode changes the defaults of
// the flags the user did not give.
func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{args: args}
	fs := flag.NewFlagSet("lisobench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var servers, scenarios string
	fs.BoolVar(&c.smoke, "smoke", false, "a run of seconds that proves every part works (one short round, few connections, tiny files); it judges no speed and writes no docs unless -docs is given")
	fs.IntVar(&c.rounds, "rounds", 3, "rounds: each runs every scenario once against every server, servers alternating")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "length of each wrk or tlsload run (whole seconds)")
	fs.StringVar(&servers, "servers", strings.Join(serverNames(), ","), "servers to measure, comma-separated")
	fs.StringVar(&scenarios, "scenarios", "", "scenario ids to run, comma-separated (default all: "+strings.Join(scenarioIDs(), ",")+")")
	fs.IntVar(&c.idleConns, "idle-conns", 10000, "idle keep-alive connections held open against each server for the memory measurement (0 skips it)")
	fs.IntVar(&c.serverCPU, "server-cpu", 0, "CPU core every server is pinned to")
	fs.IntVar(&c.loadCPU, "load-cpu", 1, "CPU core wrk and tlsload are pinned to")
	fs.StringVar(&c.docsDir, "docs", "", "folder to write benchmarks.md and benchmarks.svg into (default: the repository's docs/, or nothing in -smoke mode)")
	fs.StringVar(&c.lisod, "lisod", "", "measure this lisod binary instead of building ./checkpoint3 (e.g. an older build, for a before/after)")
	fs.StringVar(&c.baseline, "baseline", "", "also measure this older lisod binary, run as lisod is and beside it in every round, and report lisod / baseline (the median of the rounds' ratios): a before/after in one sitting")
	fs.BoolVar(&c.race, "race", false, "build lisod and lisobench's own programs (the net/http peer, the ceiling, tlsload) with -race (the smoke test does under go test -race, to reuse its build cache)")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary folder with the servers' logs and configurations, and print its path")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./tools/lisobench [flags]\n\n"+
			"Measures lisod beside Go's net/http file server, nginx, lighttpd (CGI) and a ceiling (see docs/benchmarks.md).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (flags only; -h lists them)", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if c.smoke {
		if !given["rounds"] {
			c.rounds = 1
		}
		if !given["duration"] {
			c.duration = time.Second
		}
		if !given["idle-conns"] {
			c.idleConns = 50
		}
	}

	c.servers = splitList(servers)
	for _, name := range c.servers {
		if k := findKind(name); k == nil || k.baseline {
			return nil, fmt.Errorf("-servers: unknown server %q (known: %s; -baseline adds an older lisod)", name, strings.Join(serverNames(), ", "))
		}
	}
	if len(c.servers) == 0 || c.servers[0] != "lisod" {
		return nil, errors.New("-servers must start with lisod: every ratio is lisod's")
	}
	if c.baseline != "" {
		if err := checkBinary(c.baseline); err != nil {
			return nil, fmt.Errorf("-baseline: %w", err)
		}
		var err error
		if c.baseline, err = filepath.Abs(c.baseline); err != nil { // taskset would look a bare name up in PATH
			return nil, fmt.Errorf("-baseline: %w", err)
		}
		c.servers = slices.Insert(c.servers, 1, "baseline") // right after lisod, whose before it is
	}
	if c.lisod != "" {
		if err := checkBinary(c.lisod); err != nil {
			return nil, fmt.Errorf("-lisod: %w", err)
		}
	}
	c.scenarios = splitList(scenarios)
	for _, id := range c.scenarios {
		if findScenario(id) == nil {
			return nil, fmt.Errorf("-scenarios: unknown scenario %q (known: %s)", id, strings.Join(scenarioIDs(), ", "))
		}
	}
	switch {
	case c.rounds < 1:
		return nil, fmt.Errorf("-rounds must be at least 1, not %d", c.rounds)
	case c.duration < time.Second || c.duration%time.Second != 0:
		return nil, fmt.Errorf("-duration must be whole seconds, at least 1s (wrk counts in seconds), not %v", c.duration)
	case c.idleConns < 0:
		return nil, fmt.Errorf("-idle-conns must not be negative, not %d", c.idleConns)
	case c.serverCPU < 0 || c.loadCPU < 0:
		return nil, errors.New("-server-cpu and -load-cpu must be CPU numbers (0, 1, ...)")
	}
	return c, nil
}

// checkBinary reports why path is not a program lisobench can run.
func checkBinary(path string) error {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return err
	case fi.IsDir() || fi.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("%s is not an executable file", path)
	}
	return nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// run parses the command line, measures, and writes the report.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	rep, err := measure(ctx, c, stderr)
	if err != nil {
		return err
	}
	table := rep.markdown()
	fmt.Fprintln(stdout, table)
	if c.docsDir == "" && !c.smoke {
		if c.docsDir, err = defaultDocsDir(ctx); err != nil {
			return err
		}
	}
	if c.docsDir == "" {
		return nil
	}
	md, svg, err := rep.write(c.docsDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "lisobench: wrote %s and %s\n", md, svg)
	return nil
}
