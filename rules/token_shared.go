package rules

import "github.com/mcptriage/mcptriage/rules/engine"

// tokenFailures returns the token requests that failed or came too late
// for the connector, when the token exchange is where the attempt stopped.
func tokenFailures(a *Attempt) []*Ev {
	toks := a.ByRole(RoleToken)
	if len(toks) == 0 || a.Outcome == OutcomeConnected || engine.Usable(toks) != nil {
		return nil
	}
	var out []*Ev
	for _, t := range toks {
		if !t.OK() || engine.TooSlow(t) {
			out = append(out, t)
		}
	}
	return out
}
