//go:build race

package main

// lisodMemoryLimit bounds how many bytes lisod's resident memory may grow
// during one slow-client attack (lisocheck's Target.MemoryLimit, and
// TestSlowClientsAtLisodTimeouts). Under the race detector, which
// multiplies memory use, 1,000 slowloris connections took about 115 MiB.
const lisodMemoryLimit = 320 << 20
