package main

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine describes where and with what the numbers were taken.
type machine struct {
	date     time.Time
	cpu      string // model name
	cores    int
	memory   int64 // bytes
	kernel   string
	goVer    string
	nginx    string
	lighttpd string
	wrk      string
	openssl  string
	lisod    string // which lisod: commit, or the -lisod binary
}

// machineInfo collects the machine and versions for the report.
func machineInfo(ctx context.Context, b *bench) machine {
	m := machine{date: time.Now(), cores: runtime.NumCPU(), cpu: "unknown CPU", kernel: "unknown"}
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.cpu, m.cores = parseCPUInfo(string(info))
	}
	if info, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.memory = parseMemTotal(string(info))
	}
	if rel, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(rel))
	}
	m.goVer = firstLine(commandOutput(ctx, "", "go", "env", "GOVERSION"), "go: unknown")
	if bin, err := findNginx(b); err == nil {
		m.nginx = strings.TrimPrefix(firstLine(commandOutput(ctx, "", bin, "-v"), "nginx: unknown"), "nginx version: ")
	} else {
		m.nginx = "nginx: not installed"
	}
	// "lighttpd/1.4.69 (ssl) - a light and fast webserver"
	if bin, err := findLighttpd(b); err == nil {
		m.lighttpd = strings.Fields(firstLine(commandOutput(ctx, "", bin, "-v"), "lighttpd: unknown"))[0]
	} else {
		m.lighttpd = "lighttpd: not installed"
	}
	// "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer"
	// wrk -v prints its version with its usage, and exits 1.
	out, _ := exec.CommandContext(ctx, "wrk", "-v").CombinedOutput()
	wrk := strings.Fields(firstLine(string(out), "wrk unknown"))
	m.wrk = strings.Join(wrk[:min(2, len(wrk))], " ")
	m.openssl = firstLine(commandOutput(ctx, "", "openssl", "version"), "OpenSSL: unknown")
	if f := strings.Fields(m.openssl); len(f) >= 2 {
		m.openssl = f[0] + " " + f[1] // "OpenSSL 3.0.17 1 Jul 2025 (Library: ...)"
	}
	m.lisod = lisodVersion(ctx, b)
	return m
}

// lisodVersion says which lisod is measured: the commit of the checkout,
// and whether the code differs from it.
func lisodVersion(ctx context.Context, b *bench) string {
	if b.cfg.lisod != "" {
		return "the prebuilt binary " + b.cfg.lisod
	}
	commit := firstLine(commandOutput(ctx, b.root, "git", "rev-parse", "--short", "HEAD"), "")
	if commit == "" {
		return "built from ./checkpoint3 (not a git checkout)"
	}
	s := "built from ./checkpoint3 at commit " + commit
	if changed := commandOutput(ctx, b.root, "git", "status", "--porcelain", "--", "checkpoint3", "shared"); strings.TrimSpace(changed) != "" {
		s += ", with uncommitted changes in checkpoint3/ or shared/"
	}
	return s
}

// commandOutput runs a command and returns its combined output, or ""
// if it failed.
func commandOutput(ctx context.Context, dir, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return ""
	}
	return string(out)
}

// firstLine returns the first line of s, or def if s is blank.
func firstLine(s, def string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if line = strings.TrimSpace(line); line == "" {
		return def
	}
	return line
}

// parseCPUInfo returns the first CPU model name and the number of
// processors in /proc/cpuinfo (what nproc counts on an unrestricted
// process).
func parseCPUInfo(info string) (model string, n int) {
	model = "unknown CPU"
	for _, line := range strings.Split(info, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "processor":
			n++
		case "model name":
			if n == 1 {
				model = strings.TrimSpace(val)
			}
		}
	}
	return model, n
}

// parseMemTotal returns MemTotal from /proc/meminfo, in bytes.
func parseMemTotal(info string) int64 {
	for _, line := range strings.Split(info, "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
