package rules

import "fmt"

var EgressIPBlocked = &Rule{
	ID:      "egress_ip_blocked",
	Title:   "a firewall or allowlist blocks Anthropic's addresses",
	Symptom: "requests from Anthropic's egress range are refused",
	Stage:   StageProbe,
	Side:    SideInfra,
	Doc: `Requests from Anthropic's egress range are refused by address: an
allowlist that still holds the retired 34.162.x addresses, a geo-block, a
firewall rule. nginx answers a deny rule with 403 or closes the connection
(status 444); above HTTP, a firewall leaves no trace in the access log at
all. Every leg from Anthropic fails alike, whatever its user agent, while
the user's browser legs get through.`,
	Fix: "Allow 160.79.104.0/21 (IPv4 only; there is no IPv6 egress) on every layer for the MCP path, /.well-known/*, registration and token; remove the retired 34.162.x addresses.",
	Run: func(a *Attempt) *Finding {
		if a.Outcome == OutcomeConnected {
			return nil
		}
		var backend, refused []*Ev
		for _, e := range a.Events {
			if e.Browser || !e.Confirmed {
				continue
			}
			backend = append(backend, e)
			if e.Status == 444 || e.Status == 403 {
				refused = append(refused, e)
			}
		}
		if len(refused) == 0 {
			return nil
		}
		if n := len(withStatus(refused, 444)); n > 0 {
			return found(High, fmt.Sprintf("nginx closed the connection without answering (status 444, a deny rule) on %d request%s from Anthropic's range, first %s.", n, plural(n, "", "s"), req(withStatus(refused, 444)[0])), firstN(withStatus(refused, 444), 3)...)
		}
		paths := map[string]bool{}
		for _, e := range refused {
			paths[e.Path] = true
		}
		if len(refused) < 2 || len(refused) < len(backend) || len(paths) < 2 {
			return nil
		}
		return found(Medium, fmt.Sprintf("Every request from Anthropic's range was refused with 403, on %d different paths, whatever the user agent.", len(paths)), firstN(refused, 3)...)
	},
}
