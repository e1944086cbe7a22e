package rules

import (
	"fmt"

	"github.com/mcptriage/mcptriage/parse"
)

var DCRRedirectURIRejected = &Rule{
	ID:      "dcr_redirect_uri_rejected",
	Title:   "registration refuses Claude's redirect URI",
	Symptom: "registration refused over the redirect URI",
	Stage:   StageRegistration,
	Side:    SideServer,
	Doc: `The authorization server refuses https://claude.ai/api/mcp/auth_callback
as a redirect URI: an allowlist of hosts, a localhost-only rule, or an SDK
shim that rejects every URI. The 400 names invalid_redirect_uri or
invalid_client_metadata. With a pre-registered client the same problem
shows at /authorize instead.`,
	Fix: "Allow exactly https://claude.ai/api/mcp/auth_callback and https://claude.com/api/mcp/auth_callback.",
	Run: func(a *Attempt) *Finding {
		return dcrVerdict(a, parse.SigRedirectURI, []int{400, 422},
			func(bad []*Ev, said *Ev) *Finding {
				return found(High, fmt.Sprintf("%s: the registration was refused, and the reason logged is the redirect URI: %q.", req(bad[0]), said.Message), bad[0], said)
			},
			func(bad []*Ev) *Finding {
				return found(Medium, fmt.Sprintf("%s: the registration was refused; a redirect URI allowlist without https://claude.ai/api/mcp/auth_callback answers this way.", req(bad[0])), firstN(bad, 2)...).WithNext(dcrNext)
			})
	},
}
