package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"
)

// lighttpdConf is the CGI peer's configuration: lighttpd's own mod_cgi,
// the classic way a small server runs CGI, in one process (lighttpd's
// default, server.max-worker 0) with an access log in the Combined Log
// Format like the others. /cgi/ is an alias of the very script lisod and
// net/http run, with a slash after it, so that lighttpd finds the script
// and passes the rest of the path as PATH_INFO; cgi.assign "" runs it
// directly, by its #! line. Only -f's file is read, never the system's
// /etc/lighttpd, and everything lighttpd writes stays in its temporary
// folder.
//
// mod_cgi only serves /cgi/: lighttpd is measured in the CGI row alone.
// The alias and cgi.assign sit in one condition: with the alias outside
// it, lighttpd 1.4.69 sends the script's text instead of running it.
var lighttpdConf = template.Must(template.New("lighttpd.conf").Parse(`# Written by tools/lisobench for one benchmark run.
server.modules = ("mod_alias", "mod_cgi", "mod_accesslog")
server.document-root = "{{.WWW}}"
server.bind = "127.0.0.1"
server.port = {{.HTTP}}
server.errorlog = "{{.Dir}}/error.log"
server.upload-dirs = ("{{.Dir}}")
server.max-worker = 0
server.max-keep-alive-requests = 1000000
server.max-keep-alive-idle = 60
accesslog.filename = "{{.AccessLog}}"
accesslog.format = "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\""
mimetype.assign = (".html" => "text/html", ".txt" => "text/plain", ".bin" => "application/octet-stream")

$HTTP["url"] =^ "/cgi/" {
    alias.url = ("/cgi/" => "{{.Script}}/")
    cgi.assign = ("" => "")
}
`))

// findLighttpd finds the lighttpd binary, also where a non-root PATH
// misses it.
func findLighttpd(*bench) (string, error) {
	if p, err := exec.LookPath("lighttpd"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/lighttpd"); err == nil {
		return "/usr/sbin/lighttpd", nil
	}
	return "", errors.New("lighttpd is not installed (Debian package lighttpd)")
}

// writeLighttpdConf writes the configuration for ports into lighttpd's
// folder and returns its path.
func (b *bench) writeLighttpdConf(p ports) (string, error) {
	dir := filepath.Join(b.dir, "lighttpd")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("writing the lighttpd configuration: %w", err)
	}
	for _, path := range []string{dir, b.www, b.cgiScript, b.accessLog("lighttpd")} {
		// A quote or backslash would end or escape a string of the
		// configuration.
		if strings.ContainsAny(path, "\"\\") {
			return "", fmt.Errorf("lighttpd cannot use the path %q (it holds a quote or backslash); set TMPDIR to a plainer folder", path)
		}
	}
	var sb strings.Builder
	err := lighttpdConf.Execute(&sb, map[string]any{
		"Dir": dir, "AccessLog": b.accessLog("lighttpd"), "HTTP": p.http, "WWW": b.www, "Script": b.cgiScript,
	})
	if err != nil {
		return "", fmt.Errorf("writing the lighttpd configuration: %w", err)
	}
	path := filepath.Join(dir, "lighttpd.conf")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		return "", fmt.Errorf("writing the lighttpd configuration: %w", err)
	}
	return path, nil
}
