package daemon

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
)

// daemonSideTest is the daemon's Process, as Begin makes it from Resume,
// from Listen to End: what the launcher reads on the report pipe.
type daemonSideTest struct {
	name    string
	ports   int   // how many Listen asks for; the launcher handed over 2
	ready   bool  // Ready is called
	err     error // what End is given
	wantErr string
	report  string // what the launcher reads
}

var daemonSideTests = []daemonSideTest{
	{name: "serves, then stops", ports: 2, ready: true, report: "ok\n"},
	{name: "serves, then fails", ports: 2, ready: true, err: errors.New("accept: too many open files"), report: "ok\n"},
	{name: "cannot start", ports: 2, err: errors.New("loading the TLS key pair: bad"), report: "loading the TLS key pair: bad\n"},
	{name: "asks for another number of ports", ports: 3, wantErr: "daemon: the launcher handed over 2 listeners; want 3",
		report: "daemon: the launcher handed over 2 listeners; want 3\n"},
}

func TestDaemonSideOfProcess(t *testing.T) {
	handed := []net.Listener{&net.TCPListener{}, &net.TCPListener{}}
	for _, tt := range daemonSideTests {
		t.Run(tt.name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			p := &Process{child: &Child{report: w, listeners: handed}}
			err = func() (err error) {
				defer p.End(&err)
				ls, err := p.Listen("", make([]int, tt.ports)...)
				if err != nil {
					return err
				}
				if len(ls) != 2 || ls[0] != handed[0] || ls[1] != handed[1] {
					t.Errorf("Listen = %v; want the listeners handed over, %v", ls, handed)
				}
				if tt.ready {
					p.Ready()
				}
				return tt.err
			}()
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v; want %q", err, tt.wantErr)
			}
			if got, err := io.ReadAll(r); err != nil || string(got) != tt.report {
				t.Errorf("the launcher read %q, %v; want %q", got, err, tt.report)
			}
		})
	}
}
