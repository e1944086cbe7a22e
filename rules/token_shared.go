package rules

// tokenFailures returns the failed token requests when the token exchange
// is where the attempt stopped.
func tokenFailures(a *Attempt) []*Ev {
	toks := a.ByRole(RoleToken)
	if len(toks) == 0 || a.Outcome == OutcomeConnected {
		return nil
	}
	for _, t := range toks {
		if t.OK() && !tooSlow(t) {
			return nil
		}
	}
	return failing(toks)
}
