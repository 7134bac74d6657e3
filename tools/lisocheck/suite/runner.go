package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// Select returns the checks for a server of the given checkpoint, in the
// course's order: the checkpoint's stages, the RFC-only checks when strict,
// and only the checks whose names match run (nil: all).
func Select(checks []Check, checkpoint int, strict bool, run *regexp.Regexp) []*Check {
	var out []*Check
	for _, stage := range Stages(checkpoint) {
		for i := range checks {
			ch := &checks[i]
			switch {
			case ch.Stage != stage, ch.since() > checkpoint, ch.Strict && !strict:
				continue
			case run != nil && !run.MatchString(ch.Name):
				continue
			}
			out = append(out, ch)
		}
	}
	return out
}

// Report says how each result is shown, as it comes.
type Report interface {
	Start(ch *Check)
	Progress(ch *Check, line string)
	Done(r Result)
	End(results []Result)
}

// Run runs the checks one after another against t, reporting each.
func Run(ctx context.Context, t *Target, checks []*Check, rep Report) []Result {
	var results []Result
	for _, ch := range checks {
		if ctx.Err() != nil {
			break
		}
		rep.Start(ch)
		r := run(ctx, t, ch, func(line string) { rep.Progress(ch, line) })
		rep.Done(r)
		results = append(results, r)
	}
	rep.End(results)
	return results
}

// Counts returns how many results passed, failed and were skipped.
func Counts(results []Result) (pass, fail, skip int) {
	for _, r := range results {
		switch r.Verdict {
		case Pass:
			pass++
		case Fail:
			fail++
		default:
			skip++
		}
	}
	return pass, fail, skip
}

// TextReport writes what a person reads: a heading per stage, a line per
// check, the details of each failure, and a summary.
type TextReport struct {
	W        io.Writer
	Terminal bool // draw progress lines, overwritten in place
	Verbose  bool // show each check's measured figures even when it passed
	stage    Stage
}

// Start prints the stage heading when a new stage begins.
func (r *TextReport) Start(ch *Check) {
	if ch.Stage != r.stage {
		r.stage = ch.Stage
		fmt.Fprintf(r.W, "\n== %s\n", ch.Stage)
	}
}

// Progress overwrites one line on a terminal; elsewhere it prints nothing.
func (r *TextReport) Progress(ch *Check, line string) {
	if r.Terminal {
		fmt.Fprintf(r.W, "\r\033[K     %s: %s", ch.Name, line)
	}
}

// Done prints the verdict line and, for a failure, what went wrong.
func (r *TextReport) Done(res Result) {
	if r.Terminal {
		fmt.Fprint(r.W, "\r\033[K")
	}
	fmt.Fprintf(r.W, "%s %s\n", res.Verdict, res.Name)
	switch res.Verdict {
	case Skip:
		fmt.Fprintf(r.W, "     skipped:  %s\n", res.Skipped)
	case Fail:
		for _, f := range res.Failures {
			field := func(name, v string) {
				if name == "sent" {
					v = Visible(v) // raw bytes: line ends matter
				} else {
					v = strings.TrimRight(strings.ReplaceAll(v, "\r\n", "\n"), "\n")
				}
				if v != "" {
					fmt.Fprintf(r.W, "     %-10s%s\n", name+":", strings.ReplaceAll(v, "\n", "\n               "))
				}
			}
			field("sent", f.Sent)
			field("got", f.Got)
			field("expected", f.Want)
			field("note", f.Note)
		}
		fmt.Fprintf(r.W, "     why:      %s\n     read:     %s\n", res.Rule, res.Doc)
	}
	if res.Verdict == Fail || r.Verbose {
		for _, l := range res.Logs {
			fmt.Fprintf(r.W, "     log:      %s\n", l)
		}
	}
}

// End prints the summary line.
func (r *TextReport) End(results []Result) {
	pass, fail, skip := Counts(results)
	fmt.Fprintf(r.W, "\n%d passed, %d failed", pass, fail)
	if skip > 0 {
		fmt.Fprintf(r.W, ", %d skipped", skip)
	}
	fmt.Fprintln(r.W)
	if fail > 0 {
		var names []string
		for _, res := range results {
			if res.Verdict == Fail {
				names = append(names, regexp.QuoteMeta(res.Name))
			}
		}
		names = slices.Compact(names)
		fmt.Fprintf(r.W, "to run the failed checks again: --run '^(%s)$'\n", strings.Join(names, "|"))
	}
}

// JSONReport writes one JSON document at the end, for machines.
type JSONReport struct{ W io.Writer }

// Start does nothing: the document is written at the end.
func (JSONReport) Start(*Check) {}

// Progress does nothing.
func (JSONReport) Progress(*Check, string) {}

// Done does nothing.
func (JSONReport) Done(Result) {}

// End writes {"passed":N,"failed":N,"skipped":N,"results":[...]}.
func (r JSONReport) End(results []Result) {
	pass, fail, skip := Counts(results)
	if results == nil {
		results = []Result{}
	}
	enc := json.NewEncoder(r.W)
	enc.SetIndent("", "  ")
	enc.Encode(struct {
		Passed  int      `json:"passed"`
		Failed  int      `json:"failed"`
		Skipped int      `json:"skipped"`
		Results []Result `json:"results"`
	}{pass, fail, skip, results})
}
