package rules

import "fmt"

var SessionNotSticky = &Rule{
	ID:      "session_not_sticky",
	Title:   "MCP requests lose their session after connecting",
	Symptom: "the MCP session is lost after connecting",
	Stage:   StageMCP,
	Side:    SideServer,
	Doc: `The connection succeeds, then later MCP requests get 400 or 404 ("session
not found", "Session terminated"): the Mcp-Session-Id belongs to another
instance behind a load balancer without affinity, or to a process that has
restarted. Tools list but calls fail.`,
	Fix: "Run Streamable HTTP statelessly or keep sessions in shared storage; answer unknown session IDs with 404 so the client initialises again.",
	Run: func(a *Attempt) *Finding {
		var ok *Ev
		for _, e := range a.ByRole(RoleMCP) {
			if e.OK() && ok == nil {
				ok = e
				continue
			}
			if ok != nil && (e.Status == 400 || e.Status == 404) {
				conf := Medium
				if !connectorsOwn(ok) || !connectorsOwn(e) {
					// A log that shows neither address nor user agent (morgan's
					// "dev" format) among other MCP clients: either request
					// may be another client's, whose session was its own.
					conf = Low
				}
				return found(conf, fmt.Sprintf("MCP requests worked (%s) and later failed with %d (%s): the session the connector holds is unknown to the instance that answered.", req(ok), e.Status, req(e)), ok, e)
			}
		}
		return nil
	},
}

// connectorsOwn: the request is the connector's by its sender, not by its
// place among the attempt's requests: from Anthropic's range, or with
// Claude-User.
func connectorsOwn(e *Ev) bool {
	return e.Confirmed || e.FromClaudeUser()
}
