// Package cmdline reads lisod's command line: the course's eight positional
// arguments, each of which is also a flag with a LISOD_ environment variable.
//
// The course graders always pass all eight arguments ("Liso will always have
// 8 arguments, functional or not"), so every checkpoint accepts all of them,
// even the ones it does not use yet; its --help says which those are. Every
// argument is optional, so a checkpoint also starts with no arguments at all.
// Introduced in checkpoint 1; later checkpoints add option groups beside Args
// and never change it.
package cmdline

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"
	"liso/shared/server"
)

// ErrShown is returned by Parse when it printed --help or --version: the
// program has done its job and should exit 0 without serving.
var ErrShown = errors.New("cmdline: help or version shown")

// Args holds the course's eight arguments and the options every checkpoint
// shares. Each argument can be given by position, by flag or by environment
// variable; a positional argument wins over the flag and the variable.
type Args struct {
	HTTPPort    Port   `name:"http-port" env:"LISOD_HTTP_PORT" default:"${default_http_port}" placeholder:"PORT" help:"Port for plain HTTP (default: ${default_http_port}; 0 picks a free port). ${use_http_port}"`
	HTTPSPort   Port   `name:"https-port" env:"LISOD_HTTPS_PORT" default:"${default_https_port}" placeholder:"PORT" help:"Port for HTTPS (default: ${default_https_port}; 0 picks a free port). ${use_https_port}"`
	LogFile     string `name:"log-file" env:"LISOD_LOG_FILE" placeholder:"FILE" help:"File the log is appended to (default: ${default_log_file}). ${use_log_file}"`
	LockFile    string `name:"lock-file" env:"LISOD_LOCK_FILE" placeholder:"FILE" help:"Lock file holding the server's pid (default: ${default_lock_file}). ${use_lock_file}"`
	WWWFolder   string `name:"www-folder" env:"LISOD_WWW_FOLDER" placeholder:"DIR" help:"Folder of the static site (default: ${default_www_folder}). ${use_www_folder}"`
	CGIScript   string `name:"cgi-script" env:"LISOD_CGI_SCRIPT" placeholder:"FILE" help:"Executable run for every /cgi/ request (default: ${default_cgi_script}). ${use_cgi_script}"`
	PrivateKey  string `name:"private-key" env:"LISOD_PRIVATE_KEY" placeholder:"FILE" help:"TLS private key (PEM; default: ${default_private_key}). ${use_private_key}"`
	Certificate string `name:"certificate" env:"LISOD_CERTIFICATE" placeholder:"FILE" help:"TLS certificate (PEM; default: ${default_certificate}). ${use_certificate}"`

	Bind            string        `name:"bind" env:"LISOD_BIND" placeholder:"ADDR" help:"Address to listen on (default: all interfaces, as the course does; 127.0.0.1 keeps the server private)."`
	MaxConns        int           `name:"max-conns" env:"LISOD_MAX_CONNS" default:"10000" help:"Most connections served at once; more are refused."`
	ShutdownTimeout time.Duration `name:"shutdown-timeout" env:"LISOD_SHUTDOWN_TIMEOUT" default:"10s" help:"How long SIGTERM waits for open connections before closing them."`

	Version kong.VersionFlag `name:"version" help:"Print the version and exit."`

	Positional Positional `embed:""`
}

// Positional is the course's command line in order. Kong fills a field only
// when the argument is present, which is how Parse tells "given" from "not".
type Positional struct {
	HTTPPort    *Port   `arg:"" optional:"" name:"http-port" help:"Same as --http-port."`
	HTTPSPort   *Port   `arg:"" optional:"" name:"https-port" help:"Same as --https-port."`
	LogFile     *string `arg:"" optional:"" name:"log-file" help:"Same as --log-file."`
	LockFile    *string `arg:"" optional:"" name:"lock-file" help:"Same as --lock-file."`
	WWWFolder   *string `arg:"" optional:"" name:"www-folder" help:"Same as --www-folder."`
	CGIScript   *string `arg:"" optional:"" name:"cgi-script" help:"Same as --cgi-script."`
	PrivateKey  *string `arg:"" optional:"" name:"private-key" help:"Same as --private-key."`
	Certificate *string `arg:"" optional:"" name:"certificate" help:"Same as --certificate."`
}

// apply copies the positional arguments that were given over the flags.
func (a *Args) apply() {
	p := &a.Positional
	set(&a.HTTPPort, p.HTTPPort)
	set(&a.HTTPSPort, p.HTTPSPort)
	set(&a.LogFile, p.LogFile)
	set(&a.LockFile, p.LockFile)
	set(&a.WWWFolder, p.WWWFolder)
	set(&a.CGIScript, p.CGIScript)
	set(&a.PrivateKey, p.PrivateKey)
	set(&a.Certificate, p.Certificate)
	*p = Positional{}
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// Port is a TCP port number, 0 to 65535; 0 asks the kernel for a free one.
type Port int

// Decode lets kong reject a bad port with a message a student understands.
func (p *Port) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("port", &s); err != nil {
		return err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q is not a port number (0 to 65535)", s)
	}
	*p = Port(n)
	return nil
}

// Program describes the checkpoint that parses its command line.
type Program struct {
	// Description is the first paragraph of --help.
	Description string
	// Uses names the flags (by their long name, such as "http-port") of
	// the eight arguments this checkpoint acts on; --help marks the others
	// as accepted but not used yet.
	Uses []string
	// Defaults overrides, by long flag name, how --help describes an
	// argument's default, for defaults a checkpoint computes at run time
	// (paths in the user's home folder); the others, and those whose text
	// is "" (a path that could not be found), are shown as in baseDefaults.
	Defaults map[string]string
}

// baseDefaults describe the eight arguments' defaults as checkpoints 1 and
// 2 have them; the ports are also the flags' actual default values.
var baseDefaults = map[string]string{
	"http-port":   "8080",
	"https-port":  "8443",
	"log-file":    "standard error",
	"lock-file":   "none",
	"www-folder":  "the built-in demo site",
	"cgi-script":  "the built-in demo script",
	"private-key": "none",
	"certificate": "none",
}

// eight lists the long names of the course's arguments, in course order.
var eight = []string{"http-port", "https-port", "log-file", "lock-file", "www-folder", "cgi-script", "private-key", "certificate"}

// Parse fills cli from args. cli is a pointer to a struct that embeds Args
// (with `embed:""`) and may hold more option groups. Help and version go to
// stdout, after which Parse returns ErrShown.
func Parse(cli any, args []string, prog Program, stdout io.Writer) error {
	vars := kong.Vars{"version": "lisod (" + server.Name + ")"}
	for _, name := range eight {
		vars["use_"+strings.ReplaceAll(name, "-", "_")] = "(Accepted but not used by this checkpoint.)"
	}
	for _, name := range prog.Uses {
		vars["use_"+strings.ReplaceAll(name, "-", "_")] = ""
	}
	for name, text := range baseDefaults {
		vars["default_"+strings.ReplaceAll(name, "-", "_")] = text
	}
	for name, text := range prog.Defaults {
		if text != "" {
			vars["default_"+strings.ReplaceAll(name, "-", "_")] = text
		}
	}
	shown := false
	parser, err := kong.New(cli,
		kong.Name("lisod"),
		kong.Description(prog.Description),
		kong.Writers(stdout, stdout),
		kong.Exit(func(int) { shown = true }),
		kong.ConfigureHelp(kong.HelpOptions{NoExpandSubcommands: true}),
		vars,
	)
	if err != nil {
		return fmt.Errorf("cmdline: %w", err)
	}
	if _, err := parser.Parse(args); err != nil {
		if shown {
			return ErrShown
		}
		return tidy(err)
	}
	if shown {
		return ErrShown
	}
	a, ok := argsOf(cli)
	if !ok {
		return errors.New("cmdline: the options struct does not embed cmdline.Args")
	}
	a.apply()
	if a.MaxConns < 1 {
		return fmt.Errorf("--max-conns must be at least 1, not %d", a.MaxConns)
	}
	if a.ShutdownTimeout < 0 {
		return fmt.Errorf("--shutdown-timeout must not be negative")
	}
	return nil
}

// argsOf finds the Args inside the caller's options struct.
func argsOf(cli any) (*Args, bool) {
	type hasArgs interface{ args() *Args }
	if h, ok := cli.(hasArgs); ok {
		return h.args(), true
	}
	return nil, false
}

// args makes *Args, and every struct that embeds Args, satisfy hasArgs.
func (a *Args) args() *Args { return a }

// tidy turns kong's wording for too many arguments into the course's.
func tidy(err error) error {
	if strings.HasPrefix(err.Error(), "unexpected argument") {
		return fmt.Errorf("%v: lisod takes at most 8 arguments: %s",
			err, "<http port> <https port> <log file> <lock file> <www folder> <cgi script> <private key> <certificate>")
	}
	return err
}
