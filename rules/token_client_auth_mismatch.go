package rules

import "fmt"

var TokenClientAuthMismatch = &Rule{
	ID:    "token_client_auth_mismatch",
	Title: "the token endpoint rejects how Claude authenticates the client",
	Stage: StageToken,
	Side:  SideServer,
	Doc: `For a confidential client, the connector sends client_id and
client_secret in the form body (client_secret_post). A token endpoint that
only reads HTTP Basic, compares against a hashed or different secret, or
expects no secret for a client it registered as confidential answers 401
(or 400) invalid_client. The registration response's
token_endpoint_auth_method must match what /token enforces.`,
	Fix:     "Support client_secret_post (and none with PKCE for public clients), and return in the registration response the auth method /token will actually enforce.",
	Tracker: []int{667, 200, 295},
	Run: func(a *Attempt) *Finding {
		bad := tokenFailures(a)
		if e := withStatus(bad, 401); len(e) > 0 {
			return found(High, fmt.Sprintf("%s: the token endpoint did not accept the client's credentials (Claude sends client_secret_post).", req(e[0])), firstN(e, 2)...)
		}
		if e := withStatus(bad, 400); len(e) > 0 {
			return found(Low, fmt.Sprintf("%s: a 400 here is often invalid_client, a mismatch between the registered and the enforced client authentication.", req(e[0])), firstN(e, 2)...)
		}
		return nil
	},
}
