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
