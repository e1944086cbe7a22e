package rules

import "fmt"

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
			case t.Status == 499:
				took := ""
				if t.HasDuration {
					took = " after " + seconds(t.Duration)
				}
				return found(High, fmt.Sprintf("%s: 499 is nginx's record of a client that gave up%s waiting for the answer.", req(t), took), t)
			case t.HasDuration && tooSlow(t):
				return found(High, fmt.Sprintf("%s took %s; the connector stops waiting after about 10 s.", req(t), seconds(t.Duration)), t)
			case t.Status == 504:
				return found(Medium, fmt.Sprintf("%s: the gateway timed out waiting for the token handler.", req(t)), t)
			}
		}
		return nil
	},
}
