package rules

import (
	"fmt"

	"github.com/mcptriage/mcptriage/rules/engine"
)

var AuthlessDiscoveryNot404 = &Rule{
	ID:      "authless_discovery_not_404",
	Title:   "an authless server answers OAuth discovery with something other than 404",
	Symptom: "an authless server answers OAuth discovery with 200 and registration fails",
	Stage:   StageDiscovery,
	Side:    SideServer,
	Doc: `The server answers the unauthenticated initialize with 200, so it needs no
authorization, but one of the discovery paths (/.well-known/oauth-
protected-resource[/path], /.well-known/oauth-authorization-server)
answers 200 (a single-page app's index.html, an empty metadata stub), a
redirect to a login page, or 401/403 from auth middleware. Any non-404
tells the connector to do OAuth, which then fails at registration.`,
	Fix: "Return a plain 404 on every OAuth discovery path (root and path-inserted) while the server is authless; never serve empty metadata stubs.",
	Run: func(a *Attempt) *Finding {
		p := a.FirstNonHead(RoleProbe)
		if p == nil || !p.OK() || !stalledAt(a, StageToken) || a.Has(RoleMCP) {
			return nil
		}
		var odd []*Ev
		for _, d := range append(a.ByRole(RolePRM), a.ByRole(RoleASMeta)...) {
			if d.Time.Before(p.Time) {
				continue
			}
			if d.Status != 404 && d.Status != 410 {
				odd = append(odd, d)
			}
		}
		if len(odd) == 0 {
			return nil
		}
		// Whether the server meant to be authless is not in the log: an
		// OAuth server that lets the unauthenticated initialize through
		// (missing_www_authenticate) reads the same.
		return found(Medium, fmt.Sprintf("%s as an authless server would, but %s: anything but 404 there makes the connector attempt OAuth.", req(p), engine.Describe(firstN(odd, 3))), append([]*Ev{p}, firstN(odd, 3)...)...).WithNotCompleted(StageDiscovery).WithNext(authlessOrChallengeNext)
	},
}

// authlessOrChallengeNext decides between an authless server with stray
// metadata and an OAuth server that does not challenge the probe.
const authlessOrChallengeNext = "Which your server is decides it: if it needs no sign-in, make every discovery path (/.well-known/oauth-protected-resource[/<path>], /.well-known/oauth-authorization-server) a plain 404; if it uses OAuth, answer the unauthenticated initialize with 401 and WWW-Authenticate: Bearer resource_metadata=\"<absolute https URL>\" (missing_www_authenticate)."
