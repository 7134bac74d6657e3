package suite

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// StartLimit is how long a started server may take to listen.
const StartLimit = 10 * time.Second

// Start prepares dir (the site, the CGI script, a CA and the server's
// pair), starts the command there for a server of the given checkpoint,
// waits until it listens, and returns the target. The caller stops
// target.Server when done.
func Start(cmd *Command, checkpoint int, dir string) (*Target, error) {
	f, err := ScratchFiles(dir)
	if err != nil {
		return nil, err
	}
	site, roots, err := Prepare(dir, f)
	if err != nil {
		return nil, err
	}
	s, err := cmd.Launch(f)
	if err != nil {
		return nil, err
	}
	if err := s.Ready(StartLimit); err != nil {
		s.Stop(time.Second)
		return nil, err
	}
	return &Target{
		Checkpoint: checkpoint,
		Addr:       loopback(f.HTTPPort),
		TLSAddr:    loopback(f.HTTPSPort),
		Roots:      roots,
		Site:       site,
		Command:    cmd,
		Server:     s,
	}, nil
}

func loopback(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// Healthy reports what is wrong with a started server after a run: gone,
// or its output shows a crash (a Go panic, a data race report, a fatal
// error, a sanitizer's report). A server given by address is only dialled.
func (t *Target) Healthy() error {
	if t.Server == nil {
		c, err := net.DialTimeout("tcp", t.Addr, HangGuard)
		if err != nil {
			return fmt.Errorf("the server no longer accepts connections: %w", err)
		}
		c.Close()
		return nil
	}
	pid, err := t.Server.Pid()
	if err != nil {
		return err
	}
	if !Alive(pid) {
		_, code, _ := t.Server.Launcher()
		return fmt.Errorf("the server (pid %d) is no longer running (exit code %d); its output:\n%s", pid, code, Shorten(t.Server.Output(), 4000))
	}
	out := t.Server.Output()
	for _, bad := range []string{"panic:", "WARNING: DATA RACE", "fatal error:", "ERROR: AddressSanitizer"} {
		if i := strings.Index(out, bad); i >= 0 {
			return fmt.Errorf("the server's output has %q:\n%s", bad, Shorten(out[i:], 4000))
		}
	}
	return nil
}
