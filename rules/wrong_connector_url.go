package rules

import (
	"fmt"
	"strings"

	"github.com/mcptriage/mcptriage/rules/engine"
)

var WrongConnectorURL = &Rule{
	ID:      "wrong_connector_url",
	Title:   "the connector URL is not an MCP endpoint",
	Symptom: "the connector URL is not an MCP endpoint (404/405 to the probe)",
	Stage:   StageProbe,
	Side:    SideConfig,
	Doc: `The URL typed into Claude points at a web page, a bare domain or a path
that does not serve MCP. The connector's first request (POST of a
JSON-RPC initialize) gets a 404, a 405, or an HTML page; discovery at the
origin root finds nothing either, and the connector's last resort, a
registration at {origin}/register, fails too. The user sees "Couldn't
register…" or "Couldn't connect to the server", which point the wrong way.

Look-alikes: an authless MCP server answers the probe with JSON-RPC, not
HTML (authless_handshake_abandoned); a WAF that blocks only Anthropic's
addresses answers 403 to them but not to a browser (waf_blocks_backchannel).`,
	Fix: "Use the server's documented MCP endpoint, usually ending in /mcp; the URL cannot be edited, so remove the connector and add it again.",
	Check: func(r *Run) *Finding {
		u := r.URL
		if u == nil {
			return nil
		}
		switch {
		case u.Scheme != "https":
			return found(High, fmt.Sprintf("The connector URL %s does not use https; Claude only connects to https:// URLs.", u.Raw))
		case u.Path == "" || u.Path == "/":
			return found(Medium, fmt.Sprintf("The connector URL %s has no path: MCP servers usually serve at a path such as /mcp, and a bare origin is most often a web site.", u.Raw))
		case looksLikePage(u.Path):
			return found(Medium, fmt.Sprintf("The connector URL's path %s looks like a web page, not an MCP endpoint.", u.Path))
		}
		return nil
	},
	Run: func(a *Attempt) *Finding {
		probes := a.ByRole(RoleProbe)
		if len(probes) == 0 || a.Has(RoleAuthorize) || a.Has(RoleToken) {
			return nil
		}
		first := probes[0]
		if a.URL != nil && first.Path != a.URL.Path && engine.SamePathFold(first.Path, a.URL.Path) {
			return nil // the connector changed the typed path: url_case_mangled, url_trailing_slash_stripped
		}
		// The site's root or a page was given: the connector may still find
		// metadata at the origin's root (for the real endpoint) and stop
		// there, since it names another resource.
		atSite := first.Path == "/" || looksLikePage(first.Path)
		if !stalledAt(a, StageDiscovery) && !(atSite && !first.OK() && stalledAt(a, StageRegistration)) {
			return nil
		}
		bad := withStatus(probes, 404, 405, 410, 400, 501)
		page := first.OK() && (first.Path == "/" || looksLikePage(first.Path)) && !a.AnyOK(RolePRM)
		if len(bad) == 0 && !page {
			return nil
		}
		if a.Stages[StageProbe].Status == StatusOK && !page {
			return nil // another probe was answered properly
		}
		conf := Medium
		if first.Path == "/" || first.Status == 405 {
			conf = High
		}
		ev := append([]*Ev{first}, firstN(failing(a.ByRole(RoleRegister)), 1)...)
		var what string
		if page {
			what = fmt.Sprintf("was answered %d, but %s looks like a web page rather than an MCP endpoint", first.Status, first.Path)
		} else {
			what = fmt.Sprintf("was answered %d: nothing at %s handles MCP", bad[0].Status, bad[0].Path)
			first = bad[0]
			ev = append(ev, first)
		}
		summary := fmt.Sprintf("The connector's first request, %s %s%s, %s.", first.Method, first.Path, at(first.Time), what)
		if disc := append(a.ByRole(RolePRM), a.ByRole(RoleASMeta)...); len(disc) > 0 && !a.AnyOK(RolePRM) {
			summary += fmt.Sprintf(" OAuth discovery found nothing either (%s).", engine.Describe(firstN(disc, 3)))
			ev = append(ev, firstN(disc, 2)...)
		}
		f := found(conf, summary, ev...)
		if atSite && a.AnyOK(RolePRM) {
			// The root's metadata describes the real endpoint, not the
			// site the URL names: discovery found nothing for it.
			f.WithNotCompleted(StageDiscovery)
		}
		return f.WithNext("Request the URL the way the connector does: curl -i -X POST -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"probe\",\"version\":\"1\"}}}' <URL> — an MCP endpoint answers 401 with WWW-Authenticate, or a JSON-RPC result.")
	},
}

// looksLikePage: a path that names a page of a web site.
func looksLikePage(p string) bool {
	lp := strings.ToLower(p)
	for _, ext := range []string{".html", ".htm", ".php", ".aspx", ".jsp"} {
		if strings.HasSuffix(lp, ext) {
			return true
		}
	}
	for _, seg := range strings.Split(lp, "/") {
		switch seg {
		case "login", "dashboard", "docs", "settings", "admin", "home", "index", "app", "signin", "account", "console", "portal", "ui", "web":
			return true
		}
	}
	return false
}
