//go:build !race

package main

// lisodMemoryLimit bounds how many bytes lisod's resident memory may grow
// during one slow-client attack (lisocheck's Target.MemoryLimit, and
// TestSlowClientsAtLisodTimeouts). Measured: about 16 MiB for 1,000
// slowloris connections; the race detector multiplies memory use
// (hardening_race_test.go).
const lisodMemoryLimit = 64 << 20
