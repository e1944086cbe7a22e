package rules

import (
	"fmt"

	"github.com/mcptriage/mcptriage/rules/engine"
)

var DCRSucceededThenAbort = &Rule{
	ID:      "dcr_succeeded_then_abort",
	Title:   "registration succeeded and the connector never opened the browser",
	Symptom: "registration returns 201 but the browser never opens /authorize",
	Stage:   StageRegistration,
	Side:    SideConnector,
	Doc: `The registration got a clean 201 (sometimes twice, a second apart, from
two egress addresses), and then no browser ever arrived at /authorize.
The connector may probe and register again in a loop before giving up
with "Couldn't register…" although registration worked.

Before filing: if your authorization endpoint is on another host, the
browser step is in that host's logs, not these.`,
	Fix: "Nothing to fix on the server when registration answers 201 with proper JSON; file an issue with the ofid (a fresh hostname sometimes helps).",
	Run: func(a *Attempt) *Finding {
		reg := a.FirstOK(RoleRegister)
		if reg == nil || a.Has(RoleAuthorize) || a.Has(RoleBrowser) || a.Has(RoleToken) || a.Outcome == OutcomeConnected || a.Outcome == OutcomeIncomplete {
			return nil
		}
		if reg.Bytes >= 0 && reg.Bytes < 16 {
			return nil // dcr_endpoint_broken
		}
		var again []*Ev
		for _, e := range a.BackendAfter(reg) {
			if e.Role == RoleProbe || e.Role == RoleRegister {
				again = append(again, e)
			}
		}
		if len(again) > 0 {
			// A 201 whose body the connector cannot use (no client_id, a
			// method it cannot follow) ends the same way, and an access log
			// does not show the body: Claude's own message decides.
			conf := Medium
			if claudeSaid(a, "couldn't register") {
				conf = High
			}
			return found(conf, fmt.Sprintf("%s, then no browser authorization: the connector started over instead (%s).", req(reg), engine.Describe(firstN(again, 3))), append([]*Ev{reg}, firstN(again, 3)...)...).WithNext(
				"Replay Claude's registration and read the answer: curl -si -X POST -H 'Content-Type: application/json' -d '" + ClaudeDCRBody + "' <registration endpoint>. A 201 without client_id, or with a token_endpoint_auth_method your token endpoint refuses, is dcr_endpoint_broken; a well-formed one means the connector gave up on its own: file with the ofid.")
		}
		return found(Medium, fmt.Sprintf("%s, and then nothing: no browser ever came to authorize.", req(reg)), reg).WithNext(
			"If the authorization endpoint is on another host, look for the browser's authorize request there first; otherwise file with the ofid and this registration's time.")
	},
}
