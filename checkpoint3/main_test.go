package main

import (
	"os"
	"testing"

	"liso/shared/lisotest"
)

func TestMain(m *testing.M) {
	lisotest.RunMainIfChild(main)
	os.Exit(m.Run())
}
