package suite

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// Test runs the checks for tgt's checkpoint as subtests of t, one per
// check, named after it: lisod's own tests are this suite. A FAIL is
// t.Error with the same details lisocheck prints; a SKIP is t.Skip.
func Test(t *testing.T, tgt *Target, checks []Check, run *regexp.Regexp) {
	t.Helper()
	for _, ch := range Select(checks, tgt.Checkpoint, tgt.Strict, run) {
		t.Run(ch.Name, func(t *testing.T) {
			r := runOne(t.Context(), tgt, ch)
			for _, l := range r.Logs {
				t.Log(l)
			}
			switch r.Verdict {
			case Fail:
				var b strings.Builder
				(&TextReport{W: &b}).Done(r)
				t.Error("\n" + b.String())
			case Skip:
				t.Skip(r.Skipped)
			}
		})
	}
}

// runOne is run without progress reports.
func runOne(ctx context.Context, tgt *Target, ch *Check) Result {
	return run(ctx, tgt, ch, nil)
}

// Errorf is a Failure of a check that sent nothing in particular.
func Errorf(format string, args ...any) Failure {
	return Failure{Note: fmt.Sprintf(format, args...)}
}

// StartTest starts the command as Start does, in a folder of the test's,
// and stops the server when the test ends, failing the test if the server
// died or its output shows a crash or a data race.
func StartTest(t *testing.T, cmd *Command, checkpoint int) *Target {
	t.Helper()
	tgt, err := Start(cmd, checkpoint, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tgt.Healthy(); err != nil {
			t.Error(err)
		}
		tgt.Server.Stop(HangGuard)
	})
	return tgt
}
