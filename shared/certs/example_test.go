package certs_test

import (
	"crypto/tls"
	"fmt"
	"log"
	"os"
	"time"

	"liso/shared/certs"
)

// Checkpoint 3 calls EnsureDevPair (through EnsureServerPair) when it is
// given no key or certificate: the first call creates a CA and a pair,
// later calls reuse them.
func ExampleEnsureDevPair() {
	home, err := os.MkdirTemp("", "liso-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(home)
	// Keep the CA under home, whatever this process's environment says.
	if old, ok := os.LookupEnv(certs.EnvCADir); ok {
		defer os.Setenv(certs.EnvCADir, old)
	}
	os.Unsetenv(certs.EnvCADir)

	first, err := certs.EnsureDevPair(home, time.Now())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("first:", first.CreatedCA, first.Issued, first.Reason)

	second, err := certs.EnsureDevPair(home, time.Now())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("second:", second.Created())

	// The pair loads as lisod loads it.
	if _, err := tls.LoadX509KeyPair(second.CertFile, second.KeyFile); err != nil {
		log.Fatal(err)
	}
	// Output:
	// first: true true no development certificate yet
	// second: false
}

// Issue a certificate for other names with a CA of one's own.
func ExampleCA_Issue() {
	dir, err := os.MkdirTemp("", "liso-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ca, err := certs.CreateCA(dir, certs.CAOptions{})
	if err != nil {
		log.Fatal(err)
	}
	pair, err := ca.Issue(certs.Request{Names: []string{"Example.TEST", "*.example.test", "192.0.2.7"}, Days: 30})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pair.Cert.DNSNames, pair.Cert.IPAddresses)

	_, err = ca.Issue(certs.Request{Names: []string{"localhost:8443"}})
	fmt.Println(err)
	// Output:
	// [example.test *.example.test] [192.0.2.7]
	// certs: refusing name "localhost:8443": a certificate does not name a port; give "localhost" without ":8443"
}
