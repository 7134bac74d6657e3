package cgihost

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// exitGrace is how long a script that has closed its stdout (its answer is
// complete) may take to exit by itself before its process group is killed.
const exitGrace = time.Second

// stderrGrace bounds the wait for the rest of stderr once the script's
// group is dead: only a process that left the group can still hold it.
const stderrGrace = 100 * time.Millisecond

// run is one execution of the script, from its start to its reaping.
//
// The script runs in a process group of its own (Setpgid), whose id is
// its pid, so that killing the group (kill(-pid)) also kills whatever the
// script started. A pid is free for reuse once its process is reaped, so
// the group is only ever killed before the script is reaped: mu and reaped
// guarantee that a late kill (the timer, a client that went away) cannot
// hit an unrelated process group that was given the same number.
type run struct {
	h     *Handler
	cmd   *exec.Cmd
	pid   int // the script's pid, and its process group's id
	start time.Time

	stdout *os.File // read end of the script's stdout; the relay reads it
	stderr *os.File // read end of its stderr; logStderr reads it

	// answerMu makes the relay's last write and its record of a complete
	// answer one step for the client watch, which takes it to decide
	// whether a client that left was owed more (see send). The writer
	// itself needs no lock: its body may be read (by the feeder) while the
	// relay writes the answer.
	answerMu sync.Mutex

	exited     chan struct{} // closed once the script has exited (still unreaped) and its group was killed
	stderrDone chan struct{} // closed when stderr has been logged to its end
	clientDone chan struct{} // closed when the feeder goroutine has returned
	finished   chan struct{} // closed once the script is reaped; ends the feeder's watch
	timer      *time.Timer   // the Timeout

	mu     sync.Mutex
	reaped bool // guarded by mu: the pid, and so the group id, may now be reused

	timedOut atomic.Bool  // the timer fired
	client   atomic.Int32 // a clientState: whether the client may leave without killing the script
	lingered bool         // the script outlived exitGrace after closing stdout
}

// clientState is where the client stands in a run. It starts at answering
// and moves once, to answered or to left, and never back: whichever comes
// first decides whether a client going away is a failure.
type clientState int32

const (
	answering clientState = iota // the client is still owed part of the answer
	answered                     // the whole answer is written: the client may leave, the script runs on
	left                         // the client left (or its body failed) first: the script is killed
)

// markAnswered records that the whole answer has been handed to the
// client's connection, and reports whether that came first. The relay
// calls it while it still holds answerMu after its last write, so a watch
// that sees the client leave (and takes answerMu first, see serveClient)
// cannot decide in the middle of that write.
func (rn *run) markAnswered() bool {
	return rn.client.CompareAndSwap(int32(answering), int32(answered)) ||
		clientState(rn.client.Load()) == answered
}

// markLeft records that the client went away, and reports whether it did
// so before its whole answer was written: then the script must be killed.
func (rn *run) markLeft() bool {
	return rn.client.CompareAndSwap(int32(answering), int32(left)) ||
		clientState(rn.client.Load()) == left
}

// clientLeft reports whether the client left before its whole answer.
func (rn *run) clientLeft() bool { return clientState(rn.client.Load()) == left }

// start starts the script with env, and stdin as its standard input (nil
// for none), and the goroutines that watch it. The caller must call end.
func (h *Handler) start(env []string, stdin *os.File) (*run, error) {
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("cgihost: stdout pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("cgihost: stderr pipe: %w", err)
	}

	// The script itself, no shell: execve(2) reads its "#!" line. Its
	// folder is its working directory, as RFC 3875 9.6 suggests, so that
	// it finds the files beside it.
	cmd := exec.Command(h.script)
	cmd.Env = env
	cmd.Dir = filepath.Dir(h.script)
	if stdin != nil {
		cmd.Stdin = stdin // an *os.File is handed to the child as is
	}
	cmd.Stdout = outW
	cmd.Stderr = errW
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	// The child has its own copies of its ends of the pipes; ours must be
	// closed, or the pipes would never report EOF.
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		if errors.Is(err, fs.ErrNotExist) {
			if why := interpreterProblem(h.script); why != "" {
				return nil, fmt.Errorf("cgihost: starting %s: %w (%s)", h.script, err, why)
			}
		}
		return nil, fmt.Errorf("cgihost: starting %s: %w", h.script, err)
	}

	rn := &run{
		h:          h,
		cmd:        cmd,
		pid:        cmd.Process.Pid,
		start:      time.Now(),
		stdout:     outR,
		stderr:     errR,
		exited:     make(chan struct{}),
		stderrDone: make(chan struct{}),
		clientDone: make(chan struct{}),
		finished:   make(chan struct{}),
	}
	go rn.waitExit()
	go rn.logStderr()
	rn.timer = time.AfterFunc(h.Timeout, func() {
		rn.timedOut.Store(true)
		rn.abort()
	})
	return rn, nil
}

// waitExit waits for the script to exit and then kills its group: a
// script's helpers do not outlive it, and a helper that kept stdout open
// would otherwise hold the answer until the timeout.
func (rn *run) waitExit() {
	defer close(rn.exited)
	if err := waitExited(rn.pid); err != nil {
		// Without waitid the group is killed by end, after exitGrace.
		rn.h.Log.Warn("cgi: waiting for the script", "pid", rn.pid, "err", err)
		return
	}
	rn.killGroup()
}

// killGroup sends SIGKILL to the script's process group, unless the script
// has been reaped (then the group id may belong to someone else).
func (rn *run) killGroup() {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if !rn.reaped {
		syscall.Kill(-rn.pid, syscall.SIGKILL)
	}
}

// abort ends the run early: the group is killed, and the relay's read of
// stdout returns at once, even if a process outside the group still holds
// the pipe.
func (rn *run) abort() {
	rn.killGroup()
	rn.stdout.SetReadDeadline(time.Now())
}

// end kills what is left of the script's group, reaps the script, and
// waits for the goroutines of the run. After a complete answer the script
// gets exitGrace to exit by itself; after a failure it is killed at once.
func (rn *run) end(failed bool) {
	rn.timer.Stop()
	if failed {
		rn.abort()
	} else {
		grace := time.NewTimer(exitGrace)
		select {
		case <-rn.exited:
		case <-grace.C:
			rn.lingered = true
		}
		grace.Stop()
	}
	rn.killGroup() // the script is not reaped yet: its group id is still its own
	<-rn.exited
	rn.mu.Lock()
	rn.reaped = true
	rn.mu.Unlock()
	waitErr := rn.cmd.Wait()

	close(rn.finished)
	<-rn.clientDone
	rn.stderr.SetReadDeadline(time.Now().Add(stderrGrace))
	<-rn.stderrDone
	rn.stdout.Close()
	rn.stderr.Close()
	rn.logEnd(failed, waitErr)
}

// logEnd records how the run ended: at Debug level when all went well, at
// Info level when the script failed or had to be killed.
func (rn *run) logEnd(failed bool, waitErr error) {
	level := slog.LevelDebug
	reason := "done"
	switch {
	case rn.timedOut.Load():
		level, reason = slog.LevelInfo, "timeout"
	case rn.clientLeft():
		level, reason = slog.LevelInfo, "client gone"
	case failed:
		level, reason = slog.LevelInfo, "failed"
	case rn.lingered:
		level, reason = slog.LevelInfo, "killed: still running after closing stdout"
	case waitErr != nil:
		level = slog.LevelInfo
	}
	rn.h.Log.Log(context.Background(), level, "cgi script ended", "script", rn.h.script, "pid", rn.pid,
		"reason", reason, "status", rn.cmd.ProcessState.String(),
		"duration", time.Since(rn.start).Round(time.Millisecond))
}

// pPID is P_PID, waitid's "which" for one process id.
const pPID = 1

// waitExited blocks until process pid has exited, without reaping it: it
// stays a zombie, so its pid (and the id of its process group) cannot be
// given to another process until cmd.Wait reaps it. This is waitid(2) with
// WNOWAIT, as the os package itself uses; Linux allows a nil siginfo.
func waitExited(pid int) error {
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid), 0,
			syscall.WEXITED|syscall.WNOWAIT, 0, 0)
		switch errno {
		case 0:
			return nil
		case syscall.EINTR:
			continue
		default:
			return errno
		}
	}
}
