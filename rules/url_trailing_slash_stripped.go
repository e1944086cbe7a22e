package rules

import (
	"fmt"
	"strings"
)

var URLTrailingSlashStripped = &Rule{
	ID:      "url_trailing_slash_stripped",
	Title:   "the connector dropped the URL's trailing slash",
	Symptom: "the URL's trailing slash is dropped and the endpoint answers 404",
	Stage:   StageProbe,
	Side:    SideConnector,
	Doc: `The URL typed into Claude ended in a slash (https://host/mcp/) but the
connector requested the path without it; a server that only serves the
slashed path answers 404 or redirects (and the connector does not follow
redirects). It needs the typed URL (--server) to tell it from a user who
typed the slash-less form.`,
	Fix: "Serve both /mcp and /mcp/ without redirecting.",
	Run: func(a *Attempt) *Finding {
		if a.URL == nil || !strings.HasSuffix(a.URL.Path, "/") || a.URL.Path == "/" || a.Outcome == OutcomeConnected {
			return nil
		}
		want := strings.TrimSuffix(a.URL.Path, "/")
		for _, e := range append(a.ByRole(RoleProbe), a.ByRole(RoleMCP)...) {
			if e.Path == want && !e.OK() && e.Status != 401 {
				return found(High, fmt.Sprintf("The connector URL ends in a slash (%s) but the connector requested %s: %s.", a.URL.Path, e.Path, req(e)), e)
			}
		}
		return nil
	},
}
