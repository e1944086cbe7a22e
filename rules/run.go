package rules

import "github.com/mcptriage/mcptriage/rules/engine"

// NewCollector returns a collector that runs every rule of All (or the
// ones o.Rules names) over the attempts it reconstructs.
func NewCollector(o Options) *Collector {
	if o.Rules == nil {
		o.Rules = All
	}
	return engine.NewCollector(o)
}

// ByID finds a rule in All.
func ByID(id string) *Rule {
	for _, r := range All {
		if string(r.ID) == id {
			return r
		}
	}
	return nil
}

// CheckURL runs the checks that need only the connector URL: before any
// log is read, or before a probe sends anything.
func CheckURL(u *ConnectorURL) []*Finding {
	r := &Run{URL: u, Env: &Env{}}
	var out []*Finding
	for _, rule := range All {
		if rule.Check == nil || rule.Stage != StageReach && rule.Stage != StageProbe || rule.ID == "no_connector_traffic" {
			continue
		}
		if f := rule.Check(r); f != nil {
			f.Rule = rule
			out = append(out, f)
		}
	}
	return out
}
