package suite

// echoChecks are the checks of this file, in the order they run.
var echoChecks = []Check{}
