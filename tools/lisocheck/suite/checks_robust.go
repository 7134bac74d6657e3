package suite

import (
	"slices"
	"strings"
	"unicode"
)

// robustChecks are the robustness stage's checks of the checks_robust*.go
// files, in the order they run: the HTTP/1.1 wire table, the RFC rows the
// course overrides (strict), request smuggling, the jail, many
// connections, descriptor exhaustion, and the slow clients last, because
// they leave the server busy cutting connections for a while.
var robustChecks = slices.Concat(
	wireChecks("robust/wire/", wireTests, false, false),
	wireChecks("robust/wire-strict/", strictWireTests, true, false),
	smugglingChecks(),
	jailChecks(false),
	loadChecks,
	slowChecks,
)

// StrictOnly returns the checks that are Strict: the RFC rules the
// course's graders do not ask for or contradict. lisod's tests run them
// against a lisod started with the flags that turn those rules on.
func StrictOnly(checks []Check) []Check {
	var out []Check
	for _, ch := range checks {
		if ch.Strict {
			out = append(out, ch)
		}
	}
	return out
}

// ProjectChoices are checks of the answers this project picked where an
// RFC lets a server choose (docs/security.md says which and why): the wire
// rows a server may answer in more than one way, and the jail's refusals,
// which must be 404 or 400 (never 403: a client learns nothing about what
// lies outside). All does not hold them: a student's server may choose
// otherwise and still pass; lisod's own tests run them too (the strict
// ones in a strict run).
func ProjectChoices() []Check {
	return slices.Concat(
		wireChecks("robust/project/wire/", withChoices(wireTests), false, true),
		wireChecks("robust/project/wire-strict/", withChoices(strictWireTests), true, true),
		jailChecks(true),
	)
}

// slug turns a table row's name into the last part of its check's name:
// lower case, runs of anything but letters and digits turned into one
// hyphen, and commas and apostrophes dropped ("10,000 small headers" is
// "10000-small-headers").
func slug(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r == ',' || r == '\'':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
	}
	return b.String()
}
