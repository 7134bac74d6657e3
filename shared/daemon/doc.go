// Package daemon runs lisod in the background as a Unix daemon, doing the
// steps of the course's daemonize.c (and of daemon(7)) the way a Go program
// can. Introduced in checkpoint 3.
//
// A C daemon calls fork(), and the parent exits. A Go program must not: it
// runs several threads from its first instruction (the garbage collector,
// the scheduler, the network poller), and fork copies only the thread that
// called it, so the child would hold locks that no thread is left to
// release. Go offers fork only together with exec, which is safe because the
// child replaces itself with a new program at once. So lisod starts itself
// again, detached, and hands its child what it has prepared:
//
//	launching lisod                        daemon (same binary, same arguments)
//	Lock(path)         "already running"?
//	open the listeners "port in use"?
//	Detach ----- exec, setsid, /dev/null --> IsChild() is true
//	  waits on a pipe                        Resume(): umask 027, pid into lock file,
//	                                                   listeners back
//	                                         open the log, load certificates...
//	  <------------------- "ok" ----------  Ready()  (or Fail(err): the reason)
//	exits 0 (or prints the reason, exits 1)  serves until SIGTERM
//
// Everything that can fail is tried where its error reaches the terminal:
// the lock and the ports in the launcher, the rest in the daemon, which
// reports it back before the launcher exits. The lock is held the whole
// time: flock(2) locks belong to the open file, which the daemon inherits.
//
// In the foreground (lisod --foreground, for systemd's Type=exec and for
// debugging) lisod, when given a lock file, takes the lock with Lock and
// writes its own pid with LockFile.WritePID; then it serves. It neither
// re-executes nor changes its umask (systemd's UMask= does that). Process
// is what the daemon and a foreground lisod share: Begin, Listen, Ready
// and End do the right steps for each, so that checkpoint 3 serves with
// one piece of code. A daemon always logs to a file and holds a lock:
// Files names the defaults when it was given none.
//
// SIGTERM is the caller's: it should stop the server gracefully
// (signal.NotifyContext). ReloadOnHangup handles SIGHUP: it reopens the
// log and reloads the certificate. A Go program that does not catch SIGHUP
// dies of it.
package daemon
