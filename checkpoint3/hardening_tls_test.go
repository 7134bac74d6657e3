package main

import "liso/tools/lisocheck/suite"

// The TLS table (what a client offers, and what lisod must negotiate or
// refuse) is lisocheck's now: suite.TLSOffers, each row a check that
// TestLisocheck runs (the Strict rows with --strict), also against an RSA
// certificate. docs/security.md still lists its rows, from tlsTests.

// tlsTest is a row of the TLS table as docs/security.md lists it.
type tlsTest struct{ name, ref, want string }

// expected is the row's expectation in words.
func (tt *tlsTest) expected() string { return tt.want }

// tlsTests are the suite's rows, for the table hardening_docs_test.go
// generates.
var tlsTests = func() []tlsTest {
	var rows []tlsTest
	for _, o := range suite.TLSOffers {
		rows = append(rows, tlsTest{name: o.Name, ref: o.Ref, want: o.Expected()})
	}
	return rows
}()
