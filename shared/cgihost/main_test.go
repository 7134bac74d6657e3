package cgihost_test

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestMain runs the tests, or, when this binary was started as a CGI script
// (through a link named ROLE.gocgi, see goChild), plays that script. The
// environment of a CGI script is scrubbed, so the role travels in the
// script's name; net/http/cgi's tests re-run their binary the same way.
func TestMain(m *testing.M) {
	if role, ok := strings.CutSuffix(filepath.Base(os.Args[0]), ".gocgi"); ok {
		// syscall.Exit, not os.Exit: under -race, os.Exit first sleeps a
		// second (GORACE's atexit_sleep_ms), and the scrubbed environment
		// cannot turn that off.
		syscall.Exit(runChild(role))
	}
	os.Exit(m.Run())
}

// childReport is what the "env" child answers: everything it was given.
type childReport struct {
	Env  map[string]string
	Args []string
	Cwd  string
	Body string
}

func runChild(role string) int {
	switch role {
	case "env":
		body, err := io.ReadAll(os.Stdin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "reading stdin:", err)
			return 1
		}
		rep := childReport{Env: map[string]string{}, Args: os.Args, Body: string(body)}
		rep.Cwd, _ = os.Getwd()
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			rep.Env[k] = v
		}
		out, err := json.Marshal(rep)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Printf("Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(out), out)
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown child role", role)
	return 2
}
