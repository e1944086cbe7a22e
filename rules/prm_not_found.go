package rules

import (
	"fmt"

	"github.com/mcptriage/mcptriage/rules/engine"
)

var PRMNotFound = &Rule{
	ID:      "prm_not_found",
	Title:   "no protected-resource metadata where the connector looks",
	Symptom: "no protected-resource metadata, and the connector falls back to origin-root endpoints",
	Stage:   StageDiscovery,
	Side:    SideServer,
	Doc: `After the 401, the connector fetches the RFC 9728 protected-resource
metadata: the URL in resource_metadata, the path-inserted form
(/.well-known/oauth-protected-resource/<mcp path>) and the root form. When
they all 404, it synthesises endpoints on the MCP origin: a POST /register
at the root, a browser sent to {origin}/authorize, both 404 or a web page.
Platforms that route only a subpath (serverless functions, add-on
proxies) and documents served only under the MCP path
(/mcp/.well-known/…) produce this.

Look-alikes: as_path_issuer_origin_fallback (the metadata is found, the
authorization server's is not); missing_www_authenticate (no pointer at
all).`,
	Fix: "Serve the document at /.well-known/oauth-protected-resource/<mcp path> and at the root, and point resource_metadata at it; as a stopgap, route /authorize, /token and /register at the origin root to the real endpoints.",
	Run: func(a *Attempt) *Finding {
		prms := a.ByRole(RolePRM)
		if len(prms) == 0 || a.Authless() || a.AnyOK(RoleToken) || a.Outcome == OutcomeConnected {
			return nil
		}
		var fallback []*Ev
		for _, e := range append(a.ByRole(RoleRegister), a.ByRole(RoleAuthorize)...) {
			if atOriginRoot(e) && !e.OK() && !e.Redirect() {
				fallback = append(fallback, e)
			}
		}
		if !a.AnyOK(RolePRM) {
			missing := withStatus(prms, 404, 410)
			if len(missing) == 0 {
				if broken := failing(prms); len(withStatus(broken, 500, 502, 503, 504)) > 0 {
					return found(Medium, fmt.Sprintf("The protected-resource metadata could not be fetched: %s.", engine.Describe(firstN(broken, 3))), firstN(broken, 3)...)
				}
				return nil
			}
			conf := High
			if p := a.Probe(); p != nil && len(withStatus(a.ByRole(RoleProbe), 401)) == 0 {
				return nil // the probe never asked for a token: its own answer is the break
			}
			summary := fmt.Sprintf("Every protected-resource metadata fetch failed (%s).", engine.Describe(firstN(prms, 3)))
			if len(fallback) > 0 {
				summary += fmt.Sprintf(" The connector then fell back to endpoints at the origin root, which do not exist: %s.", engine.Describe(firstN(fallback, 2)))
			}
			return found(conf, summary, append(firstN(prms, 3), firstN(fallback, 2)...)...)
		}
		// The path-inserted document answers but the root one 404s, and
		// the connector keeps re-fetching without moving on.
		var rootMissing []*Ev
		for _, e := range prms {
			if isRootPRM(e) && (e.Status == 404 || e.Status == 410) {
				rootMissing = append(rootMissing, e)
			}
		}
		if len(rootMissing) == 0 || a.Has(RoleRegister) || a.Has(RoleAuthorize) {
			return nil
		}
		return found(Medium, fmt.Sprintf("The path-inserted metadata answered, but the root document %s was not found (%d times) and the flow went no further.", rootMissing[0].Path, len(rootMissing)), firstN(rootMissing, 3)...).WithNext(
			"Serve the same document at the root /.well-known/oauth-protected-resource as well.")
	},
}
