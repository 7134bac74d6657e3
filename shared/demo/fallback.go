package demo

import (
	"os"
	"path/filepath"
)

// The checkpoints start with no arguments at all (see package cmdline), so
// each argument that names a file has a fallback. These two are the
// fallbacks for the www folder (checkpoints 2 and 3) and the CGI script
// (checkpoint 3). They live here, not in the checkpoints' main packages,
// so that every checkpoint falls back the same way.

// SiteIfNone returns www when it names a folder. When www is "", it writes
// the demo site into a new temporary folder (WriteSite) and returns that.
// Call remove when the server is done: it deletes the folder SiteIfNone
// wrote, and does nothing for a folder the user gave.
func SiteIfNone(www string) (dir string, remove func(), err error) {
	return unlessGiven(www, WriteSite, func(dir string) string { return dir })
}

// CGIScriptIfNone returns script when it names one. When script is "", it
// writes the demo CGI script into a new temporary folder (WriteCGIScript)
// and returns its path. Call remove when the server is done: it deletes
// the folder CGIScriptIfNone wrote, and does nothing for a script the user
// gave.
func CGIScriptIfNone(script string) (path string, remove func(), err error) {
	return unlessGiven(script, WriteCGIScript, filepath.Dir)
}

// unlessGiven returns given, or else the path write returns, with a
// remove that deletes folder(path), the temporary folder write created.
func unlessGiven(given string, write func() (string, error), folder func(string) string) (string, func(), error) {
	if given != "" {
		return given, func() {}, nil
	}
	path, err := write()
	if err != nil {
		return "", nil, err
	}
	return path, func() { os.RemoveAll(folder(path)) }, nil
}
