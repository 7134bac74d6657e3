// Package cgihost runs CGI scripts for lisod, as specified in RFC 3875 (the
// Common Gateway Interface, version 1.1). Introduced in checkpoint 3.
//
// A Handler owns a URL prefix, "/cgi" by default: a router (httpconn.Mux,
// wired in checkpoint 3's main) sends it the requests whose path is the
// prefix or lies under it, and it runs the one CGI script the server was
// given for each. For each CGI request the handler:
//
//  1. builds the script's environment from the request (env.go): the
//     RFC 3875 meta-variables, HTTP_* for the request's header fields, and
//     PATH; nothing else of the server's own environment;
//  2. starts the script directly, without a shell, in its own folder and
//     its own process group (run.go);
//  3. streams the request body to the script's stdin, and logs its stderr
//     line by line (body.go, stderr.go);
//  4. reads the script's header block from its stdout, turns it into an
//     HTTP/1.1 response, and streams the rest of stdout as the body
//     (header.go, serve.go); a script that prints its own "HTTP/1.1 200
//     OK" status line is forwarded as it is (the course's own scripts);
//  5. kills the script's whole process group and reaps the script, always:
//     at the end, on the timeout, and when the client goes away before its
//     answer is complete. A client that leaves once it has the whole
//     answer (its Content-Length, its head alone, or everything up to the
//     end of the script's stdout) lets the script run to its own end,
//     within the timeout.
//
// Where the course's C server multiplexed the script's pipes with select(),
// each pipe here has a goroutine (the runtime's poller does the select): the
// handler's goroutine reads stdout, one goroutine feeds stdin and then
// watches the client, one reads stderr, and one waits for the script to
// exit.
//
// Package names avoid the standard library's: net/http/cgi is what the
// tests compare this package against, not what it is built on.
package cgihost
