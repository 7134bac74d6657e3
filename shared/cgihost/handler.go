package cgihost

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"liso/shared/httpconn"
	"liso/shared/httpmsg"
)

// Defaults for the Handler's zero fields.
const (
	DefaultMount          = "/cgi"
	DefaultTimeout        = 30 * time.Second
	DefaultMaxScripts     = 64
	DefaultMaxHeaderBytes = 64 << 10
)

// maxRedirects bounds how many local redirects (RFC 3875 6.2.2) one request
// may follow, as Apache does, so that a script redirecting to itself ends
// with a 500 instead of a loop.
const maxRedirects = 10

// Handler runs a CGI script for the requests under Mount ("/cgi",
// "/cgi/anything"), which a router (httpconn.Mux, in checkpoint 3's main)
// sends it. Set the fields before the first request and leave them alone
// afterwards; a Handler serves any number of requests at once.
type Handler struct {
	// Script is the executable run for every CGI request. A relative path
	// is taken from the server's working directory at the first request.
	Script string
	// Mount is the URL prefix the script owns, its SCRIPT_NAME: the prefix
	// the router sends here. "" means DefaultMount; "/" gives the script
	// every path. A request outside it is answered 404.
	Mount string
	// Site serves a local redirect (RFC 3875 6.2.2) that leaves Mount:
	// the site's router, so that the new path is served as a request for
	// it would be. Nil answers such redirects 404.
	Site httpconn.Handler

	// Timeout bounds a script's whole run. Past it the script's process
	// group is killed and the client gets 504, or, if the answer had
	// already begun, a cut connection. 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxScripts caps the scripts running at once; a request past the
	// cap is answered 503 at once, never queued. 0 means DefaultMaxScripts.
	MaxScripts int
	// MaxHeaderBytes caps a script's header block; a larger one is a 502.
	// 0 means DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// TempDir holds chunked request bodies while they are counted (see
	// body.go); "" means os.TempDir().
	TempDir string
	// Log receives each line a script writes to stderr, and failures. Nil
	// discards them. Every run ends with a Debug record "cgi script
	// ended".
	Log *slog.Logger

	once    sync.Once
	script  string        // Script, absolute
	mount   string        // Mount, normalised
	pathVar string        // the scripts' PATH
	slots   chan struct{} // one token per running script
}

// setup fills in the defaults at the first request.
func (h *Handler) setup() {
	h.once.Do(func() {
		h.script = h.Script
		if abs, err := filepath.Abs(h.Script); err == nil {
			h.script = abs
		}
		switch h.mount = strings.TrimSuffix(h.Mount, "/"); {
		case h.Mount == "":
			h.mount = DefaultMount
		case h.mount != "" && h.mount[0] != '/':
			h.mount = "/" + h.mount
		}
		if h.Timeout <= 0 {
			h.Timeout = DefaultTimeout
		}
		if h.MaxScripts <= 0 {
			h.MaxScripts = DefaultMaxScripts
		}
		if h.MaxHeaderBytes <= 0 {
			h.MaxHeaderBytes = DefaultMaxHeaderBytes
		}
		if h.Log == nil {
			h.Log = slog.New(slog.DiscardHandler)
		}
		h.pathVar = os.Getenv("PATH")
		if h.pathVar == "" {
			h.pathVar = defaultPATH
		}
		h.slots = make(chan struct{}, h.MaxScripts)
	})
}

// Check reports whether Script is an executable file, so that a server can
// warn at start-up. The server runs either way: requests for a script that
// fails the check are answered 500, and the reason is logged.
func (h *Handler) Check() error {
	info, err := os.Stat(h.Script)
	switch {
	case err != nil:
		return fmt.Errorf("cgihost: CGI script: %w", err)
	case !info.Mode().IsRegular():
		return fmt.Errorf("cgihost: CGI script %s is not a regular file", h.Script)
	case info.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("cgihost: CGI script %s is not executable (chmod +x)", h.Script)
	}
	if why := interpreterProblem(h.Script); why != "" {
		return fmt.Errorf("cgihost: CGI script %s cannot start: %s", h.Script, why)
	}
	return nil
}

// ServeHTTP runs the script for a request under Mount. A local redirect
// from the script is followed here, as a new GET request (HEAD stays
// HEAD): by the script again when it stays under Mount, else by Site.
func (h *Handler) ServeHTTP(w *httpconn.ResponseWriter, r *httpmsg.Request) {
	h.setup()
	for redirects := 0; ; redirects++ {
		pathInfo, under, ok := splitPath(r.Path, h.mount)
		switch {
		case !ok:
			w.Error(400)
			return
		case !under && redirects > 0 && h.Site != nil:
			h.Site.ServeHTTP(w, r)
			return
		case !under:
			w.Error(404)
			return
		}
		location := h.serveScript(w, r, pathInfo)
		if location == "" {
			return
		}
		if redirects == maxRedirects {
			h.Log.Error("cgi: too many local redirects", "script", h.script, "last", location)
			w.Error(500)
			return
		}
		r = redirected(r, location)
	}
}

// redirected is the request a local redirect to location makes of r: the
// same client and header fields, a new target, no body. Its path is
// decoded as the parser decodes a client's; a location whose path does
// not decode (a bad %-escape) leaves Path empty, which the routing refuses
// as it refuses a client's bad path: 400.
func redirected(r *httpmsg.Request, location string) *httpmsg.Request {
	nr := *r
	nr.Target = location
	nr.RawPath, nr.RawQuery, _ = strings.Cut(location, "?")
	nr.Path, _ = httpmsg.DecodePath(nr.RawPath) // "" on error
	if nr.Method != "HEAD" {
		nr.Method = "GET"
	}
	nr.Header = nil
	for _, f := range r.Header {
		switch strings.ToLower(f.Name) {
		case "content-length", "content-type", "transfer-encoding", "expect":
		default:
			nr.Header = append(nr.Header, f)
		}
	}
	nr.ContentLength, nr.Chunked, nr.Expect100 = 0, false, false
	nr.Body = strings.NewReader("")
	return &nr
}
