package cgihost_test

import (
	"log/slog"
	"os"
	"time"

	"liso/shared/cgihost"
	"liso/shared/httpconn"
	"liso/shared/static"
)

// A site with static files and a CGI script under /cgi/, as checkpoint 3
// serves it: a router sends /cgi to the CGI handler and every other path
// to the static files.
func Example() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	files, err := static.New("www")
	if err != nil {
		log.Error("www folder", "err", err)
		return
	}
	routes := httpconn.NewMux()
	cgi := &cgihost.Handler{
		Script:     "examples/flaskr/flaskr.cgi",
		Site:       routes, // where a local redirect out of /cgi is served
		Timeout:    30 * time.Second,
		MaxScripts: 64,
		Log:        log,
	}
	if err := cgi.Check(); err != nil {
		log.Warn("CGI requests will fail", "err", err) // and be answered 500
	}
	routes.Handle("/cgi/", cgi)
	routes.Handle("/", files)
	web := &httpconn.Server{Handler: routes, Log: log}
	_ = web // then: server.Run(ctx, web, log, grace, listeners...)
}
