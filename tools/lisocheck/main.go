// Command lisocheck checks a Liso server, any one a student writes, the
// way the course's graders did, and says why when it fails: what was sent,
// what came back, what was expected, the course rule or RFC section, and
// the page of docs/ that explains it. It starts the server itself from its
// command line (with the course's eight arguments, in a scratch folder
// with a site, a CGI script and a certificate of its own), or checks one
// already running at an address. The checks are package
// liso/tools/lisocheck/suite, which lisod's own tests run too.
//
// Run it with --help for worked examples; docs/lisocheck.md is its guide.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// main is the only place that exits: 0 when every check passed, 1 when
// one failed, 2 when the checks could not run at all.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	failed, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err != nil:
		fmt.Fprintf(os.Stderr, "lisocheck: %v\n", err)
		os.Exit(2)
	case failed:
		os.Exit(1)
	}
}
