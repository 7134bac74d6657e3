//go:build race

package main

// hardRace is set when the tests run under the race detector, which
// multiplies memory use: the memory bounds of the suite allow for it.
const hardRace = true
