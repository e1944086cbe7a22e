package rules

import (
	"fmt"

	"github.com/mcptriage/mcptriage/rules/engine"
)

var InitializeSlow = &Rule{
	ID:      "initialize_slow",
	Title:   "the first authenticated MCP request is too slow",
	Symptom: "the authenticated initialize takes more than 10 s",
	Stage:   StageMCP,
	Side:    SideServer,
	Doc: `The connector gives the verifying initialize a 10-second read deadline
(and tools/list less). A cold start or heavy setup in the handler makes it
time out: nginx shows a 200 with a large $request_time, or a 499 when the
connector hung up. The connector may show "connected" with no tools, or
"Authorization … failed".`,
	Fix: "Keep initialize and tools/list fast: a warm instance, heavy work deferred to the first tool call.",
	Run: func(a *Attempt) *Finding {
		for _, e := range a.ByRole(RoleMCP) {
			if e.OK() && !engine.TooSlow(e) {
				break // connected: a slow request after that is a tool's, not initialize's
			}
			if !engine.TooSlow(e) {
				continue
			}
			took := "before the answer"
			if e.HasDuration {
				took = "after " + seconds(e.Duration)
			}
			if a.Outcome == OutcomeConnected {
				// The connector retried and got through: the session exists,
				// but what Claude shows after a timed-out initialize varies.
				return found(Medium, fmt.Sprintf("%s: the connector's first authenticated request was answered %s, past its 10-second deadline; a retry got through. If Claude shows no tools or an error for this attempt, this is why.", req(e), took), e)
			}
			return found(High, fmt.Sprintf("%s: the connector's first authenticated request was answered %s; it stops waiting at about 10 s.", req(e), took), e)
		}
		return nil
	},
}
