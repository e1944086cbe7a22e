package rules

import (
	"fmt"

	"github.com/mcptriage/mcptriage/parse"
)

var DCRAuthMethodRejected = &Rule{
	ID:      "dcr_auth_method_rejected",
	Title:   "registration refuses the token endpoint auth method Claude asks for",
	Symptom: "registration refused over the token endpoint auth method",
	Stage:   StageRegistration,
	Side:    SideServer,
	Doc: `Claude registers asking for token_endpoint_auth_method client_secret_post.
An authorization server that only allows public clients ("none"), or that
requires an initial access token for confidential ones, answers 400
invalid_client_metadata or 401. Per RFC 7591 it should register the client
with the method it supports and say so in the response: Claude uses the
method from the response.

From an access log this is one of three look-alikes
(dcr_redirect_uri_rejected, dcr_grant_or_scope_rejected); a 401 points here.`,
	Fix: "Accept the registration and return the method you support (for example \"token_endpoint_auth_method\": \"none\" with no secret) instead of rejecting it.",
	Run: func(a *Attempt) *Finding {
		return dcrVerdict(a, parse.SigAuthMethod, []int{400, 401, 422},
			func(bad []*Ev, said *Ev) *Finding {
				return found(High, fmt.Sprintf("%s: the registration was refused, and the reason logged is the token endpoint auth method: %q.", req(bad[0]), said.Message), bad[0], said)
			},
			func(bad []*Ev) *Finding {
				conf := Medium
				if bad[0].Status == 401 {
					conf = High
				}
				return found(conf, fmt.Sprintf("%s: the registration was refused. Claude asks for client_secret_post; an authorization server that allows only public clients refuses that unless it answers with its own method.", req(bad[0])), firstN(bad, 2)...).WithNext(dcrNext)
			})
	},
}
