package rules

import (
	"fmt"

	"github.com/mcptriage/mcptriage/parse"
	"github.com/mcptriage/mcptriage/rules/engine"
)

var TokenNeverPresented = &Rule{
	ID:      "token_never_presented",
	Title:   "the connector never presents the token it obtained",
	Symptom: "OAuth completes (token 200) but no authenticated MCP request reaches the server",
	Stage:   StageMCP,
	Side:    SideConnector,
	Doc: `The token exchange succeeds, and then the connector either sends no MCP
request at all (not even one blocked at the edge) or sends one without an
Authorization header, which is answered 401, sometimes restarting the
whole flow with a fresh registration. The server did everything right.

Most reports of this turned out to be an edge block
(edge_blocks_claude_user) or the server refusing the token
(server_rejects_token): rule those out with the CDN's security events and
an access log that records whether Authorization was present. What is
left is a connector bug: file it with the ofid.`,
	Fix: "After ruling out the edge and the server, file an issue with the ofid and the token's UTC time; moving the endpoint to /mcp has helped some.",
	Run: func(a *Attempt) *Finding {
		if a.Outcome == OutcomeConnected {
			return nil
		}
		reqs, from, external := a.AuthenticatedRequests()
		if from == nil || len(engine.ReachedOrigin(reqs)) < len(reqs) {
			return nil // the edge stopped them: edge_blocks_claude_user
		}
		if len(reqs) == 0 && elsewhereAfter(a, from) != nil {
			return nil // the MCP client's requests arrived, at another path
		}
		if len(reqs) == 0 && !external && edgeCovers(a, from.Time, from.Time.Add(15e9)) {
			return found(High, fmt.Sprintf("The token was issued%s, and neither your edge's log (which covers that time) nor your origin's shows any request after it: the connector never sent one.", at(from.Time)), from)
		}
		if len(reqs) == 0 {
			return found(Low, fmt.Sprintf("The token was issued%s and no MCP request followed; if your CDN shows no blocked request either, the connector never sent one.", at(from.Time)), from).WithNext(
				"Your CDN's security events for that minute decide it: a blocked Claude-User request means edge_blocks_claude_user, nothing at all means this. To see a token-less request if one comes, log whether Authorization is present:\n" + AuthLogSnippet)
		}
		issued := fmt.Sprintf("The token was issued%s and", at(from.Time))
		lead := []*Ev{from}
		if external {
			issued = "After the login at your authorization server,"
			lead = nil
		}
		var bare []*Ev
		for _, e := range reqs {
			if e.Authorization == parse.Absent && !e.OK() {
				bare = append(bare, e)
			}
		}
		// The application says the header was missing, and nothing in
		// front of it saw one: the connector did not send it. Words from
		// before the token are about the first, unauthenticated probe, and
		// a request any log saw with the header is not the one they
		// describe.
		said := saying(a, parse.SigBearerMissing, firstOf(reqs), 5e9)
		if said != nil && !external && !parse.IsSynthetic(said.Time) && said.Time.Before(from.Time) {
			said = nil
		}
		if said != nil && len(bare) == 0 && !frontSawAuthorization(reqs) && !anyPresented(reqs) && len(withStatus(reqs, 401, 403)) > 0 {
			// Nothing in front logged whether the header came: a proxy that
			// drops it (authorization_header_stripped) reads the same.
			return found(Medium, fmt.Sprintf("%s the next MCP request was refused (%s) and your application says why: %q.", issued, req(withStatus(reqs, 401, 403)[0]), said.Message), append(lead, withStatus(reqs, 401, 403)[0], said)...).WithNext(headerReachesNext)
		}
		if len(bare) > 0 && len(bare) == len(withStatus(reqs, 401, 403)) {
			return found(High, fmt.Sprintf("%s the next MCP request arrived without an Authorization header (%s).", issued, req(bare[0])), append(lead, firstN(bare, 3)...)...)
		}
		unauth := withStatus(reqs, 401)
		if len(unauth) == 0 || logsAuthorization(a) || saying(a, parse.SigTokenRejected, unauth[0], 5e9) != nil {
			return nil
		}
		return found(Medium, fmt.Sprintf("%s the MCP request was answered 401 (%s); if it carried no Authorization header, the connector dropped the token.", issued, req(unauth[0])), append(lead, unauth[0])...).WithNext(authPresenceNext)
	},
}

// anyPresented: some log recorded an Authorization header on one of evs.
func anyPresented(evs []*Ev) bool {
	for _, e := range evs {
		if e.Authorization == parse.Present {
			return true
		}
	}
	return false
}

func firstOf(evs []*Ev) *Ev {
	if len(evs) == 0 {
		return nil
	}
	return evs[0]
}

// frontSawAuthorization: a layer in front of the application (the origin's
// web server, the edge) logged an Authorization header on one of evs.
func frontSawAuthorization(evs []*Ev) bool {
	for _, e := range evs {
		if e.Layer != parse.LayerApp && e.Authorization == parse.Present {
			return true
		}
		for _, v := range e.Views {
			if v.Layer != parse.LayerApp && v.Authorization == parse.Present {
				return true
			}
		}
	}
	return false
}
