package rules

import (
	"fmt"
	"strings"
)

var TokenResponseInvalid = &Rule{
	ID:      "token_response_invalid",
	Title:   "the token response is not a standard OAuth JSON token",
	Symptom: "the token endpoint returns a non-JSON response",
	Stage:   StageToken,
	Side:    SideServer,
	Doc: `The token endpoint answers 200 but not with RFC 6749 JSON: an HTML page,
plain text, a body without access_token or token_type, or JSON with the
wrong content type. The connector stores no token and the next step never
happens. Visible in an access log only through the content type (when
logged) or a body too small to hold a token.`,
	Fix: "Return JSON with access_token, token_type \"Bearer\", expires_in and refresh_token, Content-Type application/json and Cache-Control no-store, errors included.",
	Run: func(a *Attempt) *Finding {
		tok := a.TokenOK()
		if tok == nil || a.Outcome == OutcomeConnected || len(a.MCPAfter(tok)) > 0 {
			return nil
		}
		if ct := strings.ToLower(tok.ContentType); ct != "" && !strings.Contains(ct, "json") {
			return found(High, fmt.Sprintf("%s with Content-Type %s: a token response must be JSON.", req(tok), tok.ContentType), tok).WithNotCompleted(StageToken)
		}
		if tok.Bytes >= 0 && tok.Bytes < 40 {
			return found(Low, fmt.Sprintf("%s with a %d-byte body, too small for an access token.", req(tok), tok.Bytes), tok)
		}
		return nil
	},
}
