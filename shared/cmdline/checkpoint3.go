package cmdline

import "time"

// HTTPSOptions tune the HTTPS side (checkpoint 3).
type HTTPSOptions struct {
	HandshakeTimeout time.Duration `name:"handshake-timeout" env:"LISOD_HANDSHAKE_TIMEOUT" default:"10s" group:"HTTPS" help:"Longest time a client may take to finish the TLS handshake."`
}

// DaemonOptions choose how lisod runs (checkpoint 3).
type DaemonOptions struct {
	Foreground bool `name:"foreground" short:"F" env:"LISOD_FOREGROUND" group:"Daemon" help:"Stay in the foreground instead of becoming a daemon (for systemd Type=exec and for debugging)."`
}

// CGIOptions bound the CGI scripts lisod runs (checkpoint 3).
type CGIOptions struct {
	CGITimeout time.Duration `name:"cgi-timeout" env:"LISOD_CGI_TIMEOUT" default:"30s" group:"CGI" help:"Longest run of a CGI script; past it the script is killed and the client gets 504."`
	MaxScripts int           `name:"max-scripts" env:"LISOD_MAX_SCRIPTS" default:"64" group:"CGI" help:"Most CGI scripts running at once; past it requests get 503."`
}
