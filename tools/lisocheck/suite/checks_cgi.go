package suite

// cgiChecks are the checks of this file, in the order they run.
var cgiChecks = []Check{}
