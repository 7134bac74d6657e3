package main

import (
	"testing"

	"liso/tools/lisocheck/suite"
)

// The HTTP/1.1 wire conformance table, request smuggling and the jail are
// lisocheck's checks (robust/wire/..., robust/smuggling/...,
// robust/jail/...), which TestLisocheck runs against lisod. Where an RFC
// lets a server choose its answer, those checks accept every allowed one;
// this test holds lisod to the one it chose (docs/security.md).

// TestProjectChoices runs suite.ProjectChoices against lisod: the wire
// rows with more than one allowed answer, and the jail's refusals (404 or
// 400, never 403). The strict ones run in TestLisocheckStrict.
func TestProjectChoices(t *testing.T) {
	suite.Test(t, startLisocheck(t), suite.ProjectChoices(), nil)
}
