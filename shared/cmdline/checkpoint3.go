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
