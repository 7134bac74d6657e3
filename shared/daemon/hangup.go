package daemon

import (
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"liso/shared/logfile"
	"liso/shared/tlsconfig"
)

// ReloadOnHangup handles SIGHUP until stop is called, as a daemon should
// (the course's daemonize.c catches it, and systemctl reload sends it):
// each SIGHUP reopens logFile by name, so that after a log rotation (the
// old file renamed away) new lines go to a new file, and reloads cert from
// its files, so that new connections get a renewed certificate. Each
// outcome is logged to log; what cannot be reloaded stays as it was.
//
// Without a handler, SIGHUP would kill lisod: that is its default action.
// After stop returns it is again, and no reload is running.
func ReloadOnHangup(log *slog.Logger, logFile *logfile.File, cert *tlsconfig.Certificate) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-hup:
				reload(log, logFile, cert)
			case <-quit:
				return
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		close(quit)
		<-done
	}
}

// reload is what one SIGHUP does. The log comes first, so that the lines
// about the certificate go to the new file.
func reload(log *slog.Logger, logFile *logfile.File, cert *tlsconfig.Certificate) {
	if err := logFile.Reopen(); err != nil {
		log.Error("SIGHUP: reopening the log failed; still writing to the old file", "err", err)
	}
	if err := cert.Reload(); err != nil {
		log.Error("SIGHUP: certificate not reloaded; the old one stays in use", "err", err)
		return
	}
	log.Info("SIGHUP: certificate reloaded", "subject", cert.Leaf().Subject.String(), "expires", cert.Leaf().NotAfter)
}
