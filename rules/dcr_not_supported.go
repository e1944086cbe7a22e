package rules

import "fmt"

var DCRNotSupported = &Rule{
	ID:      "dcr_not_supported",
	Title:   "the authorization server offers no way for Claude to get a client",
	Symptom: "no registration endpoint, and Claude asks for a client ID",
	Stage:   StageRegistration,
	Side:    SideIdP,
	Doc: `The authorization-server metadata has no registration_endpoint and does
not qualify for a client ID metadata document, and the connector has no
pre-registered client ID: Claude shows "Automatic client registration isn't
supported… add an OAuth Client ID". Entra ID, Google and many enterprise
identity providers behave this way. In the logs, discovery succeeds and
nothing follows.`,
	Fix: "Register a client at the identity provider with the redirect URIs https://claude.ai/api/mcp/auth_callback and https://claude.com/api/mcp/auth_callback and enter its client ID (and secret) in the connector's advanced settings; or add dynamic client registration.",
	Run: func(a *Attempt) *Finding {
		as := stalledAtASMeta(a)
		if as == nil {
			return nil
		}
		if claudeSaid(a, "automatic client registration isn't supported") {
			return found(High, fmt.Sprintf("Discovery ended with %s, no registration request followed, and Claude said automatic client registration is not supported: the metadata offers neither a registration endpoint nor a client ID metadata document Claude will use.", req(as)), as)
		}
		conf, _ := discoveryStallConfidence(a, metadataDocument(a))
		return found(conf, fmt.Sprintf("Discovery ended with %s and no registration request followed; if the metadata has no registration_endpoint, Claude needs a client ID entered by hand.", req(as)), as).WithNext(discoveryStallNext)
	},
}
