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
		if len(bad) > 0 {
			return found(High, fmt.Sprintf("%s: 421 Misdirected Request is what the MCP SDKs' DNS-rebinding protection answers for a Host it was not told about.", req(bad[0])), firstN(bad, 3)...)
		}
		// The TypeScript and Go SDKs answer 403 instead. A 403 to the
		// unauthenticated probe from the server itself (not an edge), with
		// no discovery after it, is that or an access rule at the origin.
		probes := a.ByRole(RoleProbe)
		if len(probes) == 0 || probes[0].Status != 403 || probes[0].EdgeBlocked || a.Has(RolePRM) || a.Has(RoleASMeta) {
			return nil
		}
		return found(Medium, fmt.Sprintf("%s, and no discovery followed: the MCP SDKs' DNS-rebinding protection (TypeScript, Go) refuses a Host it was not told about with 403.", req(probes[0])), probes[0]).WithNext(
			"curl -si -X POST -H 'Content-Type: application/json' -d '{}' https://<host>" + probes[0].Path + " — a body naming the Host (\"Invalid Host\", \"invalid Host header\") decides it.")
	},
}
