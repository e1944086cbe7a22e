package rules

import (
	"fmt"

	"github.com/mcptriage/mcptriage/parse"
)

var DCRGrantOrScopeRejected = &Rule{
	ID:      "dcr_grant_or_scope_rejected",
	Title:   "registration refuses the refresh_token grant or a requested scope",
	Symptom: "registration refused over a grant type or scope",
	Stage:   StageRegistration,
	Side:    SideServer,
	Doc: `Claude's registration asks for grant_types authorization_code and
refresh_token, and may list every value of scopes_supported as its scope.
A server that does not allow refresh_token for dynamic clients, or will
not grant one of the scopes it advertises, answers 400 instead of
registering a subset.`,
	Fix: "Register the client with the grants and scopes you allow and return them in the response; advertise in scopes_supported only scopes a dynamic client may get; support refresh_token.",
	Run: func(a *Attempt) *Finding {
		return dcrVerdict(a, parse.SigGrantOrScope, []int{400, 422},
			func(bad []*Ev, said *Ev) *Finding {
				return found(High, fmt.Sprintf("%s: the registration was refused, and the reason logged is a grant type or scope: %q.", req(bad[0]), said.Message), bad[0], said)
			},
			func(bad []*Ev) *Finding {
				return found(Medium, fmt.Sprintf("%s: the registration was refused; servers that do not allow the refresh_token grant, or a scope they advertise, answer this way.", req(bad[0])), firstN(bad, 2)...).WithNext(dcrNext)
			})
	},
}
