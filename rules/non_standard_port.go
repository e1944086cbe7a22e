package rules

import "fmt"

var NonStandardPort = &Rule{
	ID:      "non_standard_port",
	Title:   "the connector URL uses a port other than 443",
	Symptom: "a server on a port other than 443 is never contacted",
	Stage:   StageReach,
	Side:    SideInfra,
	Doc: `Claude's backend connects to MCP servers on port 443 only. A URL such as
https://mcp.example.com:8443/mcp gets no backend request at all, while the
user's browser may still reach the odd port during authorization, which
makes the failure look like a discovery or token problem. No error names
the port.`,
	Fix: "Serve the MCP endpoint and the OAuth endpoints on 443, through a reverse proxy or a tunnel, and re-add the connector with the new URL.",
	Check: func(r *Run) *Finding {
		u := r.URL
		if u == nil {
			return nil
		}
		port := u.Port
		if port == "" && u.Scheme == "http" {
			port = "80"
		}
		if port == "" || port == "443" {
			return nil
		}
		return found(High, fmt.Sprintf("The connector URL %s uses port %s; Claude's backend only connects to port 443, so it never reaches this server.", u.Raw, port))
	},
}
