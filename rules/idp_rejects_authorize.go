package rules

import (
	"fmt"
	"strings"

	"github.com/mcptriage/mcptriage/rules/engine"
)

var IdPRejectsAuthorize = &Rule{
	ID:      "idp_rejects_authorize",
	Title:   "the authorization server refuses the browser's authorize request",
	Symptom: "the authorize request is refused (an error page or an error redirect back to Claude)",
	Stage:   StageAuthorization,
	Side:    SideIdP,
	Doc: `The browser reaches the authorization endpoint with Claude's callback as
redirect_uri, and the authorization server refuses it: a 4xx page, or a
redirect back to the callback carrying error=invalid_request,
unauthorized_client, access_denied or invalid_scope. Common causes: a
pre-registered client whose redirect URIs lack Claude's callback, an access
policy (Cloudflare Access, IAP) in front of /authorize, a managed OAuth
product that insists on the RFC 8707 resource parameter, or the user
declining.

Look-alikes: offline_access_leading_space (the scope starts with a space),
cimd_document_fetch_failed (the client_id is Claude's metadata URL).`,
	Fix: "Register https://claude.ai/api/mcp/auth_callback and https://claude.com/api/mcp/auth_callback for the client, let the browser reach /authorize without an interstitial policy, and accept requests with and without resource.",
	Run: func(a *Attempt) *Finding {
		if a.AnyOK(RoleToken) || a.Outcome == OutcomeConnected {
			return nil
		}
		for _, e := range a.ByRole(RoleAuthorize) {
			if cimdClient(e) || leadingSpaceScope(e) {
				continue // cimd_document_fetch_failed, offline_access_leading_space
			}
			loc := strings.ToLower(e.Location)
			switch {
			case e.Redirect() && strings.Contains(loc, "error="):
				reason := engine.QueryParam(e.Location[strings.IndexByte(e.Location, '?')+1:], "error")
				return found(High, fmt.Sprintf("%s sent the browser back to Claude with error=%s: the authorization server refused the request before any consent.", req(e), reason), e).WithNotCompleted(StageAuthorization)
			case e.Status >= 400 && e.Status != 404:
				// A 404 is an endpoint that is not there (prm_not_found,
				// as_path_issuer_origin_fallback), not a refusal.
				return found(Medium, fmt.Sprintf("%s: the authorization server refused the browser's request (its page says why; Claude's callback or the resource parameter are the usual reasons).", req(e)), e).WithNext(
					"Open the authorize URL from this line in a browser, or read the authorization server's log for that time: it names the parameter it refused.")
			}
		}
		return nil
	},
}

// cimdClient: the authorization names Claude's client metadata document
// as its client_id.
func cimdClient(e *Ev) bool {
	id := strings.ToLower(engine.QueryParam(e.RawQuery, "client_id"))
	return strings.HasPrefix(id, "https://claude.ai/oauth/") || strings.HasPrefix(id, "https://claude.com/oauth/")
}

// leadingSpaceScope: the scope parameter starts with a space.
func leadingSpaceScope(e *Ev) bool {
	return strings.HasPrefix(engine.QueryParam(e.RawQuery, "scope"), " ")
}
