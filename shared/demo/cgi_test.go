package demo

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

type cgiScriptTest struct {
	name    string
	env     []string // besides PATH
	body    string
	want    []string // in the output
	notWant []string
}

var cgiScriptTests = []cgiScriptTest{
	{
		name: "GET",
		env:  []string{"REQUEST_METHOD=GET", "SCRIPT_NAME=/cgi", "PATH_INFO=/x", "QUERY_STRING=a=1"},
		want: []string{
			"Content-Type: text/html; charset=utf-8\r\n\r\n<!DOCTYPE html>",
			`<meta charset="utf-8">`,
			"None: this was a GET request.",
			"QUERY_STRING=a=1\nREQUEST_METHOD=GET\nSCRIPT_NAME=/cgi\n", // sorted
			`action="/cgi/x"`,
		},
	},
	{
		name: "POST: the body is shown, escaped",
		env: []string{"REQUEST_METHOD=POST", "SCRIPT_NAME=/cgi", "PATH_INFO=/\"><script>",
			"CONTENT_TYPE=application/x-www-form-urlencoded", "CONTENT_LENGTH=23"},
		body: "message=<b>hi</b>&x=1\"ztail beyond the length",
		want: []string{
			"<pre>message=&lt;b&gt;hi&lt;/b&gt;&amp;x=1&quot;z</pre>",
			`action="/cgi/&quot;&gt;&lt;script&gt;"`,
			"CONTENT_LENGTH=23",
		},
		notWant: []string{"<b>hi", "tail beyond", "<script>"},
	},
}

func TestCGIScript(t *testing.T) {
	path, err := WriteCGIScript()
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(filepath.Dir(path))
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o755 {
		t.Fatalf("WriteCGIScript() wrote %v, %v; want an executable file (0755)", info, err)
	}
	for _, tt := range cgiScriptTests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(path)
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, tt.env...)
			cmd.Stdin = strings.NewReader(tt.body)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil || stderr.Len() > 0 {
				t.Fatalf("running the script: %v; stderr: %s", err, stderr.String())
			}
			for _, w := range tt.want {
				if !bytes.Contains(out, []byte(w)) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, nw := range tt.notWant {
				if bytes.Contains(out, []byte(nw)) {
					t.Errorf("output holds %q:\n%s", nw, out)
				}
			}
		})
	}
}

// The embedded script is the file in the repository, byte for byte.
func TestCGIScriptIsEmbedded(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("cgi", CGIScriptName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(src, cgiScript) || len(src) == 0 {
		t.Errorf("embedded script (%d bytes) differs from cgi/%s (%d bytes)", len(cgiScript), CGIScriptName, len(src))
	}
}
