// Package suite is lisocheck's list of checks: what a Liso server must do
// at each checkpoint of the course, written once, as data where it is data
// (tables of raw requests and the answers they must get), and run two ways.
// The lisocheck command runs it against any server a student wrote, in any
// language, and prints PASS or FAIL with what was sent, what came back,
// what was expected and why. lisod's own tests run it through Test, so the
// checks a student's server must pass are the ones lisod passes.
//
// A check knows nothing of lisod: it talks to a Target, a server on
// loopback reached by address, whose www folder holds the site WriteSite
// made. Checks that must start the server themselves (the daemon's, and
// the ones that change its limits) use the Target's Command, and are
// skipped when the server was given by address.
//
// Introduced after checkpoint 3, with the lisocheck tool.
package suite
