package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"liso/shared/lisotest"
	"liso/tools/lisocheck/suite"
)

// lisocheckCommand is this checkpoint's lisod as lisocheck starts a
// student's server: the course's eight arguments after these flags, which
// keep it on loopback, give it a home of its own (no development pair is
// issued: lisocheck passes its own key and certificate), and shorten the
// timeouts so that the checks that wait for one stay fast. (A race report
// still goes to stderr, which the checked server keeps: see
// startLisocheck.)
func lisocheckCommand(t *testing.T, flags ...string) *suite.Command {
	return &suite.Command{
		Path: os.Args[0],
		// Under -race a program sleeps a second at exit (GORACE's
		// atexit_sleep_ms): a daemon's launcher would spend half the
		// course's two seconds on it, and each stop one more.
		Env: []string{lisotest.ChildEnv(), "LISO_HOME=" + t.TempDir(), "LISO_CA_DIR=",
			"GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")},
		Args: append([]string{"--bind", "127.0.0.1",
			"--header-timeout", "2s", "--body-timeout", "2s", "--write-timeout", "2s",
			"--idle-timeout", "5s", "--handshake-timeout", "2s"}, flags...),
	}
}

// startLisocheck starts lisod for the checks. The server they check runs
// in the foreground, so that its stderr (a panic, a data race report) is
// seen; the daemon's checks start their own with the course's command,
// which daemonizes.
func startLisocheck(t *testing.T, flags ...string) *suite.Target {
	course := lisocheckCommand(t, flags...)
	fg := *course
	fg.Args = append([]string{"--foreground"}, course.Args...)
	tgt := suite.StartTest(t, &fg, 3)
	tgt.Command = course
	tgt.HeaderTimeout, tgt.BodyTimeout, tgt.HandshakeTimeout = 2*time.Second, 2*time.Second, 2*time.Second
	tgt.MemoryLimit = lisodMemoryLimit // lisod's own bound, beyond what the checks ask of any server
	return tgt
}

// TestLisocheck runs every check for a checkpoint 3 server against this
// checkpoint's lisod.
func TestLisocheck(t *testing.T) {
	suite.Test(t, startLisocheck(t), suite.All(), nil)
}

// TestLisocheckStrict runs the strict checks, the RFC rules the course's
// graders do not ask for, against a lisod started with the flag that
// turns them on, and holds it to its own choices among those rules.
func TestLisocheckStrict(t *testing.T) {
	tgt := startLisocheck(t, "--require-host")
	tgt.Strict = true
	suite.Test(t, tgt, suite.StrictOnly(append(suite.All(), suite.ProjectChoices()...)), nil)
}
