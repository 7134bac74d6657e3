package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

// nginxConf is the peer configuration the issue asks for: one worker,
// sendfile on, an access log like lisod's, keep-alive without a request
// cap (wrk's runs would otherwise be cut every 1,000 requests), the same
// key pair and TLS versions as lisod. Everything nginx writes stays in its
// temporary folder, so it also runs as a user other than root.
//
// TLS 1.3 suite: wrk (OpenSSL) lists TLS_AES_256_GCM_SHA384 first and nginx
// follows the client by default, while Go servers pick
// TLS_AES_128_GCM_SHA256; nginx is told to prefer that suite too, so that
// all servers encrypt alike.
var nginxConf = template.Must(template.New("nginx.conf").Parse(`# Written by tools/lisobench for one benchmark run.
{{if .Root}}user root;
{{end}}worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/error.log warn;

events {
    worker_connections 19000;
}

http {
    types {
        text/html html;
        text/plain txt;
        application/octet-stream bin;
    }
    default_type application/octet-stream;
    sendfile on;
    access_log {{.AccessLog}};
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_body_temp_path {{.Dir}}/client_body;
    proxy_temp_path {{.Dir}}/proxy;
    fastcgi_temp_path {{.Dir}}/fastcgi;
    uwsgi_temp_path {{.Dir}}/uwsgi;
    scgi_temp_path {{.Dir}}/scgi;

    server {
        listen 127.0.0.1:{{.HTTP}};
        listen 127.0.0.1:{{.HTTPS}} ssl;
        server_name localhost;
        root {{.WWW}};
        ssl_certificate {{.Cert}};
        ssl_certificate_key {{.Key}};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_prefer_server_ciphers on;
        ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256;
    }
}
`))

// writeNginxConf writes the configuration for ports into nginx's folder
// and returns its path.
func (b *bench) writeNginxConf(p ports) (string, error) {
	dir := filepath.Join(b.dir, "nginx")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("writing the nginx configuration: %w", err)
	}
	for _, path := range []string{dir, b.www, b.accessLog("nginx")} {
		// nginx's parser reads a space or semicolon as the end of a value.
		if strings.ContainsAny(path, " ;{}\"'") {
			return "", fmt.Errorf("nginx cannot use the path %q (it holds a space or ;{}\"'); set TMPDIR to a plainer folder", path)
		}
	}
	var sb strings.Builder
	err := nginxConf.Execute(&sb, map[string]any{
		"Root": os.Geteuid() == 0, "Dir": dir, "AccessLog": b.accessLog("nginx"),
		"HTTP": p.http, "HTTPS": p.https, "WWW": b.www, "Cert": b.certFile, "Key": b.keyFile,
	})
	if err != nil {
		return "", fmt.Errorf("writing the nginx configuration: %w", err)
	}
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		return "", fmt.Errorf("writing the nginx configuration: %w", err)
	}
	return path, nil
}
