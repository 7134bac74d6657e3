package main

// lisod under systemd: the units of examples/systemd, checked by
// systemd-analyze and against lisod's own command line; and the contract
// Type=forking relies on (daemon/systemd-forking, a strict lisocheck
// check, which TestLisocheckDaemonStrict runs against lisod).

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"liso/shared/cmdline"
	"liso/shared/lisotest"
	"liso/tools/lisocheck/suite"
)

// unit is a systemd unit file: each section's settings, in order, a key
// given twice keeping both values (as ReadWritePaths= adds up).
type unit map[string]map[string][]string

// readUnit parses the plain subset of systemd.syntax(7) the examples use:
// [Section] lines, Key=Value lines, and comments; no line continuations.
func readUnit(t *testing.T, path string) unit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unit{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
		case strings.HasSuffix(line, "\\"):
			t.Fatalf("%s: a continued line, which this test's reader does not take: %q", path, line)
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: %q is not Key=Value inside a section", path, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// get is the last value of a setting, "" when it is not set.
func (u unit) get(section, key string) string {
	vs := u[section][key]
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// words are every value of a setting, split at spaces.
func (u unit) words(section, key string) []string {
	var out []string
	for _, v := range u[section][key] {
		out = append(out, strings.Fields(v)...)
	}
	return out
}

// unitFiles are the example units and the mode each runs lisod in.
var unitFiles = []struct {
	name       string
	foreground bool
}{
	{"lisod.service", false},
	{"lisod-foreground.service", true},
}

// TestSystemdUnitsMatchLisod reads each unit as systemd would, and checks
// it against what lisod does with the command line it gives: the type
// that fits the mode, the lock file as the daemon's PIDFile=, the folders
// lisod writes left writable, SIGHUP for reload, SIGTERM to lisod alone,
// time enough for a graceful stop, a user of its own with only the
// capability the ports need.
func TestSystemdUnitsMatchLisod(t *testing.T) {
	for _, uf := range unitFiles {
		t.Run(uf.name, func(t *testing.T) {
			u := readUnit(t, filepath.Join("..", "examples", "systemd", uf.name))
			command := strings.Fields(u.get("Service", "ExecStart"))
			if len(command) == 0 || command[0] != "/usr/local/bin/lisod" {
				t.Fatalf("ExecStart=%q; want /usr/local/bin/lisod and its arguments", command)
			}
			var opts options
			if err := cmdline.Parse(&opts, command[1:], program, io.Discard); err != nil {
				t.Fatalf("lisod refuses the unit's command line %q: %v", command[1:], err)
			}
			wantType := map[bool]string{false: "forking", true: "exec"}[uf.foreground]
			if opts.Foreground != uf.foreground || u.get("Service", "Type") != wantType {
				t.Errorf("Type=%s with --foreground %v; want Type=%s", u.get("Service", "Type"), opts.Foreground, wantType)
			}
			if opts.LockFile == "" {
				t.Errorf("no lock file: a second lisod would not be refused")
			}
			if pidFile := u.get("Service", "PIDFile"); !uf.foreground && pidFile != opts.LockFile {
				t.Errorf("PIDFile=%s; want the lock file, %s, whose first line is the daemon's pid", pidFile, opts.LockFile)
			}
			if u.get("Service", "ProtectSystem") != "strict" {
				t.Errorf("ProtectSystem=%s; want strict", u.get("Service", "ProtectSystem"))
			}
			writable := u.words("Service", "ReadWritePaths")
			for _, file := range []string{opts.LockFile, opts.LogFile} {
				if file != "" && !slices.Contains(writable, filepath.Dir(file)) {
					t.Errorf("ReadWritePaths=%v lacks %s: under ProtectSystem=strict lisod could not write %s", writable, filepath.Dir(file), file)
				}
			}
			if got := u.get("Service", "ExecReload"); got != "/bin/kill -HUP $MAINPID" {
				t.Errorf("ExecReload=%s; want SIGHUP to the main process (lisod reloads its certificate on it)", got)
			}
			if got := u.get("Service", "KillMode"); got != "mixed" {
				t.Errorf("KillMode=%s; want mixed: SIGTERM to lisod alone, which lets its CGI scripts finish", got)
			}
			if stop, err := time.ParseDuration(u.get("Service", "TimeoutStopSec") + "s"); err != nil || stop <= opts.ShutdownTimeout {
				t.Errorf("TimeoutStopSec=%s; want more than lisod's --shutdown-timeout, %v", u.get("Service", "TimeoutStopSec"), opts.ShutdownTimeout)
			}
			if user := u.get("Service", "User"); user == "" || user == "root" {
				t.Errorf("User=%q; want a user of lisod's own", user)
			}
			lowPorts := opts.HTTPPort < 1024 || opts.HTTPSPort < 1024
			for _, key := range []string{"AmbientCapabilities", "CapabilityBoundingSet"} {
				if got := u.words("Service", key); lowPorts && !slices.Equal(got, []string{"CAP_NET_BIND_SERVICE"}) {
					t.Errorf("%s=%v; want CAP_NET_BIND_SERVICE alone, for ports %d and %d", key, got, opts.HTTPPort, opts.HTTPSPort)
				}
			}
			if u.get("Service", "NoNewPrivileges") != "yes" {
				t.Errorf("NoNewPrivileges=%q; want yes", u.get("Service", "NoNewPrivileges"))
			}
		})
	}
}

// TestSystemdAnalyzeVerify runs systemd-analyze verify, which needs no
// running systemd, on both units. It checks that each setting exists and
// parses, and that ExecStart's program exists: so the units are verified
// as copies whose ExecStart is a lisod built here, instead of
// /usr/local/bin/lisod. Verify prints nothing when it finds nothing.
func TestSystemdAnalyzeVerify(t *testing.T) {
	analyze := lisotest.NeedCommand(t, "systemd-analyze", "systemd")
	bin := buildLisod(t)
	dir := t.TempDir()
	var names []string
	for _, uf := range unitFiles {
		data, err := os.ReadFile(filepath.Join("..", "examples", "systemd", uf.name))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(data), "/usr/local/bin/lisod ", bin+" ")
		if err := os.WriteFile(filepath.Join(dir, uf.name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, uf.name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	cmd := exec.CommandContext(ctx, analyze, append([]string{"verify", "--man=no"}, names...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify %v: %v\n%s", names, err, out)
	}
}

// TestSystemdForkingCatchesAnEarlyLauncher: daemon/systemd-forking fails
// a server whose launcher exits 0 before its daemon is ready, as a shell
// script that ends with "lisod --foreground &" does, while the course's
// own checks, which give the lock file and the first answer a moment,
// let it pass. systemd would read no pid, or a pid file not written yet.
func TestSystemdForkingCatchesAnEarlyLauncher(t *testing.T) {
	tgt := startLisocheck(t)
	real := lisocheckCommand(t)
	tgt.Command = &suite.Command{
		Path: "/bin/sh",
		Args: append([]string{"-c", `"$0" --foreground "$@" </dev/null >/dev/null 2>&1 & exit 0`, real.Path}, real.Args...),
		Env:  real.Env,
	}
	tgt.Strict = true
	var checks []*suite.Check
	want := map[string]suite.Verdict{"daemon/launcher-exits-0": suite.Pass, "daemon/lock-file-pid": suite.Pass, "daemon/systemd-forking": suite.Fail}
	for _, ch := range suite.All() {
		if _, ok := want[ch.Name]; ok {
			checks = append(checks, &ch)
		}
	}
	for _, r := range suite.Run(t.Context(), tgt, checks, suite.JSONReport{W: io.Discard}) {
		if r.Verdict != want[r.Name] {
			t.Errorf("%s on a launcher that exits at once: %s %v; want %s", r.Name, r.Verdict, r.Failures, want[r.Name])
		}
	}
}
