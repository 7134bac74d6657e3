#!/bin/sh
# lisod's demo CGI script, run for /cgi/ requests when lisod is given no
# CGI script. It shows what RFC 3875 hands a script: its environment, and
# on its standard input the body of a POST. Plain sh and POSIX tools, so
# it runs wherever lisod does.

# html escapes text for an HTML page.
html() {
	sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'
}

# The body: CONTENT_LENGTH bytes on stdin (RFC 3875 4.2); 64 KiB are shown.
body=
if [ -n "$CONTENT_LENGTH" ] && [ "$CONTENT_LENGTH" -gt 0 ] 2>/dev/null; then
	body=$(head -c "$CONTENT_LENGTH" | head -c 65536 | html)
fi
action=$(printf '%s%s' "$SCRIPT_NAME" "$PATH_INFO" | html)

# The header block, then an empty line, then the page (RFC 3875 6).
printf 'Content-Type: text/html; charset=utf-8\r\n\r\n'
cat <<PAGE
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Liso CGI demo</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 56em; padding: 0 1em; }
pre { background: #f4f4f4; padding: 1em; overflow-x: auto; }
</style></head>
<body>
<h1>Liso CGI demo</h1>
<p>This page was written by a shell script that lisod ran for this request,
as the Common Gateway Interface (RFC 3875) says: the request arrived in its
environment variables and on its standard input, and what it printed is
this answer. Give lisod your own script as its sixth argument.</p>
<h2>Send something</h2>
<form method="post" action="$action">
<p><input name="message" value="hello, CGI"> <button>POST it</button></p>
</form>
<h2>Request body (standard input)</h2>
PAGE
if [ -n "$body" ]; then
	printf '<pre>%s</pre>\n' "$body"
else
	printf '<p>None: this was a %s request.</p>\n' "$(printf '%s' "$REQUEST_METHOD" | html)"
fi
printf '<h2>Environment</h2>\n<pre>'
env | LC_ALL=C sort | html
printf '</pre>\n</body>\n</html>\n'
