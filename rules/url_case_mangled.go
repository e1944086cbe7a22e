package rules

import (
	"fmt"
	"strings"
)

var URLCaseMangled = &Rule{
	ID:      "url_case_mangled",
	Title:   "the connector changed the case of the URL's path",
	Symptom: "the connector requests a re-cased URL path and gets 404",
	Stage:   StageProbe,
	Side:    SideConnector,
	Doc: `The connector has been seen to re-case the saved URL: title case
(/api/mcp becomes /Api/mcp), acronym segments upper-cased (/mcp becomes
/MCP), query keys re-cased (apikey becomes apiKey). A case-sensitive router
answers 404. It can hit the probe or, because the OAuth legs use URLs from
the metadata, only the authenticated request after a successful token
exchange.

Decisive when the connector URL is given (--server): a request for a case
variant of its path. Without it, a failing request whose path differs only
in case from one the server answers is strong evidence.`,
	Fix: "Route the MCP path case-insensitively (and accept both forms in the resource comparison) until the connector is fixed; add your ofid to the tracking issue.",
	Run: func(a *Attempt) *Finding {
		if a.Outcome == OutcomeConnected {
			return nil
		}
		endpoint := append(a.ByRole(RoleProbe), a.ByRole(RoleMCP)...)
		if a.URL != nil && a.URL.Path != "" && a.URL.Path != "/" {
			want := strings.TrimSuffix(a.URL.Path, "/")
			for _, e := range endpoint {
				got := strings.TrimSuffix(e.Path, "/")
				if got != want && strings.EqualFold(got, want) {
					return found(High, fmt.Sprintf("The connector URL's path is %s but the connector requested %s (%s).", a.URL.Path, e.Path, req(e)), e)
				}
			}
			return nil
		}
		// Without the URL: a failing path that matches, but for case, a path
		// the server does answer (or the path named in a PRM fetch).
		known := map[string]bool{}
		for _, e := range endpoint {
			if e.OK() || e.Status == 401 {
				known[strings.TrimSuffix(e.Path, "/")] = true
			}
		}
		for _, e := range a.ByRole(RolePRM) {
			if suffix := strings.TrimPrefix(e.Path, "/.well-known/oauth-protected-resource"); suffix != "" && suffix != e.Path {
				known[strings.TrimSuffix(suffix, "/")] = true
			}
		}
		for _, e := range endpoint {
			if e.OK() || e.Status == 401 || e.Redirect() {
				continue
			}
			got := strings.TrimSuffix(e.Path, "/")
			for k := range known {
				if k != got && strings.EqualFold(k, got) {
					return found(High, fmt.Sprintf("%s, while the same path in another case, %s, is served: the connector re-cased the URL.", req(e), k), e)
				}
			}
			if e.Status == 404 && hasUpperSegment(got) {
				return found(Low, fmt.Sprintf("%s: the path has upper-case letters, and the connector has been seen to re-case URL paths.", req(e)), e).WithNext(
					"Compare with the URL typed into Claude (pass it with --server): a difference only in case decides it.")
			}
		}
		return nil
	},
}

func hasUpperSegment(p string) bool { return strings.ToLower(p) != p }
