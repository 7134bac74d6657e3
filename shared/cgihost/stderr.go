package cgihost

import (
	"bufio"
	"bytes"
)

// maxStderrLine bounds one logged line of a script's stderr; the rest of a
// longer line is dropped, so a script cannot make the server hold (or the
// log receive) an unbounded line.
const maxStderrLine = 2048

// logStderr logs the script's stderr, line by line, until its end (RFC 3875
// 9.4 leaves stderr to the server; lisod's error log is where it goes).
func (rn *run) logStderr() {
	defer close(rn.stderrDone)
	br := bufio.NewReaderSize(rn.stderr, maxStderrLine)
	for {
		line, err := br.ReadSlice('\n')
		truncated := err == bufio.ErrBufferFull
		if len(line) > 0 {
			text := string(bytes.TrimRight(line, "\r\n"))
			if truncated {
				rn.h.Log.Warn("cgi stderr", "pid", rn.pid, "line", text, "truncated", true)
			} else {
				rn.h.Log.Warn("cgi stderr", "pid", rn.pid, "line", text)
			}
		}
		for err == bufio.ErrBufferFull { // drop the rest of a long line
			_, err = br.ReadSlice('\n')
		}
		if err != nil {
			return // EOF, or the deadline end set once the group is dead
		}
	}
}
