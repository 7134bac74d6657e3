package main

import (
	"os"
	"regexp"
	"testing"
	"time"

	"liso/shared/lisotest"
	"liso/tools/lisocheck/suite"
)

// lisocheckCommand is this checkpoint's lisod as lisocheck starts a
// student's server: the course's eight arguments after these flags, which
// keep it on loopback and shorten the timeouts so that the checks that
// wait for one (the 408) stay fast.
func lisocheckCommand(flags ...string) *suite.Command {
	return &suite.Command{
		Path: os.Args[0],
		Env:  []string{lisotest.ChildEnv()},
		Args: append([]string{"--bind", "127.0.0.1",
			"--header-timeout", "2s", "--body-timeout", "2s", "--write-timeout", "2s", "--idle-timeout", "5s"}, flags...),
	}
}

// startLisocheck starts lisod for the checks and tells them its timeouts.
func startLisocheck(t *testing.T, flags ...string) *suite.Target {
	tgt := suite.StartTest(t, lisocheckCommand(flags...), 2)
	tgt.HeaderTimeout, tgt.BodyTimeout = 2*time.Second, 2*time.Second
	return tgt
}

// TestLisocheck runs lisocheck's checks for a checkpoint 2 server against
// this checkpoint's lisod, started with the course's eight arguments as
// lisocheck starts a student's server. The course's graders' shapes (the
// MIME table, HEAD, their pipelining files) are checks of the suite.
func TestLisocheck(t *testing.T) {
	suite.Test(t, startLisocheck(t), suite.All(), nil)
}

// TestLisocheckStrict runs the HTTP checks with --strict against a lisod
// started with --require-host, the RFC's rule for a missing Host: the
// strict checks pass, and the course's Host-less pipelining files are
// still answered in order once they name a host.
func TestLisocheckStrict(t *testing.T) {
	tgt := startLisocheck(t, "--require-host")
	tgt.Strict = true
	suite.Test(t, tgt, suite.All(), regexp.MustCompile(`^http/(strict-|pipelining-)`))
}
