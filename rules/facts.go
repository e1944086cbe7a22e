package rules

import "strings"

// Facts an analysed attempt shows about the server's set-up, for the
// outputs that ask for them (the tracker's form asks for the client
// registration type and the transport). They are read here, from the
// attempt's roles, stages and findings, so that no renderer re-derives
// them from paths or mode names.

// Registration is how the connector got its OAuth client, in the
// tracker form's terms.
type Registration string

const (
	RegistrationUnknown Registration = ""
	// RegistrationNone: the server asked for no authorization.
	RegistrationNone   Registration = "none"
	RegistrationDCR    Registration = "dcr"
	RegistrationStatic Registration = "static"
	RegistrationOIDC   Registration = "oidc"
)

// Transport is the MCP transport the server offered the connector.
type Transport string

const (
	TransportUnknown        Transport = ""
	TransportStreamableHTTP Transport = "streamable-http"
	TransportSSE            Transport = "sse"
)

// RegistrationOf says how the attempt's client was registered: DCR when
// the connector registered, OIDC when it read an OpenID configuration,
// static when it went straight to authorization, none when the server
// asked for no authorization; unknown when the attempt got no further.
func RegistrationOf(a *Attempt) Registration {
	if a.Stages[StageDiscovery].Status == StatusSkipped {
		return RegistrationNone
	}
	oidc := false
	for _, e := range a.ByRole(RoleASMeta) {
		oidc = oidc || strings.Contains(e.Path, "openid-configuration")
	}
	switch {
	case a.Has(RoleRegister):
		return RegistrationDCR
	case oidc:
		return RegistrationOIDC
	case a.Has(RoleAuthorize):
		return RegistrationStatic
	}
	return RegistrationUnknown
}

// TransportOf says which transport the attempt's server offered: the
// deprecated HTTP+SSE one when a finding says so, Streamable HTTP
// otherwise.
func TransportOf(a *Attempt) Transport {
	for _, f := range a.Findings {
		if f.Rule.ID == ModeLegacySSETransport {
			return TransportSSE
		}
	}
	return TransportStreamableHTTP
}

// RuledOut lists the look-alike modes that a finding's evidence, read
// with what the logs record (env), excludes: a token never presented, or
// refused by the origin, while the edge's own log was given and shows no
// block, is not an edge block; a token never presented, where the logs
// record whether Authorization was sent, is not a server refusing it.
func RuledOut(f *Finding, env *Env) []Mode {
	if f == nil || f.Rule == nil || env == nil {
		return nil
	}
	var out []Mode
	switch f.Rule.ID {
	case ModeTokenNeverPresented, ModeServerRejectsToken:
		if !env.Edge.First.IsZero() {
			out = append(out, ModeEdgeBlocksClaudeUser)
		}
	}
	if f.Rule.ID == ModeTokenNeverPresented && env.LogsAuthorization {
		out = append(out, ModeServerRejectsToken)
	}
	return out
}
