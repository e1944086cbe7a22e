package rules

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
		rank(a.Findings)
		reconcile(a)
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
	a.LastCompleted = StageReach
	for st := StageProbe; st <= StageMCP; st++ {
		if a.Stages[st].Status == StatusOK {
			a.LastCompleted = st
		}
	}
}
