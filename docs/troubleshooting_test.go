package docs_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// lowPortCommand is the command troubleshooting.md shows failing for a
// port below 1024, as the first line of a block ("$ ./lisod 80 443"),
// with lisod's answer on the lines after it.
const lowPortCommand = "$ ./lisod 80 443"

// nobody is the user the test runs that command as when it runs as root,
// whom the kernel lets bind any port (Debian's nobody and nogroup).
const nobody = 65534

// TestTroubleshootingLowPort checks troubleshooting.md's entry for a port
// below 1024 against what lisod prints. The page's commands run as the
// test does, and in CI that is root, who may bind port 80; so this
// command is run here instead, as an unprivileged user.
func TestTroubleshootingLowPort(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not building lisod")
	}
	want := lowPortBlock(t)
	if start, ok := unprivilegedPortStart(); ok && start <= 80 {
		t.Skipf("this machine lets anyone bind port 80 (net.ipv4.ip_unprivileged_port_start = %d): lisod would start", start)
	}

	// A folder the unprivileged user may enter, outside t.TempDir's
	// private one, for the program and the files lisod would create.
	dir, err := os.MkdirTemp("", "liso-lowport-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	lisod := filepath.Join(dir, "lisod")
	build := exec.Command("go", "build", "-o", lisod, "./checkpoint3")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, lisod, "80", "443")
	cmd.Dir = dir
	// A daemon's launcher takes its lock file first: keep it in dir.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LC_ALL=C",
		"XDG_RUNTIME_DIR=" + dir, "XDG_STATE_HOME=" + dir, "LISO_HOME=" + filepath.Join(dir, "liso")}
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s did not exit within %v: it may have started; output:\n%s", lowPortCommand, startTimeout, out)
	}
	if err == nil {
		t.Fatalf("%s exited 0; want the refusal the page shows; output:\n%s", lowPortCommand, out)
	}
	if !matchOutput(want, string(out)) {
		t.Errorf("troubleshooting.md's answer to %q differs from lisod's.\n--- the page says:\n%s\n--- lisod printed:\n%s",
			lowPortCommand, indent(want), indent(string(out)))
	}
}

// lowPortBlock returns the lines after lowPortCommand in the block of
// troubleshooting.md that starts with it.
func lowPortBlock(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("troubleshooting.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "```\n"+lowPortCommand+"\n")
	if !ok {
		t.Fatalf("troubleshooting.md has no block starting with %q", lowPortCommand)
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("troubleshooting.md: the block of %q is never closed", lowPortCommand)
	}
	return block
}

// unprivilegedPortStart reads the first port that any user may bind.
func unprivilegedPortStart() (int, bool) {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start")
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	return n, err == nil
}
