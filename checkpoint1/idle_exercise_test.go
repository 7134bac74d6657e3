//go:build exercises

package main

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"
)

// Exercise 1: an idle timeout. lisod --idle-timeout 300ms closes a
// connection on which the client has sent nothing for 300 ms; a client that
// keeps talking is never cut off. See docs/checkpoint1.md, "Exercises".
func TestExercise1IdleTimeout(t *testing.T) {
	const ex = "exercise 1 (idle timeout)"
	const idle = 300 * time.Millisecond
	_, addr := exStart(t, ex, "--bind", "127.0.0.1", "--idle-timeout", idle.String(), "0")

	// A client that sends every 100 ms, for twice the timeout, stays.
	busy := exDial(t, addr)
	for range 6 {
		exEcho(t, ex, busy, []byte("still here\n"))
		time.Sleep(idle / 3) // the client's pace is what is tested, not a wait for the server
	}
	exEcho(t, ex, busy, []byte("and still served\n"))

	// A client that falls silent is closed once the timeout has passed.
	quiet := exDial(t, addr)
	exEcho(t, ex, quiet, []byte("one line, then silence\n"))
	silentSince := time.Now()
	const patience = 5 * time.Second
	quiet.SetReadDeadline(silentSince.Add(patience))
	n, err := quiet.Read(make([]byte, 1))
	waited := time.Since(silentSince)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		t.Fatalf("%s: a client silent for %v was still connected after %v; want lisod to close it once --idle-timeout has passed", ex, idle, patience)
	case err != io.EOF:
		t.Fatalf("%s: a silent client's read = %d bytes, %v; want io.EOF (lisod closes the connection)", ex, n, err)
	case waited < idle*2/3:
		t.Fatalf("%s: a silent client was closed after %v; want no earlier than --idle-timeout (%v)", ex, waited, idle)
	}
}
