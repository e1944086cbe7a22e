package rules

import (
	"fmt"
	"strings"

	"github.com/mcptriage/mcptriage/rules/engine"
)

var AuthlessHandshakeAbandoned = &Rule{
	ID:      "authless_handshake_abandoned",
	Title:   "the connector gave up on an authless server after discovery",
	Symptom: "authless server (initialize 200, discovery 404) abandoned after discovery",
	Stage:   StageDiscovery,
	Side:    SideConnector,
	Doc: `An authless server answers the unauthenticated initialize with 200 and
returns a clean 404 to every OAuth discovery probe (both protected-resource
forms, the authorization-server metadata, the fallback /register), which is
how a server says it needs no authorization. The connector then sends
nothing more: no notifications/initialized, no tools/list. The server did
its part; the tracker has many reports of this.

A server that answers the probe 406 (it did not accept the request's
Accept header) and 404s discovery ends the same way.

Look-alike: authless_discovery_not_404, where one of the probes answered
something other than 404 and pushed the connector into OAuth.`,
	Fix: "Nothing is wrong on the server if every discovery path is a clean 404 and initialize is fast; file an issue with the ofid. Some work around it with a minimal OAuth implementation.",
	Run: func(a *Attempt) *Finding {
		p := a.FirstNonHead(RoleProbe)
		if p == nil || a.Outcome == OutcomeConnected || a.Has(RoleMCP) || a.Has(RoleToken) || a.Has(RoleAuthorize) {
			return nil
		}
		if !p.OK() && p.Status != 406 || !looksLikeMCPAnswer(p) {
			return nil
		}
		disc := append(append(a.ByRole(RolePRM), a.ByRole(RoleASMeta)...), a.ByRole(RoleRegister)...)
		engine.SortByTime(disc)
		for _, d := range disc {
			if d.Status != 404 && d.Status != 410 {
				return nil // authless_discovery_not_404
			}
		}
		if p.Status == 406 {
			if len(disc) == 0 {
				return nil
			}
			return found(Medium, fmt.Sprintf("%s (the server refused the request's Accept header), then every discovery probe got 404 (%s) and the connector stopped.", req(p), engine.Describe(firstN(disc, 4))), append([]*Ev{p}, firstN(disc, 4)...)...).WithNext(
				"Make the server answer the connector's initialize with 200: it sends Accept: application/json, text/event-stream.")
		}
		if len(disc) == 0 {
			return found(Medium, fmt.Sprintf("%s (an authless server) and the connector sent nothing more: no discovery, no tools/list.", req(p)), p)
		}
		return found(High, fmt.Sprintf("%s (an authless server), every discovery probe got a clean 404 (%s), and the connector sent nothing more: no notifications/initialized, no tools/list.", req(p), engine.Describe(firstN(disc, 4))), append([]*Ev{p}, firstN(disc, 4)...)...)
	},
}

// looksLikeMCPAnswer: a 200 to the probe can be an MCP server's answer:
// not an HTML page, not a page-sized body, not at a path that names a
// page of a site (those are wrong_connector_url).
func looksLikeMCPAnswer(p *Ev) bool {
	switch {
	case strings.Contains(strings.ToLower(p.ContentType), "html"):
		return false
	case p.Bytes > 16<<10:
		return false
	case p.Path == "/" || looksLikePage(p.Path):
		return false
	}
	return true
}
