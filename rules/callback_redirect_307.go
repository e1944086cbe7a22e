package rules

import (
	"fmt"
	"strings"
)

var CallbackRedirect307 = &Rule{
	ID:      "callback_redirect_307",
	Title:   "consent redirects to Claude's callback with 307 or 308",
	Symptom: "consent redirects with 307 and the browser POSTs to the callback",
	Stage:   StageAuthorization,
	Side:    SideServer,
	Doc: `The consent form (or a POST to /authorize) answers with 307 or 308 to
https://claude.ai/api/mcp/auth_callback. Those redirects keep the method,
so the browser POSTs to a callback that only accepts GET, and Claude shows
a bare JSON "Method Not Allowed". No token exchange follows. Next.js's
NextResponse.redirect() defaults to 307.`,
	Fix: "Answer the consent POST with 303 (or 302), so the browser GETs the callback.",
	Run: func(a *Attempt) *Finding {
		if a.AnyOK(RoleToken) {
			return nil
		}
		for _, e := range append(a.ByRole(RoleAuthorize), a.ByRole(RoleBrowser)...) {
			if e.Status != 307 && e.Status != 308 {
				continue
			}
			toClaude := strings.Contains(strings.ToLower(e.Location), "claude.ai/api/mcp/auth_callback") || strings.Contains(strings.ToLower(e.Location), "claude.com/api/mcp/auth_callback")
			if e.Method != "POST" && !toClaude {
				continue
			}
			return found(High, fmt.Sprintf("The browser's %s %s%s was answered %d: a method-preserving redirect, so the browser POSTs to Claude's callback, which only accepts GET. No token exchange followed.", e.Method, e.Path, at(e.Time), e.Status), e)
		}
		return nil
	},
}
