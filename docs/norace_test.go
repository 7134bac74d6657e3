//go:build !race

package docs_test

// raceBuild is set when the tests run under the race detector.
const raceBuild = false
