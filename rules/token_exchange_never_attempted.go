package rules

import (
	"fmt"
	"strings"

	"github.com/mcptriage/mcptriage/parse"
)

var TokenExchangeNeverAttempted = &Rule{
	ID:      "token_exchange_never_attempted",
	Title:   "the browser returned to Claude and no token exchange followed",
	Symptom: "the code is delivered to the callback but POST /token is never called",
	Stage:   StageToken,
	Side:    SideConnector,
	Doc: `The user consented and the authorization server redirected the browser
to Claude's callback with a code, and the connector never POSTed to the
token endpoint. Before concluding it is the connector: the token endpoint
advertised in the metadata may be on another host or path (its logs hold
the call), the redirect may have been a 307 (callback_redirect_307), or
the user's browser may have lost claude.ai's session on the way back
(callback_session_lost).`,
	Fix: "Rule out a token endpoint on another host and a browser that blocks claude.ai cookies; then file an issue with the ofid and the callback's time.",
	Run: func(a *Attempt) *Finding {
		redirect := callbackRedirect(a)
		if redirect == nil || a.Has(RoleToken) || a.Outcome == OutcomeConnected || unlogged(a) {
			return nil
		}
		return found(Medium, fmt.Sprintf("The browser was sent back to Claude%s (%s), and no token request reached this server afterwards.", at(redirect.Time), req(redirect)), redirect).WithNext(callbackNext)
	},
}

// callbackRedirect is the step that sent the user back to Claude: the
// last 302/303 of the browser leg, or what the app says it did.
// callbackNext decides between a connector that never exchanged the code
// and a browser that lost claude.ai's session on the way back.
const callbackNext = "Check token_endpoint in your authorization-server metadata: if it is another host or path, its log holds the exchange. Then retry in a private window with extensions off: if that connects, the browser lost claude.ai's session (callback_session_lost); if not, file with the ofid and the callback's time."

// callbackRedirect returns the browser's last redirect back to Claude
// with a code: a 302 or 303 from the authorization or its consent step,
// not one that carries an error.
func callbackRedirect(a *Attempt) *Ev {
	if a.Stages[StageAuthorization].Status != StatusOK {
		return nil
	}
	var last *Ev
	for _, e := range a.Events {
		switch {
		case (e.Role == RoleAuthorize || e.Role == RoleBrowser) && (e.Status == 302 || e.Status == 303) && !strings.Contains(strings.ToLower(e.Location), "error="):
			last = e
		case e.Signals.Has(parse.SigCallbackRedirect) && e.Status != 307 && e.Status != 308:
			last = e
		}
	}
	return last
}
