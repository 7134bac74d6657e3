package suite

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// Site is the course-like site lisocheck writes for the server to serve:
// a page per MIME type of the course's table, the graders' pipelining
// pages, a big file, and the CGI script.
type Site struct {
	WWW string // the www folder
	// CGIScript is the path of the executable that answers /cgi/.
	CGIScript string
	// Secret is a file beside the www folder, never to be served; ""
	// when lisocheck does not own the folder around www.
	Secret string
	// Files maps each URL path to the body it must be served with.
	Files map[string][]byte
}

// The site's files that checks name.
const (
	IndexBody  = "<!DOCTYPE html><title>lisocheck</title><h1>lisocheck's site</h1>\n"
	SecondBody = "second request answered\n"
	SecretBody = "TOP SECRET: outside the www folder\n"
	BigPath    = "/big.bin"
	ScriptName = "lisocheck.cgi" // the CGI script's file name
	bigSize    = 4 << 20
)

// MIMETypes is the course's table, as its graders compare Content-Type:
// to the letter, so a "; charset=utf-8" fails.
var MIMETypes = []struct{ Path, Type string }{
	{"/index.html", "text/html"},
	{"/style.css", "text/css"},
	{"/logo.png", "image/png"},
	{"/photo.jpg", "image/jpeg"},
	{"/photo.jpeg", "image/jpeg"},
	{"/anim.gif", "image/gif"},
	{"/blob.bin", "application/octet-stream"},
	{"/no-extension", "application/octet-stream"},
	{"/odd.unknown-type", "application/octet-stream"},
}

// PageBody is the body of the pipelining page /N.html.
func PageBody(n int) string { return "<p>page " + strconv.Itoa(n) + "</p>\n" }

// BigSum is the SHA-256 of the big file, in hex.
func (s *Site) BigSum() string { return fmt.Sprintf("%x", sha256.Sum256(s.Files[BigPath])) }

// WriteSite writes the site into www (made if missing) and the CGI script
// at script. When secret is not "", it writes the never-served file there.
func WriteSite(www, script, secret string) (*Site, error) {
	s := &Site{WWW: www, CGIScript: script, Secret: secret, Files: map[string][]byte{
		"/index.html":      []byte(IndexBody),
		"/second.txt":      []byte(SecondBody),
		"/sub/page.html":   []byte("public page\n"),
		"/sub/index.html":  []byte("the index of sub/\n"),
		"/with space.html": []byte("a file whose name has a space\n"),
	}}
	for _, m := range MIMETypes {
		if _, ok := s.Files[m.Path]; !ok {
			s.Files[m.Path] = []byte("bytes of " + m.Path[1:] + "\n")
		}
	}
	for i := 1; i <= 5; i++ {
		s.Files["/"+strconv.Itoa(i)+".html"] = []byte(PageBody(i))
	}
	big := make([]byte, bigSize)
	r := rand.NewChaCha8([32]byte{'l', 'i', 's', 'o'}) // the same bytes every run
	r.Read(big)
	s.Files[BigPath] = big

	for p, body := range s.Files {
		name := filepath.Join(www, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return nil, fmt.Errorf("writing the site: %w", err)
		}
		if err := os.WriteFile(name, body, 0o644); err != nil {
			return nil, fmt.Errorf("writing the site: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(script), 0o755); err != nil {
		return nil, fmt.Errorf("writing the CGI script: %w", err)
	}
	if err := os.WriteFile(script, []byte(cgiScript), 0o755); err != nil {
		return nil, fmt.Errorf("writing the CGI script: %w", err)
	}
	if secret != "" {
		if err := os.WriteFile(secret, []byte(SecretBody), 0o644); err != nil {
			return nil, fmt.Errorf("writing the secret file: %w", err)
		}
	}
	return s, nil
}

// cgiScript is the one CGI program the site has, in POSIX sh so that it
// runs wherever the server does. PATH_INFO picks what it does:
//
//	/nph        a full status line of its own, as the course's scripts print
//	/echo       the request body back (from stdin)
//	/slow       answers after 3 s (beside fast requests)
//	/fail       exits 1 without a byte
//	/status     RFC 3875's Status header: 201
//	anything else  "Content-Type: text/plain", then its environment,
//	            one NAME=value a line (the course's example URI lands here)
const cgiScript = `#!/bin/sh
# lisocheck's CGI script: PATH_INFO says what to do.
case "$PATH_INFO" in
/nph)
	printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nnon-parsed header answer\n'
	;;
/echo)
	printf 'Content-Type: application/octet-stream\r\n\r\n'
	cat
	;;
/slow)
	sleep 3
	printf 'Content-Type: text/plain\r\n\r\nslow answer\n'
	;;
/fail)
	exit 1
	;;
/status)
	printf 'Status: 201 Created\r\nContent-Type: text/plain\r\n\r\ncreated\n'
	;;
*)
	printf 'Content-Type: text/plain\r\n\r\n'
	env
	;;
esac
`
