package suite

// robustChecks are the checks of this file, in the order they run.
var robustChecks = []Check{}
