package demo

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
)

// cgiScript is the demo CGI script, a POSIX shell script that shows its
// environment and the body of a POST. Checkpoint 3 runs it for /cgi/
// requests when lisod is given no CGI script.
//
//go:embed cgi/demo.cgi
var cgiScript []byte

// CGIScriptName is the demo script's file name.
const CGIScriptName = "demo.cgi"

// WriteCGIScript writes the demo CGI script, executable, into a new
// temporary folder and returns its path; remove the folder
// (filepath.Dir(path)) with os.RemoveAll when done. A file is needed
// because a CGI script is a program the server executes.
func WriteCGIScript() (string, error) {
	dir, err := os.MkdirTemp("", "lisod-cgi-")
	if err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	path := filepath.Join(dir, CGIScriptName)
	if err := os.WriteFile(path, cgiScript, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("demo: writing the CGI script: %w", err)
	}
	return path, nil
}
