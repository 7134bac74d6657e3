package suite

// This file holds the robustness checks of CGI: requests that attack a
// script through its environment or its path, and scripts that misbehave
// towards the server. The ones that need a script of their own (in bash,
// the shell of Shellshock) start a server of their own with it.

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

var cgiRobustChecks = []Check{
	{
		Name:  "robust/cgi/httpoxy",
		Stage: StageRobust,
		Since: 3,
		Rule:  "robustness: a Proxy header field must not become HTTP_PROXY, which many HTTP libraries in a script take as their outgoing proxy (httpoxy, CVE-2016-5385; RFC 3875 4.1.18 lets a server leave fields out)",
		Doc:   "docs/security.md#cgi",
		Run: func(c *C) {
			raw := CRLF("GET /cgi/env HTTP/1.1\nHost: localhost\nProxy: http://evil.example:8080\nConnection: close\n\n")
			r, err := exchangeOne(c, c.Addr, false, raw)
			switch {
			case err != nil:
				c.Fail(Failure{Sent: raw, Got: err.Error(), Want: "200 with the script's environment, without HTTP_PROXY"})
			case r.Status != 200 || strings.Contains(string(r.Body), "HTTP_PROXY=") || strings.Contains(string(r.Body), "evil.example"):
				c.Fail(Failure{Sent: raw, Got: r.Head(), Want: "200 with the script's environment, without HTTP_PROXY"})
			}
		},
	},
	{
		Name:  "robust/cgi/dot-dot-path-info",
		Stage: StageRobust,
		Since: 3,
		Rule:  "robustness: no \"..\" segment reaches a script in PATH_INFO, and a path that climbs out of /cgi is no CGI request (RFC 3986 5.2.4, 6.2.2.2: dot segments removed, %2E is a dot)",
		Doc:   "docs/checkpoint3.md#what-lisod-decides-where-the-course-and-the-rfc-leave-a-choice",
		Run:   checkDotDot,
	},
	{
		Name:   "robust/cgi/shellshock",
		Stage:  StageRobust,
		Since:  3,
		Starts: true,
		Rule:   "robustness: a header value that is a bash function definition reaches the script verbatim, and nothing runs it: no shell between server and script (Shellshock, CVE-2014-6271)",
		Doc:    "docs/security.md#cgi",
		Run:    checkShellshock,
	},
	{
		Name:   "robust/cgi/request-header-1mib",
		Stage:  StageRobust,
		Since:  3,
		Starts: true,
		Rule:   "course: a header line may be refused when longer than 8192 bytes (RFC 9110 5.4: 400, or 431 of RFC 6585); the script does not run for a refused request",
		Doc:    "docs/security.md#cgi",
		Run:    checkHugeRequestHeader,
	},
	{
		Name:   "robust/cgi/script-header-1mib",
		Stage:  StageRobust,
		Since:  3,
		Starts: true,
		Rule:   "course: any CGI failure is a 5xx, never a hang; a script's header block of 1 MiB is one (a server bounds what it buffers of it), and the script is reaped",
		Doc:    "docs/security.md#cgi",
		Run: func(c *C) {
			hostileScript(c, "/cgi/big-header", func(r Reply, raw string) {
				if r.Status/100 != 5 {
					c.Fail(Failure{Sent: raw, Got: r.Head(), Want: "a 5xx: the script's header block is too large"})
				}
			})
		},
	},
	{
		Name:   "robust/cgi/grandchild-holds-stdout",
		Stage:  StageRobust,
		Since:  3,
		Starts: true,
		Rule:   "robustness, beyond the course: a script's answer ends when the script exits, even if a child it left behind holds its stdout, and the child goes with it (the script in a process group of its own, killed with it)",
		Doc:    "docs/checkpoint3.md#when-things-go-wrong",
		Run: func(c *C) {
			hostileScript(c, "/cgi/grandchild", func(r Reply, raw string) {
				leftBehind(c, r, raw, "child ", "the child the script left behind")
			})
		},
	},
	{
		Name:   "robust/cgi/script-closes-stdout",
		Stage:  StageRobust,
		Since:  3,
		Starts: true,
		Rule:   "robustness, beyond the course: a script's answer ends with its stdout, and a script that keeps running after it closed stdout is ended soon after (the script is the server's child: its process is the server's to end and reap)",
		Doc:    "docs/checkpoint3.md#when-things-go-wrong",
		Run: func(c *C) {
			hostileScript(c, "/cgi/closes-stdout", func(r Reply, raw string) {
				leftBehind(c, r, raw, "script ", "the script that closed its stdout")
			})
		},
	},
}

// hostileCGIScript is the script of the checks that start a server of
// their own, for bash (the shell that once imported functions from the
// environment: Shellshock). PATH_INFO says what it does; every run
// appends its pid to runs.log beside it. @BASH@ and @DIR@ are replaced
// by bash's path and the script's folder.
const hostileCGIScript = `#!@BASH@
echo $$ >> '@DIR@/runs.log'
case "$PATH_INFO" in
/grandchild) # leaves a child behind, holding stdout open, and exits
	sleep 60 &
	printf 'Content-Type: text/plain\n\nchild %s\n' "$!"
	exit 0 ;;
/closes-stdout) # answers, closes stdout, and keeps running
	printf 'Content-Type: text/plain\n\nscript %s\n' "$$"
	exec >&-
	sleep 60 ;;
/big-header) # a 1 MiB header field
	printf 'Content-Type: text/plain\nX-Big: '
	head -c 1048576 /dev/zero | tr '\0' a
	printf '\n\nbody\n' ;;
*) # anything else: the environment, one variable a line
	printf 'Content-Type: text/plain\n\n'
	env ;;
esac
`

// hostile is a server of the check's own running hostileCGIScript.
type hostile struct {
	*Target
	dir  string // the script's folder
	stop func()
}

// startHostile starts a server with hostileCGIScript; the check calls
// h.stop. It skips the check when bash is not installed.
func startHostile(c *C) *hostile {
	bash, err := exec.LookPath("bash")
	if err != nil {
		c.Skip("bash is not installed")
	}
	t, stop := ownServer{script: strings.ReplaceAll(hostileCGIScript, "@BASH@", bash)}.start(c)
	h := &hostile{Target: t, dir: filepath.Dir(t.Server.CGI), stop: stop}
	return h
}

// runs are the pids of the script's runs so far.
func (h *hostile) runs() []int {
	data, _ := os.ReadFile(filepath.Join(h.dir, "runs.log"))
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// goneWithin is how long a script's processes may outlive its answer.
const goneWithin = 5 * time.Second

// reaped fails the check if a run of the script is still a process after
// goneWithin: running, or a zombie the server has not waited for.
func (h *hostile) reaped(c *C) {
	for _, pid := range h.runs() {
		if !poll(goneWithin, func() bool { _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); return err != nil }) {
			stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			c.Fail(Failure{Sent: "a run of the script, pid " + strconv.Itoa(pid), Got: "still a process: " + strings.TrimSpace(string(stat)), Want: fmt.Sprintf("the script ended and reaped within %v of its answer", goneWithin)})
		}
	}
}

// poll polls cond every few milliseconds until it holds or limit passes,
// and reports whether it held.
func poll(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond) // polling an observable condition, bounded above
	}
	return true
}

// hostileScript runs the script at path on a server of the check's own,
// checks that its answer comes within goneWithin, hands it to check, and
// then checks that every run of the script was reaped.
func hostileScript(c *C, path string, check func(r Reply, raw string)) {
	h := startHostile(c)
	defer h.stop()
	start := time.Now()
	r, raw, err := Get(h.Addr, "GET", path)
	took := time.Since(start)
	c.Logf("%s answered after %v", path, took.Round(time.Millisecond))
	switch {
	case err != nil:
		c.Fail(Failure{Sent: raw, Got: err.Error(), Want: "an answer"})
	case took > goneWithin:
		c.Fail(Failure{Sent: raw, Got: fmt.Sprintf("answered after %v", took.Round(time.Millisecond)), Want: fmt.Sprintf("an answer within %v: nothing of the script may hold it", goneWithin)})
	default:
		check(r, raw)
	}
	h.reaped(c)
}

// leftBehind checks an answer "<prefix><pid>" and that the process with
// that pid is gone within goneWithin (exited, or a zombie left for init:
// it is not the server's child).
func leftBehind(c *C, r Reply, raw, prefix, what string) {
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(string(r.Body), prefix)))
	if r.Status != 200 || err != nil {
		c.Fail(Failure{Sent: raw, Got: r.Head(), Want: "200 with the body " + prefix + "PID"})
		return
	}
	if !poll(goneWithin, func() bool { return !Alive(pid) }) {
		c.Fail(Failure{Sent: raw, Got: fmt.Sprintf("%s (pid %d) still runs %v after the answer", what, pid, goneWithin), Want: "it ended with the answer"})
	}
}

func checkShellshock(c *C) {
	h := startHostile(c)
	defer h.stop()
	shocked := filepath.Join(h.dir, "shocked")
	value := "() { :;}; echo SHOCKED; touch " + shocked
	raw := CRLF("GET /cgi/env HTTP/1.1\nHost: localhost\nX-Shock: " + value + "\nConnection: close\n\n")
	r, err := exchangeOne(c, h.Addr, false, raw)
	switch {
	case err != nil:
		c.Fail(Failure{Sent: raw, Got: err.Error(), Want: "200 with HTTP_X_SHOCK as sent"})
	case r.Status != 200 || !strings.Contains(string(r.Body), "HTTP_X_SHOCK="+value+"\n"):
		c.Fail(Failure{Sent: raw, Got: r.Head(), Want: "200 with HTTP_X_SHOCK=" + value})
	case strings.Contains("\n"+string(r.Body), "\nSHOCKED\n"):
		c.Fail(Failure{Sent: raw, Got: r.Head(), Want: "the value passed as text", Note: "the header value ran as code"})
	}
	if _, err := os.Stat(shocked); err == nil {
		c.Fail(Failure{Sent: raw, Got: shocked + " exists", Want: "the value passed as text", Note: "the header value ran as code"})
	}
	h.reaped(c)
}

func checkHugeRequestHeader(c *C) {
	h := startHostile(c)
	defer h.stop()
	before := len(h.runs())
	head := "GET /cgi/env HTTP/1.1\r\nHost: localhost\r\nX-Big: "
	raw := head + strings.Repeat("b", 1<<20) + "\r\nConnection: close\r\n\r\n"
	sent := Shorten(raw, 200)
	conn, err := Dial(h.Addr)
	if err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: "400 or 431"})
	}
	defer conn.Close()
	// The server may answer before it has read it all: write meanwhile.
	var wg sync.WaitGroup
	wg.Go(func() { io.WriteString(conn, raw) })
	r, err := ReadReply(bufio.NewReader(conn), "GET")
	conn.Close()
	wg.Wait()
	switch {
	case err != nil:
		c.Fail(Failure{Sent: sent, Got: err.Error(), Want: "400 or 431: a header line that long may be refused"})
	case r.Status != 431 && r.Status != 400:
		c.Fail(Failure{Sent: sent, Got: r.Head(), Want: "400 or 431: a header line that long may be refused"})
	}
	if after := len(h.runs()); after != before {
		c.Fail(Failure{Sent: sent, Got: "the script ran", Want: "no script run for a refused request"})
	}
	h.reaped(c)
}

// dotDots are request targets with dot segments under /cgi. pathInfo is
// what the script must see; "" means the path climbs out of /cgi and is
// no CGI request.
var dotDots = []struct{ target, pathInfo string }{
	{"/cgi/a/../b", "/b"},
	{"/cgi/a/%2e%2e/b", "/b"},
	{"/cgi/a/..%2fb", "/b"},
	{"/cgi/a/b/../../../secret.txt", ""},
	{"/cgi/%2e%2e/%2e%2e/secret.txt", ""},
	{"/cgi/..%2f..%2fsecret.txt", ""},
	{"/cgi/../secret.txt", ""},
}

// checkDotDot asks for each of dotDots. A server may also refuse one (a
// 4xx), or redirect to the path cleaned (a 3xx, as Go's ServeMux does):
// that is as safe.
func checkDotDot(c *C) {
	for _, tt := range dotDots {
		r, raw, err := Get(c.Addr, "GET", tt.target)
		if err != nil {
			c.Fail(Failure{Sent: raw, Got: err.Error(), Want: "an answer"})
			continue
		}
		env := parseEnv(string(r.Body))
		pathInfo, fromScript := env["PATH_INFO"]
		fromScript = fromScript && r.Status == 200 && env["GATEWAY_INTERFACE"] != ""
		refused := (r.Status/100 == 3 || r.Status/100 == 4) && !fromScript
		switch {
		case strings.Contains(string(r.Body), SecretBody):
			c.Fail(Failure{Sent: raw, Got: r.Head(), Want: "never the file outside the www folder"})
		case tt.pathInfo == "" && fromScript:
			c.Fail(Failure{Sent: raw, Got: "the script ran with PATH_INFO=" + pathInfo, Want: "no CGI request: the path climbs out of /cgi (a 4xx, or a redirect)"})
		case tt.pathInfo == "" && !refused:
			c.Fail(Failure{Sent: raw, Got: r.Head(), Want: "a 4xx (or a redirect): the path climbs out of /cgi, to a file that is not in the www folder"})
		case tt.pathInfo != "" && !refused && (!fromScript || pathInfo != tt.pathInfo):
			c.Fail(Failure{Sent: raw, Got: fmt.Sprintf("%s\nPATH_INFO=%s", r.Head(), pathInfo), Want: "the script run with PATH_INFO=" + tt.pathInfo + " (the path decoded, then cleaned), or a refusal (a 4xx, or a redirect)"})
		}
	}
}
