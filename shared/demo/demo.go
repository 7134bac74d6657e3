// Package demo ships the small web site lisod serves when no www folder is
// given, and the CGI script checkpoint 3 runs when no script is given, so
// that the first run needs no set-up. The files are embedded in the binary
// and written to a fresh temporary folder at start-up (the static file
// server reads real files through os.Root, so it serves them like any
// other folder, and a CGI script must be a file to be executed).
// SiteIfNone and CGIScriptIfNone are the fallbacks the checkpoints call.
// Introduced in checkpoint 2.
package demo

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
)

//go:embed www
var site embed.FS

// WriteSite copies the demo site into a new temporary folder and returns
// its path; remove it with os.RemoveAll when done.
func WriteSite() (string, error) {
	dir, err := os.MkdirTemp("", "lisod-demo-")
	if err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	sub, err := fs.Sub(site, "www")
	if err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	if err := os.CopyFS(dir, sub); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("demo: writing the site: %w", err)
	}
	return dir, nil
}
