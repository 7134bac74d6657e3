// Command certgen is a local certificate authority for lisod's HTTPS
// (checkpoint 3). It replaces the course key server that handed students a
// CA certificate, a private key and a server certificate: "certgen ca"
// creates a CA once, "certgen issue" issues server keys and certificates
// signed by it (X.509 certificates as profiled by RFC 5280). The logic is
// in package liso/shared/certs; this package only parses the command line
// (cli.go) and prints (print.go).
//
// Run it with no arguments for worked examples.
package main

import (
	"fmt"
	"os"
)

// main is the only place that exits: run returns every error, which keeps
// run testable in-process.
func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "certgen: %v\n", err)
		os.Exit(1)
	}
}
