package rules

import (
	"fmt"

	"github.com/mcptriage/mcptriage/rules/engine"
)

var ASPathIssuerOriginFallback = &Rule{
	ID:      "as_path_issuer_origin_fallback",
	Title:   "the connector falls back to endpoints on the MCP origin",
	Symptom: "an authorization server with a path: the connector falls back to endpoints on the MCP origin",
	Stage:   StageDiscovery,
	Side:    SideConnector,
	Doc: `The protected-resource metadata is found, but its authorization server
has a path (Entra's /<tenant>/v2.0, Keycloak's /realms/<r>, a tenant path)
and the connector only tries the path-aware RFC 8414 URLs for it, which
404. It then uses default endpoints on the MCP server's origin: POST
{origin}/register, a browser sent to {origin}/authorize, POST
{origin}/token, none of which exist there. A variant ignores the
authorization_endpoint of a document it did fetch and uses
{issuer}/authorize.

Look-alike: prm_not_found (the protected-resource metadata itself is
missing).`,
	Fix: "Publish the metadata at the path-inserted URL for the issuer (/.well-known/oauth-authorization-server/<issuer path>), and serve /authorize, /token and /register at the MCP origin's root, forwarding to the real authorization server.",
	Run: func(a *Attempt) *Finding {
		if !a.AnyOK(RolePRM) || a.AnyOK(RoleToken) || a.Outcome == OutcomeConnected {
			return nil
		}
		var pathAware404, rootOK []*Ev
		for _, e := range a.ByRole(RoleASMeta) {
			switch {
			case isRootASMeta(e) && e.OK():
				rootOK = append(rootOK, e)
			case !isRootASMeta(e) && (e.Status == 404 || e.Status == 410):
				pathAware404 = append(pathAware404, e)
			}
		}
		var fallback []*Ev
		for _, e := range append(append(a.ByRole(RoleRegister), a.ByRole(RoleAuthorize)...), a.ByRole(RoleToken)...) {
			if atOriginRoot(e) && (e.Status == 404 || e.Status == 405 || e.Status == 410) {
				fallback = append(fallback, e)
			}
		}
		engine.SortByTime(fallback)
		anyAS := a.AnyOK(RoleASMeta)
		switch {
		case len(pathAware404) > 0 && !anyAS && len(fallback) > 0:
			return found(High, fmt.Sprintf("The authorization-server metadata was only looked for at a path-aware URL, which 404ed (%s); the connector then used default endpoints on the MCP origin, which do not exist (%s).", engine.Describe(firstN(pathAware404, 2)), engine.Describe(firstN(fallback, 2))), append(firstN(pathAware404, 2), firstN(fallback, 2)...)...)
		case len(pathAware404) > 0 && !anyAS:
			return found(Medium, fmt.Sprintf("The protected-resource metadata was found, but the authorization-server metadata was only looked for at a path-aware URL, which 404ed (%s), and the flow stopped.", engine.Describe(firstN(pathAware404, 2))), firstN(pathAware404, 2)...)
		case !a.Has(RoleASMeta) && len(fallback) > 0:
			return found(Medium, fmt.Sprintf("The protected-resource metadata was found, no authorization-server metadata was fetched here, and the connector used default endpoints on this origin that do not exist (%s): the authorization server's own discovery failed.", engine.Describe(firstN(fallback, 2))), firstN(fallback, 2)...).WithNext(
				"Fetch https://<authorization server>/.well-known/oauth-authorization-server/<issuer path> yourself: a 404 there, with the document only at another URL, decides it.")
		case len(rootOK) > 0:
			for _, e := range fallback {
				if e.Role == RoleAuthorize {
					return found(Medium, fmt.Sprintf("The authorization-server metadata was served (%s), yet the browser was sent to %s, which the metadata does not advertise.", req(rootOK[0]), req(e)), rootOK[0], e).WithNext(
						"Compare authorization_endpoint in your metadata with the URL the browser opened: if they differ, the connector ignored the advertised endpoint.")
				}
			}
		}
		return nil
	},
}
