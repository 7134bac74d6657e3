package cgihost

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"testing"

	"liso/shared/httpmsg"
)

type bodyStatusTest struct {
	err  error
	want int
}

var bodyStatusTests = []bodyStatusTest{
	{&httpmsg.StatusError{Code: 413, Reason: "body too large"}, 413},
	{fmt.Errorf("httpmsg: reading body: %w", &httpmsg.StatusError{Code: 400, Reason: "bad chunk"}), 400},
	{fmt.Errorf("read: %w", os.ErrDeadlineExceeded), 408},
	{&fs.PathError{Op: "write", Path: "/tmp/x", Err: errors.New("no space left on device")}, 500},
	{io.ErrUnexpectedEOF, 400},
}

func TestBodyStatus(t *testing.T) {
	for _, tt := range bodyStatusTests {
		if got := bodyStatus(tt.err); got != tt.want {
			t.Errorf("bodyStatus(%v) = %d; want %d", tt.err, got, tt.want)
		}
	}
}
