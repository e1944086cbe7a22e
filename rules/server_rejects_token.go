package rules

import (
	"fmt"

	"github.com/mcptriage/mcptriage/parse"
	"github.com/mcptriage/mcptriage/rules/engine"
)

var ServerRejectsToken = &Rule{
	ID:      "server_rejects_token",
	Title:   "the server rejects the token it just issued",
	Symptom: "token issued, then the server refuses the authenticated MCP request",
	Stage:   StageMCP,
	Side:    SideServer,
	Doc: `The token exchange succeeds and, within a second, the connector's
authenticated POST to the MCP endpoint (user agent Claude-User, with
Authorization: Bearer …) is answered 401 or 403 by your own stack, up to
three times. Causes seen: the validator expects a different audience,
issuer or resource than the authorization server puts in the token; JWKS
or issuer URLs that differ by a trailing slash; middleware that requires
claims the token lacks; a load balancer routing bare /mcp to a protected
backend. Auth middleware often rejects before route logging, so the
access log is where it shows.

Look-alikes: token_never_presented (the request carries no Authorization
header: log its presence to tell), edge_blocks_claude_user (the CDN, not
the server, answers 403).`,
	Fix: "Validate exactly what your authorization server issues (aud equal to the metadata's resource, the same iss, the same keys), and answer 401 with WWW-Authenticate: Bearer error=\"invalid_token\" and a reason you log.",
	Run: func(a *Attempt) *Finding {
		if a.Outcome == OutcomeConnected {
			return nil
		}
		reqs, from, external := a.AuthenticatedRequests()
		rejected := withStatus(engine.ReachedOrigin(reqs), 401, 403)
		if len(rejected) == 0 {
			return nil
		}
		first := rejected[0]
		ev := append([]*Ev{from}, firstN(rejected, 3)...)
		issued := fmt.Sprintf("The token was issued%s", at(from.Time))
		after := span(from.Time, first.Time) + " later "
		if external {
			issued = "After the login at your authorization server (its traffic is not in these logs)"
			after = ""
			ev = firstN(rejected, 3)
		}
		if said := saying(a, parse.SigBearerMissing, first, 5e9); said != nil {
			return nil // the application says no token came: token_never_presented or a stripped header
		}
		if said := saying(a, parse.SigTokenRejected, first, 5e9); said != nil {
			return found(High, fmt.Sprintf("%s and %sthe authenticated request was refused (%s); your application says why: %q.", issued, after, req(first), said.Message), append(ev, said)...)
		}
		if logsAuthorization(a) {
			for _, e := range rejected {
				if e.Authorization == parse.Present {
					return found(High, fmt.Sprintf("%s and the next request carried an Authorization header, yet %s: your server refused the token.", issued, req(e)), ev...)
				}
			}
			return nil // sent without the header: token_never_presented
		}
		// Passing the edge rules out an edge block, not a request that came
		// without its token (token_never_presented): only the header's
		// presence decides that.
		for _, e := range rejected {
			if e.PassedEdge() {
				return found(Medium, fmt.Sprintf("%s and %sthe authenticated request (%s) passed your edge, which logged it, and your origin refused it with %d. The logs do not say whether it carried the token.", issued, after, req(e), e.Status), ev...).WithNext(authPresenceNext)
			}
		}
		return found(Medium, fmt.Sprintf("%s and %sthe authenticated request was refused (%s, %d %s). The access log does not say whether it carried the token.", issued, after, req(first), len(rejected), plural(len(rejected), "time", "times")), ev...).WithNext(authPresenceNext)
	},
}

// authPresenceNext decides between a token the server refuses and one the
// connector never sent: whether the request carried Authorization.
const authPresenceNext = "Log whether requests carry an Authorization header (never its value) and connect again; \"present\" means your server rejects the token (server_rejects_token), \"absent\" means the connector did not send it (token_never_presented):\n" + AuthLogSnippet
