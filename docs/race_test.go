//go:build race

package docs_test

// raceBuild is set when the tests run under the race detector. The test
// then builds lisod with -race too: the packages are compiled that way for
// their own tests already, and a data race that the pages' commands
// provoke in a server block's lisod fails the page (lisod exits 66 after
// its report, and a stopped server must exit 0).
const raceBuild = true
