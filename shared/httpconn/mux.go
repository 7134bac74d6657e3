package httpconn

import (
	"strings"

	"liso/shared/httpmsg"
)

// Mux routes each request to the handler of the longest path prefix that
// matches it: the routing table of a site, wired in a checkpoint's main.
// Checkpoint 3 sends "/cgi/" to the CGI host and "/" (everything else) to
// the static files.
//
// A prefix matches its own path and every path below it: "/cgi/" (or
// "/cgi") matches "/cgi", "/cgi/" and "/cgi/printenv", never "/cgis". "/"
// matches every path. Prefixes are compared with the decoded path
// (httpmsg.Request.Path), the one every handler sees. A request no prefix
// matches is answered 404.
type Mux struct {
	routes []route // longest prefix first
}

type route struct {
	prefix  string // without a trailing slash: "/cgi", or "" for "/"
	handler Handler
}

// NewMux returns an empty Mux.
func NewMux() *Mux { return new(Mux) }

// Handle routes the paths under prefix to h. Set every route before the
// first request; a second route for the same prefix replaces the first.
func (m *Mux) Handle(prefix string, h Handler) {
	p := strings.TrimSuffix(prefix, "/")
	for i := range m.routes {
		if m.routes[i].prefix == p {
			m.routes[i].handler = h
			return
		}
	}
	i := 0
	for i < len(m.routes) && len(m.routes[i].prefix) >= len(p) {
		i++
	}
	m.routes = append(m.routes, route{})
	copy(m.routes[i+1:], m.routes[i:])
	m.routes[i] = route{prefix: p, handler: h}
}

// Handler returns the handler for path, or nil if no prefix matches.
func (m *Mux) Handler(path string) Handler {
	for _, r := range m.routes {
		if rest, ok := strings.CutPrefix(path, r.prefix); ok && (rest == "" || rest[0] == '/') {
			return r.handler
		}
	}
	return nil
}

// ServeHTTP hands r to the handler of its path.
func (m *Mux) ServeHTTP(w *ResponseWriter, r *httpmsg.Request) {
	h := m.Handler(r.Path)
	if h == nil {
		w.Error(404)
		return
	}
	h.ServeHTTP(w, r)
}
