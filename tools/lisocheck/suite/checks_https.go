package suite

// httpsChecks are the checks of this file, in the order they run.
var httpsChecks = []Check{}
