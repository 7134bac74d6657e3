package suite

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Stage is a step of the course, in the order a grader runs them.
type Stage int

// The stages, in the course's order.
const (
	StageEcho   Stage = iota + 1 // checkpoint 1: the echo server
	StageHTTP                    // checkpoint 2: HTTP/1.1 and the static site
	StageHTTPS                   // checkpoint 3: HTTPS and CGI
	StageDaemon                  // checkpoint 3: daemonization
	StageRobust                  // the hardening suite: hostile and slow clients
)

var stageNames = map[Stage]string{
	StageEcho:   "checkpoint 1: echo",
	StageHTTP:   "checkpoint 2: HTTP/1.1",
	StageHTTPS:  "checkpoint 3: HTTPS and CGI",
	StageDaemon: "checkpoint 3: daemon",
	StageRobust: "robustness",
}

func (s Stage) String() string { return stageNames[s] }

// Stages are the stages that check a server of the given checkpoint. A
// checkpoint 2 or 3 server is an HTTP server, so the echo stage is
// checkpoint 1's alone; the robustness stage follows the course's stages.
func Stages(checkpoint int) []Stage {
	switch checkpoint {
	case 1:
		return []Stage{StageEcho}
	case 2:
		return []Stage{StageHTTP, StageRobust}
	default:
		return []Stage{StageHTTP, StageHTTPS, StageDaemon, StageRobust}
	}
}

// Check is one thing a server must do.
type Check struct {
	Name  string // unique, "stage/what", matched by lisocheck's --run
	Stage Stage
	// Since is the checkpoint whose server can pass it: a robustness
	// check on HTTPS or CGI has Since 3 and is left out at checkpoint 2.
	// Zero means the stage's own checkpoint.
	Since int
	// Rule is where the requirement comes from: "course: ..." for the
	// course's handouts and graders, or an RFC section.
	Rule string
	// Doc is the page and section of docs/ that explains it.
	Doc string
	// Strict marks a check of an RFC rule the course's graders do not
	// ask for (or contradict); it runs only with --strict.
	Strict bool
	// Starts marks a check that starts servers of its own with the
	// Target's Command; it is skipped when the server is given by address.
	Starts bool
	// Run performs the check and reports to c.
	Run func(c *C)
}

// since is the first checkpoint whose server the check applies to.
func (ch *Check) since() int {
	switch {
	case ch.Since != 0:
		return ch.Since
	case ch.Stage == StageEcho:
		return 1
	case ch.Stage == StageHTTP, ch.Stage == StageRobust:
		return 2
	default:
		return 3
	}
}

// Failure is what a failed check reports: enough to see the problem
// without running anything again.
type Failure struct {
	Sent string // the raw request, or what was done
	Got  string // the status line and headers, or the bytes that differed
	Want string // what the rule expects
	Note string // anything else that explains it (optional)
}

// C is the view a running check has of the run: its target, and where it
// reports. Its methods may be called from several goroutines.
type C struct {
	*Target
	ctx      context.Context
	progress func(string)

	mu       sync.Mutex
	failures []Failure // guarded by mu
	skip     string    // guarded by mu
	logs     []string  // guarded by mu
}

// errStop ends a check early; the runner recovers it.
type errStop struct{}

// Context is done when the run is interrupted or the check's time is up.
func (c *C) Context() context.Context { return c.ctx }

// Fail records a failure; the check goes on.
func (c *C) Fail(f Failure) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures = append(c.failures, f)
}

// Fatal records a failure and ends the check. Call it only from the
// check's own goroutine.
func (c *C) Fatal(f Failure) {
	c.Fail(f)
	panic(errStop{})
}

// Skip ends the check without a verdict, saying why.
func (c *C) Skip(why string) {
	c.mu.Lock()
	c.skip = why
	c.mu.Unlock()
	panic(errStop{})
}

// Logf records a line shown with the check's result (a measured figure).
func (c *C) Logf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logs = append(c.logs, fmt.Sprintf(format, args...))
}

// Progress tells a watching user how far a long check is ("312/800
// sockets"). It shows only on a terminal.
func (c *C) Progress(format string, args ...any) {
	if c.progress != nil {
		c.progress(fmt.Sprintf(format, args...))
	}
}

// dial connects to the target's HTTP port for a check about to send
// sent, and ends the check when it cannot. The caller closes the
// connection.
func (c *C) dial(sent string) net.Conn {
	conn, err := Dial(c.Addr)
	if err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: "a connection"})
	}
	return conn
}

// Failed reports whether the check has failed so far.
func (c *C) Failed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.failures) > 0
}

// Verdict is how a check ended.
type Verdict string

// The verdicts.
const (
	Pass Verdict = "PASS"
	Fail Verdict = "FAIL"
	Skip Verdict = "SKIP"
)

// Result is one check's outcome.
type Result struct {
	Check    *Check        `json:"-"`
	Name     string        `json:"name"`
	Stage    string        `json:"stage"`
	Verdict  Verdict       `json:"verdict"`
	Rule     string        `json:"rule"`
	Doc      string        `json:"doc"`
	Skipped  string        `json:"skipped,omitempty"` // why, for SKIP
	Failures []Failure     `json:"failures,omitempty"`
	Logs     []string      `json:"logs,omitempty"`
	Elapsed  time.Duration `json:"elapsed_ns"`
}

// run runs one check against t, with a time limit, and returns its result.
func run(ctx context.Context, t *Target, ch *Check, progress func(string)) Result {
	ctx, cancel := context.WithTimeout(ctx, checkLimit)
	defer cancel()
	c := &C{Target: t, ctx: ctx, progress: progress}
	start := time.Now()
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(errStop); !ok {
					c.Fail(Failure{Note: fmt.Sprintf("lisocheck itself failed in this check: %v", r)})
				}
			}
		}()
		if ch.Starts && t.Command == nil {
			c.Skip("starts servers of its own: give the server's command line after -- instead of --addr")
		}
		ch.Run(c)
	}()
	res := Result{Check: ch, Name: ch.Name, Stage: ch.Stage.String(), Rule: ch.Rule, Doc: ch.Doc, Elapsed: time.Since(start)}
	c.mu.Lock()
	defer c.mu.Unlock()
	res.Failures, res.Logs, res.Skipped = c.failures, c.logs, c.skip
	switch {
	case len(c.failures) > 0:
		res.Verdict = Fail
	case c.skip != "":
		res.Verdict = Skip
	default:
		res.Verdict = Pass
	}
	return res
}

// checkLimit bounds one check, so that a server that hangs fails the check
// instead of hanging the run.
const checkLimit = 3 * time.Minute

// Shorten cuts s to about n bytes for a failure message, keeping its start
// and end.
func Shorten(s string, n int) string {
	if len(s) > n {
		s = s[:n*3/4] + fmt.Sprintf("…(%d bytes)…", len(s)-n) + s[len(s)-n/4:]
	}
	return s
}

// Visible shows raw protocol bytes as lines a person can read: each
// "\r\n" ends a line, a bare "\n" ends one and shows as \n (it matters to
// HTTP), other control bytes and invalid UTF-8 show as \xHH, and trailing
// line ends are dropped.
func Visible(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\r' && i+1 < len(s) && s[i+1] == '\n':
			b.WriteByte('\n')
			i++
		case c == '\n':
			b.WriteString("\\n\n")
		case c == '\t' || (c >= 0x20 && c < 0x7f):
			b.WriteByte(c)
		case c >= 0x80 && utf8.FullRuneInString(s[i:]):
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError {
				fmt.Fprintf(&b, "\\x%02x", c)
				continue
			}
			b.WriteString(s[i : i+size])
			i += size - 1
		default:
			fmt.Fprintf(&b, "\\x%02x", c)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
