package suite

import "slices"

// All is every check, stage by stage; Select picks those of a run.
func All() []Check {
	return slices.Concat(echoChecks, httpChecks, httpsChecks, cgiChecks, daemonChecks, robustChecks)
}
