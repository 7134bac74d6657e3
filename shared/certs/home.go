package certs

import (
	"fmt"
	"os"
	"path/filepath"
)

// Environment variables and file names shared by certgen and lisod. They are
// constants here so that the two programs cannot drift apart.
const (
	// EnvHome overrides the per-user data folder Liso keeps its files in.
	EnvHome = "LISO_HOME"
	// EnvCADir overrides the folder that holds the CA (default <home>/ca).
	EnvCADir = "LISO_CA_DIR"

	// CADirName is the CA folder's name inside the home folder.
	CADirName = "ca"
	// CACertName is the CA certificate's file name: public, give it to clients.
	CACertName = "ca.crt"
	// CAKeyName is the CA private key's file name: secret, mode 0600.
	CAKeyName = "ca.key"
	// ServerKeyName is the server private key's file name (lisod's default).
	ServerKeyName = "server.key"
	// ServerCertName is the server certificate's file name (lisod's default).
	ServerCertName = "server.crt"
)

// DefaultHome returns the per-user folder where Liso keeps its files:
// $LISO_HOME if set, else $XDG_DATA_HOME/liso, else ~/.local/share/liso.
// The standard library has os.UserConfigDir and os.UserCacheDir but no data
// folder, so this follows the XDG Base Directory rules by hand (a relative
// XDG_DATA_HOME is ignored, as that specification requires). The result is
// absolute, so paths printed from it work from any folder.
func DefaultHome() (string, error) {
	if h := os.Getenv(EnvHome); h != "" {
		abs, err := filepath.Abs(h)
		if err != nil {
			return "", fmt.Errorf("certs: resolving $%s: %w", EnvHome, err)
		}
		return abs, nil
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "liso"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("certs: finding the data folder: %w", err)
	}
	return filepath.Join(home, ".local", "share", "liso"), nil
}

// CADir returns the folder holding the CA for the given home folder:
// $LISO_CA_DIR if set, else <home>/ca. Both certgen and lisod call it, so a
// CA moved with the variable is found by both.
func CADir(home string) string {
	if d := os.Getenv(EnvCADir); d != "" {
		if abs, err := filepath.Abs(d); err == nil {
			return abs
		}
		return d
	}
	return filepath.Join(home, CADirName)
}

// ServerKeyPath returns lisod's default private-key file for a home folder.
func ServerKeyPath(home string) string { return filepath.Join(home, ServerKeyName) }

// ServerCertPath returns lisod's default certificate file for a home folder.
func ServerCertPath(home string) string { return filepath.Join(home, ServerCertName) }
