package cgihost_test

import (
	"log/slog"
	"os"
	"time"

	"liso/shared/cgihost"
	"liso/shared/httpconn"
	"liso/shared/server"
	"liso/shared/static"
)

// A site with static files and a CGI script under /cgi/, as checkpoint 3
// serves it: the CGI handler owns /cgi and hands every other path to the
// static files.
func Example() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	files, err := static.New("www")
	if err != nil {
		log.Error("www folder", "err", err)
		return
	}
	site := &cgihost.Handler{
		Script:     "examples/flaskr/flaskr.cgi",
		Other:      files,
		Timeout:    30 * time.Second,
		MaxScripts: 64,
		Log:        log,
	}
	if err := site.Check(); err != nil {
		log.Warn("CGI requests will fail", "err", err) // and be answered 500
	}
	web := &httpconn.Server{Handler: site, Log: log}
	srv := &server.Server{Handler: web, Refuse: web.Refuse, Log: log}
	_ = srv // then: server.Run(ctx, srv, grace, listeners...)
}
