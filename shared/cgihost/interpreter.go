package cgihost

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

// interpreterProblem says why a script that exists could not be started
// with "no such file or directory", which the kernel reports when what is
// missing is the interpreter its "#!" line names, not the script: that
// line ends in a carriage return (Windows line ends: the interpreter is
// then "/bin/sh\r"), or the interpreter is not installed. It returns ""
// when it finds neither, and never fails: it only explains.
func interpreterProblem(script string) string {
	f, err := os.Open(script)
	if err != nil {
		return ""
	}
	defer f.Close()
	var head [256]byte // the kernel reads at most this much of a "#!" line
	n, _ := f.Read(head[:])
	line, _, _ := bytes.Cut(head[:n], []byte("\n"))
	rest, ok := bytes.CutPrefix(line, []byte("#!"))
	if !ok {
		return ""
	}
	// The kernel's split: the interpreter, then at most one argument.
	interpreter, _, _ := strings.Cut(strings.TrimLeft(string(rest), " \t"), " ")
	interpreter, _, _ = strings.Cut(interpreter, "\t")
	switch {
	case bytes.HasSuffix(line, []byte("\r")):
		return fmt.Sprintf("its #! line ends in a carriage return (Windows line ends), so the interpreter it names is %q; "+
			"give it Unix line ends (sed -i 's/\\r$//' %s)", interpreter, script)
	case interpreter == "":
		return "its #! line names no interpreter"
	}
	if _, err := os.Stat(interpreter); err != nil {
		return fmt.Sprintf("the interpreter its #! line names, %s, does not exist", interpreter)
	}
	return ""
}
