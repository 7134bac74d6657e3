package daemon

import (
	"fmt"
	"net"
	"os"

	"liso/shared/server"
)

// Process is lisod as the server that runs: the daemon Detach started, or
// lisod in the foreground (--foreground). Checkpoint 3 serves the same way
// in both; what differs is where the lock and the ports come from, and
// whom to tell whether starting worked. Process holds that difference, so
// that the code that serves is written once:
//
//	            the daemon (IsChild)               the foreground
//	Begin       Resume: the launcher's lock, with  Lock, when given a lock file,
//	            this pid; the report pipe          and this pid into it
//	Listen      the launcher's listeners           Listen: opens the ports
//	Ready       tells the launcher, which exits 0  nothing
//	End(&err)   tells the launcher err, unless     releases the lock
//	            Ready came first; releases the lock
//
// The launcher itself uses no Process: it calls Lock, Listen and Detach.
type Process struct {
	child *Child    // the daemon's side of Detach; nil in the foreground
	lock  *LockFile // held until End; nil in the foreground without a lock file
}

// Begin starts this process's life as a server. In the daemon it is Resume
// (lockPath is not used: the lock is the one the launcher took). In the
// foreground it takes the lock at lockPath, failing with a *RunningError
// when another lisod holds it, and writes this process's pid there, as the
// daemon does; given no lockPath it takes no lock. Call End when done.
func Begin(lockPath string) (*Process, error) {
	if IsChild() {
		c, err := Resume()
		if err != nil {
			return nil, err
		}
		return &Process{child: c, lock: c.Lock()}, nil
	}
	if lockPath == "" {
		return &Process{}, nil
	}
	lock, err := Lock(lockPath)
	if err != nil {
		return nil, err
	}
	if err := lock.WritePID(os.Getpid()); err != nil {
		lock.Close()
		return nil, err
	}
	return &Process{lock: lock}, nil
}

// Listen returns a listener for each of ports on host, in that order. In
// the daemon these are the listeners the launcher opened and handed over
// (host and ports are those the launcher was given, so only their number
// is checked); in the foreground Listen opens them.
func (p *Process) Listen(host string, ports ...int) ([]net.Listener, error) {
	if p.child == nil {
		return Listen(host, ports...)
	}
	ls := p.child.Listeners()
	if len(ls) != len(ports) {
		return nil, fmt.Errorf("daemon: the launcher handed over %d listeners; want %d", len(ls), len(ports))
	}
	return ls, nil
}

// Ready says that lisod serves: the daemon tells its launcher, which then
// exits 0. In the foreground it does nothing. A launcher that is gone
// (killed while it waited) changes nothing: the daemon serves on.
func (p *Process) Ready() {
	if p.child != nil {
		p.child.Ready()
	}
}

// End is Begin's counterpart, deferred by the function whose error result
// err points to: in the daemon, when *err is not nil and Ready was not
// called, it tells the launcher that the daemon cannot start and why
// (Fail). Then it releases the lock.
func (p *Process) End(err *error) {
	if p.child != nil && *err != nil {
		p.child.Fail(*err) // a no-op once Ready was sent
	}
	if p.lock != nil {
		p.lock.Close()
	}
}

// Listen opens a listener for each of ports on host, in that order, with
// server.Listen, whose errors say what to do about a port in use or one
// below 1024. When one fails it closes those it opened. The launcher calls
// it before Detach, and a foreground lisod through Process.Listen: the
// ports are opened where an error reaches the terminal.
func Listen(host string, ports ...int) ([]net.Listener, error) {
	var ls []net.Listener
	for _, port := range ports {
		l, err := server.Listen(host, port)
		if err != nil {
			for _, l := range ls {
				l.Close()
			}
			return nil, err
		}
		ls = append(ls, l)
	}
	return ls, nil
}
