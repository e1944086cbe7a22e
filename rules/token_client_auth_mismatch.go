package rules

import (
	"fmt"

	"github.com/mcptriage/mcptriage/parse"
)

var TokenClientAuthMismatch = &Rule{
	ID:      "token_client_auth_mismatch",
	Title:   "the token endpoint rejects how Claude authenticates the client",
	Symptom: "the token endpoint refuses the client's authentication",
	Stage:   StageToken,
	Side:    SideServer,
	Doc: `For a confidential client, the connector sends client_id and
client_secret in the form body (client_secret_post). A token endpoint that
only reads HTTP Basic, compares against a hashed or different secret, or
expects no secret for a client it registered as confidential answers 401
(or 400) invalid_client. The registration response's
token_endpoint_auth_method must match what /token enforces.`,
	Fix: "Support client_secret_post (and none with PKCE for public clients), and return in the registration response the auth method /token will actually enforce.",
	Run: func(a *Attempt) *Finding {
		bad := tokenFailures(a)
		if len(bad) > 0 && !bad[0].OK() {
			if said := saying(a, parse.SigInvalidClient, bad[0], 5e9); said != nil {
				return found(High, fmt.Sprintf("%s, and the reason logged is the client's authentication: %q (Claude sends client_secret_post).", req(bad[0]), said.Message), bad[0], said)
			}
			if saying(a, parse.SigJSONOnly, bad[0], 5e9) != nil {
				return nil // token_endpoint_json_only, by the application's words
			}
		}
		if e := withStatus(bad, 401); len(e) > 0 {
			return found(High, fmt.Sprintf("%s: the token endpoint did not accept the client's credentials (Claude sends client_secret_post).", req(e[0])), firstN(e, 2)...)
		}
		if e := withStatus(bad, 400); len(e) > 0 {
			return found(Low, fmt.Sprintf("%s: a 400 here is often invalid_client, a mismatch between the registered and the enforced client authentication.", req(e[0])), firstN(e, 2)...)
		}
		return nil
	},
}
