package main

import (
	"os"
	"testing"

	"liso/shared/lisotest"
	"liso/tools/lisocheck/suite"
)

// TestLisocheck runs lisocheck's checks for a checkpoint 1 server (the
// echo stage) against this checkpoint's lisod, started with the course's
// eight arguments as lisocheck starts a student's server.
func TestLisocheck(t *testing.T) {
	cmd := &suite.Command{Path: os.Args[0], Env: []string{lisotest.ChildEnv()}, Args: []string{"--bind", "127.0.0.1"}}
	suite.Test(t, suite.StartTest(t, cmd, 1), suite.All(), nil)
}
