package rules

import (
	"fmt"

	"github.com/mcptriage/mcptriage/parse"
)

var TokenEndpointJSONOnly = &Rule{
	ID:      "token_endpoint_json_only",
	Title:   "the token endpoint refuses a form-encoded request",
	Symptom: "the token endpoint refuses the form-encoded request",
	Stage:   StageToken,
	Side:    SideServer,
	Doc: `The connector exchanges the code as RFC 6749 says: a form-encoded POST
(application/x-www-form-urlencoded). A token endpoint that only parses
JSON answers 415 Unsupported Media Type, or 400 "missing grant_type"
because it read an empty body.

Look-alike: token_client_auth_mismatch (a 401 invalid_client; a 400 can be
either).`,
	Fix: "Accept form-encoded token requests; JSON may be accepted as well.",
	Run: func(a *Attempt) *Finding {
		bad := tokenFailures(a)
		if len(bad) > 0 {
			if said := saying(a, parse.SigJSONOnly, bad[0], 5e9); said != nil && !bad[0].OK() {
				return found(High, fmt.Sprintf("%s, and the reason logged is the body's encoding: %q. The connector sends the token request form-encoded, as OAuth requires.", req(bad[0]), said.Message), bad[0], said)
			}
			if saying(a, parse.SigInvalidClient, bad[0], 5e9) != nil {
				return nil // token_client_auth_mismatch, by the application's words
			}
		}
		if e := withStatus(bad, 415); len(e) > 0 {
			return found(High, fmt.Sprintf("%s: 415 Unsupported Media Type. The connector sends the token request form-encoded, as OAuth requires.", req(e[0])), firstN(e, 2)...)
		}
		if e := withStatus(bad, 400); len(e) > 0 {
			return found(Medium, fmt.Sprintf("%s: a token endpoint that reads only JSON finds no grant_type in the connector's form-encoded body and answers 400.", req(e[0])), firstN(e, 2)...).WithNext(
				"Read the 400's body: \"missing grant_type\" or a JSON parse error decides it; invalid_client points at token_client_auth_mismatch, invalid_grant at a code or PKCE problem.")
		}
		return nil
	},
}
