package rules

import "fmt"

var CallbackSessionLost = &Rule{
	ID:      "callback_session_lost",
	Title:   "the user's browser lost Claude's session at the callback",
	Symptom: "the callback is delivered but no token exchange follows",
	Stage:   StageToken,
	Side:    SideBrowser,
	Doc: `The authorization server redirected the browser to Claude's callback
with a code and state (302 or 303), but claude.ai could not match the
callback to the pending flow because the browser blocked its cookies or a
content blocker interfered, so no token exchange was attempted. It
reproduces only in that browser profile.`,
	Fix: "Retry in a browser profile that allows claude.ai's cookies, with blockers off for claude.ai.",
	Run: func(a *Attempt) *Finding {
		redirect := callbackRedirect(a)
		if redirect == nil || a.Has(RoleToken) || a.Outcome == OutcomeConnected || refetchAfterCallback(a, redirect) {
			return nil // the backend went on after the callback: claude.ai had the session
		}
		return found(Medium, fmt.Sprintf("The callback redirect%s was followed by nothing; a browser that blocks claude.ai's cookies ends the flow there.", at(redirect.Time)), redirect).WithNext(callbackNext)
	},
}
