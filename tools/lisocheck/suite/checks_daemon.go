package suite

// daemonChecks are the checks of this file, in the order they run.
var daemonChecks = []Check{}
