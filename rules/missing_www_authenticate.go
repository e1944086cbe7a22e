package rules

import (
	"fmt"
	"strings"

	"github.com/mcptriage/mcptriage/parse"
	"github.com/mcptriage/mcptriage/rules/engine"
)

var MissingWWWAuthenticate = &Rule{
	ID:      "missing_www_authenticate",
	Title:   "the 401 to the probe has no usable WWW-Authenticate challenge",
	Symptom: "401 to the probe and no OAuth discovery follows",
	Stage:   StageProbe,
	Side:    SideServer,
	Doc: `An OAuth-protected MCP server must answer the unauthenticated initialize
with 401 and WWW-Authenticate: Bearer resource_metadata="<absolute https
URL of its protected-resource metadata>". Without the header (or without
resource_metadata in it) the connector has nothing to follow: either no
discovery request comes at all, or only root-level guesses that 404.

A combined access log cannot show response headers; the sign is a 401 to
the probe followed by no discovery request. Logging
$sent_http_www_authenticate settles it. Look-alikes:
resource_metadata_invalid (the header is there but its URL is unusable),
prm_not_found (the URL is right, the document behind it is missing).`,
	Fix: "Answer the unauthenticated initialize with 401 and WWW-Authenticate: Bearer resource_metadata=\"https://<host>/.well-known/oauth-protected-resource/<path>\".",
	Run: func(a *Attempt) *Finding {
		// A 200 to the probe from a server that publishes metadata: if it
		// uses OAuth, it lets the unauthenticated initialize through, and
		// the connector does not act on a challenge attached to a 200.
		if p, prm := a.FirstNonHead(RoleProbe), metadataDocument(a); p != nil && p.OK() && looksLikeMCPAnswer(p) && prm != nil && stalledAt(a, StageToken) && !a.Has(RoleMCP) {
			f := found(Medium, fmt.Sprintf("%s without a challenge although the server publishes protected-resource metadata (%s): if it uses OAuth, the connector was never told to sign in.", req(p), req(prm)), p, prm).WithNext(authlessOrChallengeNext)
			if !a.AnyOK(RoleRegister) {
				f.WithNotCompleted(StageDiscovery) // what was found led nowhere, as authless_discovery_not_404 says too
			}
			return f
		}
		var p *Ev
		for _, e := range a.ByRole(RoleProbe) {
			if e.Status == 401 {
				p = e
				break
			}
		}
		if p == nil || !stalledAt(a, StageDiscovery) || a.AnyOK(RolePRM) {
			return nil
		}
		for _, e := range a.ByRole(RoleProbe) {
			if engine.IsClaudeUserUA(e.UserAgent) && (e.Status == 403 || e.Status == 444) {
				return nil // a block by user agent stopped it: edge_blocks_claude_user
			}
		}
		switch {
		case p.HasWWWAuth == parse.Absent:
			return found(High, fmt.Sprintf("%s carried no WWW-Authenticate header, so the connector had no metadata URL to follow.", req(p)), p).WithNotCompleted(StageProbe)
		case p.HasWWWAuth == parse.Present && !strings.Contains(strings.ToLower(p.WWWAuthenticate), "resource_metadata"):
			return found(High, fmt.Sprintf("%s: its WWW-Authenticate (%s) has no resource_metadata parameter.", req(p), p.WWWAuthenticate), p).WithNotCompleted(StageProbe)
		case p.HasWWWAuth == parse.Present:
			return nil // resource_metadata_invalid judges the URL
		}
		after := a.BackendAfter(p)
		for _, e := range after {
			if e.Role == RolePRM || e.Role == RoleASMeta || e.Role == RoleRegister {
				return nil
			}
		}
		summary := fmt.Sprintf("%s and no discovery request followed: the connector found no resource_metadata to fetch.", req(p))
		if n := len(a.ByRole(RoleProbe)); n > 1 {
			summary = fmt.Sprintf("The probe was answered 401 %d times (first %s) and no discovery request followed: the connector found no resource_metadata to fetch.", n, req(p))
		}
		// A 401 the connector could not follow is a probe that did not
		// complete (the catalogue's 1/0).
		return found(Medium, summary, firstN(a.ByRole(RoleProbe), 3)...).WithNotCompleted(StageProbe).WithNext(
			"Look at the 401's headers: curl -si -X POST -H 'Content-Type: application/json' -d '{}' <URL> | grep -i www-authenticate — or log $sent_http_www_authenticate in nginx. A missing header decides it; a header with a relative or http:// URL means resource_metadata_invalid.")
	},
}
