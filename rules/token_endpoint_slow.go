package rules

import (
	"fmt"
	"strings"

	"github.com/mcptriage/mcptriage/rules/engine"
)

var TokenEndpointSlow = &Rule{
	ID:      "token_endpoint_slow",
	Title:   "the token endpoint answers too slowly",
	Symptom: "the token endpoint takes more than 10 s and the connector gives up",
	Stage:   StageToken,
	Side:    SideServer,
	Doc: `The connector's OAuth broker waits about ten seconds for the token
response, then gives up and stores no token. nginx logs a client that gave
up as status 499, with $request_time near the wait; a slow 200 is just as
lost. Typical causes: proxying to a slow identity provider, cold starts,
synchronous user provisioning.

Look-alike: initialize_slow (the same deadline on the first authenticated
MCP request).`,
	Fix: "Keep the token endpoint well under 10 s: warm instances, move provisioning out of the request, cache upstream metadata and keys.",
	Run: func(a *Attempt) *Finding {
		for _, t := range tokenFailures(a) {
			switch {
			case t.Status == 499 || t.ClientGone:
				took := ""
				if t.HasDuration {
					took = " after " + seconds(t.Duration)
				}
				how := "499 is nginx's record of a client that gave up"
				if t.Status != 499 {
					how = "the log records that the client went away"
				}
				return found(High, fmt.Sprintf("%s: %s%s waiting for the answer.", req(t), how, took), t)
			case t.HasDuration && engine.TooSlow(t):
				return found(High, fmt.Sprintf("%s took %s; the connector stops waiting after about 10 s.", req(t), seconds(t.Duration)), t)
			case t.Status == 504:
				return found(Medium, fmt.Sprintf("%s: the gateway timed out waiting for the token handler.", req(t)), t)
			}
		}
		if re, format := unloggedTokenRequest(a); re != nil {
			return found(Medium, fmt.Sprintf("The connector fetched the authorization-server metadata again%s, as it does right before its token request, and no token request is logged. %s writes no line for a request whose client gave up waiting, so a token endpoint slower than the connector's 10 s leaves exactly this.", at(re.Time), format), re).WithNext(
				"Time the token endpoint (the same request with curl, or your application's own timing), or log requests when they start: a token request that runs past 10 s decides it.")
		}
		return nil
	},
}

// unloggedTokenRequest returns the authorization-server metadata fetch
// that followed the browser's return to Claude in a log that writes
// nothing for a request its client abandoned (uvicorn's access log), and
// that log's format, when no token request is logged after it: the
// token request was most likely sent and given up on. The fetch may be
// one event with the application's own record of it (merged); the
// uvicorn record among its views counts as much.
func unloggedTokenRequest(a *Attempt) (*Ev, string) {
	cb := callbackRedirect(a)
	if cb == nil || a.Has(RoleToken) {
		return nil, ""
	}
	for _, e := range a.After(cb) {
		if e.Role != RoleASMeta {
			continue
		}
		if dropsAbandoned(e.Format) {
			return e, e.Format
		}
		for _, v := range e.Views {
			if dropsAbandoned(v.Format) {
				return e, v.Format
			}
		}
	}
	return nil, ""
}

// refetchAfterCallback: the connector's backend fetched the authorization
// server's metadata after the browser's return, so claude.ai did receive
// the callback and went on to the token exchange.
func refetchAfterCallback(a *Attempt, cb *Ev) bool {
	for _, e := range a.After(cb) {
		if e.Role == RoleASMeta && !e.Browser {
			return true
		}
	}
	return false
}

// dropsAbandoned: the format writes no access line for a request whose
// client disconnected before the answer (nginx writes 499, Caddy status 0).
func dropsAbandoned(format string) bool {
	return strings.HasPrefix(format, "uvicorn") || strings.HasPrefix(format, "gunicorn")
}

// unlogged: the attempt has such a fetch (see unloggedTokenRequest).
func unlogged(a *Attempt) bool {
	e, _ := unloggedTokenRequest(a)
	return e != nil
}
