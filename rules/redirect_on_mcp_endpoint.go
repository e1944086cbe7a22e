package rules

import (
	"fmt"
	"strings"
)

var RedirectOnMCPEndpoint = &Rule{
	ID:      "redirect_on_mcp_endpoint",
	Title:   "the MCP endpoint answers with a redirect",
	Symptom: "the MCP endpoint answers with a redirect and the connector stops",
	Stage:   StageProbe,
	Side:    SideServer,
	Doc: `The connector's request to the MCP endpoint is answered 301, 302, 307 or
308: a framework adding or removing a trailing slash (Starlette's
redirect_slashes, Django's APPEND_SLASH), an apex-to-www rule, an http to
https upgrade in the wrong direction. The connector does not follow
redirects on the MCP endpoint, and a redirect to another origin would drop
the Authorization header anyway. It shows at the probe (stage 1) or, after
a successful token exchange, on the authenticated request (stage 6).

Look-alike: url_trailing_slash_stripped, where the URL typed into Claude
ended in a slash and the connector removed it.`,
	Fix: "Register the exact URL the server serves, and never redirect the MCP path or /.well-known/*: serve both /mcp and /mcp/, disable slash redirects and host canonicalisation for these paths.",
	Run: func(a *Attempt) *Finding {
		if a.Outcome == OutcomeConnected {
			return nil
		}
		var redirected []*Ev
		for _, e := range a.Events {
			if (e.Role == RoleProbe || e.Role == RoleMCP) && e.Redirect() && e.Status != 304 {
				redirected = append(redirected, e)
			}
		}
		if len(redirected) == 0 {
			return nil
		}
		e := redirected[0]
		when := "the unauthenticated probe"
		if e.Role == RoleMCP {
			when = "the authenticated request after the token exchange"
		}
		summary := fmt.Sprintf("%s %s%s, %s, was answered %d: a redirect the connector does not follow.", e.Method, e.Path, at(e.Time), when, e.Status)
		if e.Location != "" {
			summary += fmt.Sprintf(" It pointed to %s.", e.Location)
			if strings.HasPrefix(e.Location, "http://") {
				summary += " That is a plain http:// URL."
			}
		} else if !strings.HasSuffix(e.Path, "/") {
			summary += fmt.Sprintf(" Most often the target is the same path with a trailing slash (%s/).", e.Path)
		}
		return found(High, summary, firstN(redirected, 3)...)
	},
}
