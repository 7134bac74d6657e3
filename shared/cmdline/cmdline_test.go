package cmdline_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"liso/shared/cmdline"
	"liso/shared/server"
)

// defaults is what a lisod started with no arguments runs with.
var defaults = cmdline.Args{
	HTTPPort:        8080,
	HTTPSPort:       8443,
	MaxConns:        10000,
	ShutdownTimeout: 10 * time.Second,
}

// with returns the defaults changed by f.
func with(f func(a *cmdline.Args)) cmdline.Args {
	a := defaults
	f(&a)
	return a
}

type parseTest struct {
	name string
	args []string
	env  map[string]string
	want cmdline.Args
	err  string // a substring of the error; "" means success
}

var parseTests = []parseTest{
	{name: "no arguments", want: defaults},
	{
		name: "all eight, course order",
		args: []string{"9999", "4443", "lisod.log", "lisod.lock", "www", "cgi/script.py", "key.pem", "cert.pem"},
		want: with(func(a *cmdline.Args) {
			a.HTTPPort, a.HTTPSPort = 9999, 4443
			a.LogFile, a.LockFile, a.WWWFolder = "lisod.log", "lisod.lock", "www"
			a.CGIScript, a.PrivateKey, a.Certificate = "cgi/script.py", "key.pem", "cert.pem"
		}),
	},
	{name: "only the first", args: []string{"0"}, want: with(func(a *cmdline.Args) { a.HTTPPort = 0 })},
	{name: "flags", args: []string{"--http-port=81", "--log-file", "x.log", "--max-conns", "5"},
		want: with(func(a *cmdline.Args) { a.HTTPPort, a.LogFile, a.MaxConns = 81, "x.log", 5 })},
	{name: "environment", env: map[string]string{"LISOD_HTTP_PORT": "82", "LISOD_WWW_FOLDER": "/srv/www"},
		want: with(func(a *cmdline.Args) { a.HTTPPort, a.WWWFolder = 82, "/srv/www" })},
	{name: "flag beats environment", args: []string{"--http-port", "83"}, env: map[string]string{"LISOD_HTTP_PORT": "82"},
		want: with(func(a *cmdline.Args) { a.HTTPPort = 83 })},
	{name: "positional beats flag and environment", args: []string{"--http-port", "83", "84"}, env: map[string]string{"LISOD_HTTP_PORT": "82"},
		want: with(func(a *cmdline.Args) { a.HTTPPort = 84 })},
	{name: "highest port", args: []string{"65535"}, want: with(func(a *cmdline.Args) { a.HTTPPort = 65535 })},
	{name: "durations", args: []string{"--shutdown-timeout", "1m30s"}, want: with(func(a *cmdline.Args) { a.ShutdownTimeout = 90 * time.Second })},
	{name: "port not a number", args: []string{"http"}, err: `"http" is not a port number`},
	{name: "port too large", args: []string{"65536"}, err: `"65536" is not a port number`},
	{name: "port negative", args: []string{"--http-port=-1"}, err: `"-1" is not a port number`},
	{name: "bad https port", args: []string{"80", "x443"}, err: `"x443" is not a port number`},
	{name: "bad port in environment", env: map[string]string{"LISOD_HTTPS_PORT": "many"}, err: `"many" is not a port number`},
	{name: "nine arguments", args: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, err: "lisod takes at most 8 arguments"},
	{name: "unknown flag", args: []string{"--colour"}, err: "unknown flag --colour"},
	{name: "no connections", args: []string{"--max-conns", "0"}, err: "--max-conns must be at least 1"},
	{name: "bad duration", args: []string{"--shutdown-timeout", "soon"}, err: "shutdown-timeout"},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var got cmdline.Args
			var out bytes.Buffer
			err := cmdline.Parse(&got, tt.args, cmdline.Program{}, &out)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Parse(%q) = %v; want an error containing %q", tt.args, err, tt.err)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("Parse(%q) error has more than one line: %q", tt.args, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) = %v; want success", tt.args, err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(cmdline.Args{}, "Positional")); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

// extended is how a later checkpoint adds options: it embeds Args.
type extended struct {
	cmdline.Args
	Extra string `name:"extra" default:"x"`
}

func TestParseEmbedded(t *testing.T) {
	var got extended
	if err := cmdline.Parse(&got, []string{"7070", "--extra", "y"}, cmdline.Program{}, new(bytes.Buffer)); err != nil {
		t.Fatalf("Parse = %v", err)
	}
	if got.HTTPPort != 7070 || got.Extra != "y" {
		t.Errorf("Parse gave port %d, extra %q; want 7070, y", got.HTTPPort, got.Extra)
	}
}

func TestHelpMarksUnusedArguments(t *testing.T) {
	var a cmdline.Args
	var out bytes.Buffer
	prog := cmdline.Program{Description: "An echo server.", Uses: []string{"http-port", "log-file"}}
	if err := cmdline.Parse(&a, []string{"--help"}, prog, &out); !errors.Is(err, cmdline.ErrShown) {
		t.Fatalf("Parse(--help) = %v; want ErrShown", err)
	}
	help := out.String()
	for _, want := range []string{"An echo server.", "<http-port>", "<certificate>", "$LISOD_HTTP_PORT", "--shutdown-timeout"} {
		if !strings.Contains(help, want) {
			t.Errorf("--help lacks %q:\n%s", want, help)
		}
	}
	// Six of the eight are unused by this program; kong may wrap the
	// note across lines, so count its first words.
	if n := strings.Count(help, "(Accepted but"); n != 6 {
		t.Errorf("--help marks %d arguments as unused; want 6:\n%s", n, help)
	}
}

func TestVersion(t *testing.T) {
	var a cmdline.Args
	var out bytes.Buffer
	if err := cmdline.Parse(&a, []string{"--version"}, cmdline.Program{}, &out); !errors.Is(err, cmdline.ErrShown) {
		t.Fatalf("Parse(--version) = %v; want ErrShown", err)
	}
	if got, want := strings.TrimSpace(out.String()), "lisod ("+server.Name+")"; got != want {
		t.Errorf("--version printed %q; want %q", got, want)
	}
}

// TestHelpShowsDefaults: --help names every argument's default, the ones
// a checkpoint computes at run time included, and keeps the base text for
// one the checkpoint could not compute.
func TestHelpShowsDefaults(t *testing.T) {
	var a cmdline.Args
	var out bytes.Buffer
	prog := cmdline.Program{Defaults: map[string]string{
		"lock-file":   "/run/user/1000/lisod-1000.lock (a daemon's)",
		"private-key": "", // not known: the base text stays
	}}
	if err := cmdline.Parse(&a, []string{"--help"}, prog, &out); !errors.Is(err, cmdline.ErrShown) {
		t.Fatalf("Parse(--help) = %v; want ErrShown", err)
	}
	help := strings.Join(strings.Fields(out.String()), " ") // kong wraps lines anywhere
	for _, want := range []string{
		"Port for plain HTTP (default: 8080;",
		"Port for HTTPS (default: 8443;",
		"appended to (default: standard error)",
		"pid (default: /run/user/1000/lisod-1000.lock (a daemon's))",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("--help lacks %q:\n%s", want, out.String())
		}
	}
	if n := strings.Count(help, "(PEM; default: none)"); n != 2 {
		t.Errorf("--help says \"(PEM; default: none)\" %d times; want 2, for the key and the certificate:\n%s", n, out.String())
	}
	if err := cmdline.Parse(&a, nil, prog, &out); err != nil || a.HTTPPort != 8080 || a.HTTPSPort != 8443 {
		t.Errorf("Parse() = %v with ports %d, %d; want the defaults the help shows, 8080 and 8443", err, a.HTTPPort, a.HTTPSPort)
	}
}

// withProxy is checkpoint 3's way of taking --proxy-from.
type withProxy struct {
	cmdline.Args
	cmdline.ProxyOptions
}

type proxyFromTest struct {
	args []string
	env  string
	want []string // the prefixes, as netip writes them
	err  string
}

var proxyFromTests = []proxyFromTest{
	{args: nil, want: nil},
	{args: []string{"--proxy-from", "127.0.0.1/32"}, want: []string{"127.0.0.1/32"}},
	{args: []string{"--proxy-from", "10.0.0.0/8, 192.0.2.7,2001:db8::/32"}, want: []string{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"}},
	{args: []string{"--proxy-from", "10.0.0.0/8", "--proxy-from", "::1"}, want: []string{"10.0.0.0/8", "::1/128"}},
	{env: "192.0.2.0/24", want: []string{"192.0.2.0/24"}},
	{args: []string{"--proxy-from=10.0.0.5"}, env: "192.0.2.0/24", want: []string{"10.0.0.5/32"}},
	{args: []string{"--proxy-from", "10.1.2.3/8"}, err: `"10.1.2.3/8" has address bits past its /8 (did you mean 10.0.0.0/8?)`},
	{args: []string{"--proxy-from", "10.0.0.0/33"}, err: `"10.0.0.0/33" is not`},
	{args: []string{"--proxy-from", "haproxy.internal"}, err: `"haproxy.internal" is not`},
	{args: []string{"--proxy-from", "fe80::1%eth0"}, err: `"fe80::1%eth0" is not`},
	{env: "10.0.0.0/8,nope", err: `"nope" is not an IP address or CIDR prefix`},
}

func TestParseProxyFrom(t *testing.T) {
	for _, tt := range proxyFromTests {
		t.Run(strings.Join(tt.args, " ")+" env="+tt.env, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("LISOD_PROXY_FROM", tt.env)
			}
			var got withProxy
			err := cmdline.Parse(&got, tt.args, cmdline.Program{}, new(bytes.Buffer))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("Parse(%q) = %v; want one line containing %q", tt.args, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) = %v", tt.args, err)
			}
			var prefixes []string
			for _, p := range got.ProxyFrom {
				prefixes = append(prefixes, p.String())
			}
			if diff := cmp.Diff(tt.want, prefixes); diff != "" {
				t.Errorf("Parse(%q) with LISOD_PROXY_FROM=%q: --proxy-from mismatch (-want +got):\n%s", tt.args, tt.env, diff)
			}
		})
	}
}
