package engine

import "sort"

// diagnose runs every rule on every attempt, then the run-level checks,
// and ranks each list of findings: most confident first, ties in the
// order of the rule list.
func diagnose(r *Run, list []*Rule) {
	order := map[*Rule]int{}
	for i, rule := range list {
		order[rule] = i
	}
	rank := func(fs []*Finding) {
		sort.SliceStable(fs, func(i, j int) bool {
			if fs[i].Confidence != fs[j].Confidence {
				return fs[i].Confidence > fs[j].Confidence
			}
			return order[fs[i].Rule] < order[fs[j].Rule]
		})
	}
	for _, a := range r.Attempts {
		for _, rule := range list {
			if rule.Run == nil {
				continue
			}
			if f := rule.Run(a); f != nil {
				f.Rule = rule
				a.Findings = append(a.Findings, f)
			}
		}
		if a.anonymous() {
			capConfidence(a)
		}
		rank(a.Findings)
		reconcile(a)
		a.Findings = beyondBreak(a.Findings)
		if a.Outcome == OutcomeConnected {
			connectedClaims(a)
			rank(a.Findings)
		}
		markTies(a.Findings)
	}
	for _, rule := range list {
		if rule.Check == nil {
			continue
		}
		if f := rule.Check(r); f != nil {
			f.Rule = rule
			r.Findings = append(r.Findings, f)
		}
	}
	rank(r.Findings)
}

// reconcile: when the leading finding says a stage the ladder counted as
// done did not really complete (an authorize answered with a redirect that
// carries an error, a token response the connector cannot use), the
// ladder follows it. A connected attempt keeps its ladder.
func reconcile(a *Attempt) {
	if len(a.Findings) == 0 || a.Outcome == OutcomeConnected {
		return
	}
	f := a.Findings[0]
	s := f.NotCompleted
	if f.Confidence < Medium || s <= StageReach || s > StageMCP || a.Stages[s].Status != StatusOK {
		return
	}
	a.Stages[s].Status = StatusFailed
	a.LastCompleted = lastCompleted(&a.Stages)
}

// beyondBreak drops findings about stages after one the leading finding
// shows did not complete: with the token response unusable, "no MCP
// request after the token" explains nothing.
func beyondBreak(fs []*Finding) []*Finding {
	if len(fs) == 0 || fs[0].Confidence < Medium || fs[0].NotCompleted <= StageReach {
		return fs
	}
	out := fs[:0]
	for _, f := range fs {
		if f.Rule.Stage > fs[0].NotCompleted && f != fs[0] {
			continue
		}
		out = append(out, f)
	}
	return out
}

// connectedClaims: a connected attempt carries no medium or high failure
// finding unless its evidence is on the connector's own path after the
// successful MCP request: what happened before it did not stop the flow.
// Such findings stay, at low confidence, saying so.
func connectedClaims(a *Attempt) {
	var ok *Ev
	for _, e := range a.Events {
		if e.Role == RoleMCP && e.OK() && !TooSlow(e) {
			ok = e
			break
		}
	}
	for _, f := range a.Findings {
		if f.Confidence < Medium {
			continue
		}
		later := false
		for _, e := range f.Evidence {
			if ok != nil && e.onPath && e.Time.After(ok.Time) {
				later = true
				break
			}
		}
		if !later {
			f.Confidence = Low
			f.Summary += " The attempt connected all the same, so this did not stop it."
		}
	}
}

// markTies names, on the leading findings that share a confidence and
// the step that would decide between them, the others: the log cannot
// tell them apart, and the rule order that ranks them is no verdict.
func markTies(fs []*Finding) {
	if len(fs) < 2 || fs[0].Next == "" {
		return
	}
	var tied []*Finding
	for _, f := range fs {
		if f.Confidence == fs[0].Confidence && f.Next == fs[0].Next {
			tied = append(tied, f)
		}
	}
	if len(tied) < 2 {
		return
	}
	for _, f := range tied {
		f.TiedWith = nil
		for _, o := range tied {
			if o != f {
				f.TiedWith = append(f.TiedWith, o.Rule.ID)
			}
		}
	}
}

// anonymous: nothing in the attempt says who sent its requests: no
// address of a client, no user agent, no callback of Claude's. A paste of
// paths and statuses; only their order ties them to the connector.
func (a *Attempt) anonymous() bool {
	if a.Confirmed {
		return false
	}
	for _, e := range a.Events {
		if e.message {
			continue
		}
		if e.Client.IsValid() || e.UAKnown || e.Browser && hasClaudeCallback(e.RawQuery) {
			return false
		}
	}
	return true
}

// capConfidence: on an anonymous attempt no finding is more than medium,
// and the attempt says why.
func capConfidence(a *Attempt) {
	for _, f := range a.Findings {
		if f.Confidence > Medium {
			f.Confidence = Medium
		}
	}
	a.AddressNote = "no address, user agent or Claude callback in these logs: the requests are tied to the connector by their paths and order only, so no finding is more than medium confidence"
}
