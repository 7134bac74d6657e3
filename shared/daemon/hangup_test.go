package daemon

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"liso/shared/certs"
	"liso/shared/logfile"
	"liso/shared/tlsconfig"
)

// served is what a lisod being reloaded has open: its log file, and a
// certificate loaded from keyFile and certFile, issued by ca.
type served struct {
	dir, logPath, keyFile, certFile string
	ca                              *certs.CA
	logFile                         *logfile.File
	cert                            *tlsconfig.Certificate
}

func newServed(t *testing.T) *served {
	t.Helper()
	dir := t.TempDir()
	s := &served{dir: dir, logPath: filepath.Join(dir, "log", "lisod.log"),
		keyFile: filepath.Join(dir, "server.key"), certFile: filepath.Join(dir, "server.crt")}
	var err error
	if s.ca, err = certs.CreateCA(filepath.Join(dir, "ca"), certs.CAOptions{}); err != nil {
		t.Fatal(err)
	}
	s.issue(t)
	if s.cert, err = tlsconfig.Load(s.certFile, s.keyFile); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Dir(s.logPath), 0o700)
	if s.logFile, err = logfile.Open(s.logPath, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.logFile.Close() })
	return s
}

// issue writes a new pair over the files, as certgen issue --force does.
func (s *served) issue(t *testing.T) {
	t.Helper()
	pair, err := s.ca.Issue(certs.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if err := pair.Write(s.keyFile, s.certFile, true); err != nil {
		t.Fatal(err)
	}
}

type reloadTest struct {
	name    string
	prepare func(t *testing.T, s *served) // what happened before the SIGHUP
	want    []string                      // the messages logged
	newCert bool                          // the certificate in use changed
	logFile bool                          // a log file is at the log's path (again)
}

var reloadTests = []reloadTest{
	{
		name: "rotated log and renewed certificate",
		prepare: func(t *testing.T, s *served) {
			os.Rename(s.logPath, s.logPath+".1")
			s.issue(t)
		},
		want:    []string{"SIGHUP: certificate reloaded"},
		newCert: true, logFile: true, // the file renamed away was replaced
	},
	{
		name:    "broken certificate",
		prepare: func(t *testing.T, s *served) { os.WriteFile(s.certFile, []byte("broken"), 0o644) },
		want:    []string{"SIGHUP: certificate not reloaded; the old one stays in use"},
		logFile: true,
	},
	{
		name: "log folder gone",
		prepare: func(t *testing.T, s *served) {
			os.RemoveAll(filepath.Dir(s.logPath))
			s.issue(t)
		},
		want:    []string{"SIGHUP: reopening the log failed; still writing to the old file", "SIGHUP: certificate reloaded"},
		newCert: true,
	},
}

func TestReload(t *testing.T) {
	for _, tt := range reloadTests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServed(t)
			before := s.cert.Leaf().SerialNumber
			tt.prepare(t, s)
			var out bytes.Buffer
			reload(slog.New(slog.NewJSONHandler(&out, nil)), s.logFile, s.cert)

			if diff := cmp.Diff(tt.want, messages(t, &out)); diff != "" {
				t.Errorf("logged (-want +got):\n%s", diff)
			}
			if changed := s.cert.Leaf().SerialNumber.Cmp(before) != 0; changed != tt.newCert {
				t.Errorf("certificate changed: %v; want %v", changed, tt.newCert)
			}
			_, err := os.Stat(s.logPath)
			if there := err == nil; there != tt.logFile {
				t.Errorf("a log file at %s: %v (%v); want %v", s.logPath, there, err, tt.logFile)
			}
		})
	}
}

// messages returns the msg of each JSON log record in r.
func messages(t *testing.T, r io.Reader) []string {
	t.Helper()
	var msgs []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var rec struct{ Msg string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		msgs = append(msgs, rec.Msg)
	}
	return msgs
}

// TestReloadOnHangup sends this process a real SIGHUP: it is caught (the
// test goes on) and reloads, until stop.
func TestReloadOnHangup(t *testing.T) {
	s := newServed(t)
	r, w := io.Pipe()
	defer r.Close()
	stop := ReloadOnHangup(slog.New(slog.NewJSONHandler(w, nil)), s.logFile, s.cert)
	defer stop()

	s.issue(t)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(r).ReadBytes('\n') // the reload's one line
	if err != nil {
		t.Fatal(err)
	}
	var rec struct{ Msg, Subject string }
	if err := json.Unmarshal(line, &rec); err != nil || rec.Msg != "SIGHUP: certificate reloaded" || rec.Subject == "" {
		t.Errorf("after SIGHUP the log says %s (%v); want the certificate reloaded, with its subject", line, err)
	}
}
