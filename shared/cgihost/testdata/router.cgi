#!/bin/sh
# The CGI script of package cgihost's tests. What it does depends on
# PATH_INFO; the tests copy it into a temporary folder (its working
# directory, where /wait finds its FIFO) and make it executable.
case "$PATH_INFO" in
/cat) # the request body is the script's whole output, header block included
	exec cat ;;
/tee) # copies stdin to stdout line by line, saying so on stderr
	printf 'Content-Type: text/plain\n\n'
	while IFS= read -r line; do
		printf 'got %s\n' "$line" >&2
		printf '%s\n' "$line"
	done ;;
/hello) # a small answer of unknown length: chunked, or closed for HTTP/1.0
	printf 'Content-Type: text/plain\n\nhello %s %s\n' "$REQUEST_METHOD" "$QUERY_STRING" ;;
/sized) # an answer with a Content-Length, CRLF line ends
	printf 'Content-Type: text/plain\r\nContent-Length: 6\r\n\r\nsized\n' ;;
/nph) # the course's style: a whole HTTP response, status line included
	printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Script: nph\r\n\r\nnph body\n' ;;
/redirect/local) # a local redirect to another CGI path (RFC 3875 6.2.2)
	printf 'Location: /cgi/hello?from=redirect\n\n' ;;
/redirect/other) # a local redirect out of the CGI prefix
	printf 'Location: /static/page.txt\n\n' ;;
/redirect/loop) # a local redirect to itself
	printf 'Location: /cgi/redirect/loop\n\n' ;;
/silent) # exits without a word
	exit 0 ;;
/fail) # complains on stderr and fails, with no output
	echo "oops: something broke" >&2
	exit 3 ;;
/stderr) # logs two lines, one of them far too long, then answers
	echo "first line" >&2
	printf '%03000d\n' 0 >&2
	printf 'Content-Type: text/plain\n\nlogged\n' ;;
/hang) # never answers
	exec sleep 600 ;;
/hang-after-header) # starts an answer, then never finishes it
	printf 'Content-Type: text/plain\n\npartial\n'
	exec sleep 600 ;;
/grandchild) # leaves a background process holding stdout, and exits
	sleep 600 &
	printf 'Content-Type: text/plain\n\ngrandchild %s\n' "$!" ;;
/linger) # answers, closes stdout and stderr, and stays
	printf 'Content-Type: text/plain\n\nlinger %s\n' "$$"
	exec sleep 600 >&- 2>&- ;;
/wait) # answers in two parts: the second once the test writes to release.fifo
	printf 'Content-Type: text/plain\n\nstarted\n'
	read -r line < release.fifo
	printf 'released %s\n' "$line" ;;
/sized-wait) # a whole answer with a Content-Length; once released with a
	# number, it writes that number to the file "finished" and exits with it
	printf 'Content-Type: text/plain\nContent-Length: 3\n\nok\n'
	read -r line < release.fifo
	printf '%s\n' "$line" > finished
	exit "$line" ;;
/sized-partial) # promises ten bytes, sends eight, and never finishes
	printf 'Content-Type: text/plain\nContent-Length: 10\n\npartial\n'
	exec sleep 600 ;;
/nph-partial) # the course's style, with no end: the answer ends only at exit
	printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npartial\n'
	exec sleep 600 ;;
/big) # a header, then QUERY_STRING zero bytes
	case "$QUERY_STRING" in
	*[!0-9]* | '') exit 1 ;;
	esac
	printf 'Content-Type: application/octet-stream\n\n'
	exec head -c "$QUERY_STRING" /dev/zero ;;
*)
	printf 'Status: 404 Not Found\nContent-Type: text/plain\n\nno role %s\n' "$PATH_INFO" ;;
esac
