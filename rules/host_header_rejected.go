package rules

import "fmt"

var HostHeaderRejected = &Rule{
	ID:      "host_header_rejected",
	Title:   "the MCP server rejects the Host header of its public name",
	Symptom: "the MCP endpoint rejects the Host header (421)",
	Stage:   StageProbe,
	Side:    SideServer,
	Doc: `The MCP SDKs' DNS-rebinding protection only accepts the Host (and Origin)
values it was configured with, often localhost. Behind a proxy or on a
custom domain the connector's probe is answered 421 "Invalid Host header"
(or 403 "Invalid Origin"), so there is no 401 challenge and discovery
never starts.`,
	Fix: "Add the public hostname to the SDK's allowed hosts (or turn rebinding protection off where a proxy already validates Host), and accept requests without an Origin header.",
	Run: func(a *Attempt) *Finding {
		if a.Outcome == OutcomeConnected {
			return nil
		}
		bad := withStatus(append(a.ByRole(RoleProbe), a.ByRole(RoleMCP)...), 421)
		if len(bad) == 0 {
			return nil
		}
		return found(High, fmt.Sprintf("%s: 421 Misdirected Request is what the MCP SDKs' DNS-rebinding protection answers for a Host it was not told about.", req(bad[0])), firstN(bad, 3)...)
	},
}
