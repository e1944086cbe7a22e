package rules

import "github.com/mcptriage/mcptriage/parse"

// Shared by the registration rejections (dcr_*_rejected).
//
// The registration 400s. An access log shows that the registration was
// refused but not which field: the three rules below fire together, and
// the response body decides between them.

// ClaudeDCRBody is the registration request the connector sends.
const ClaudeDCRBody = `{"client_name":"Claude","redirect_uris":["https://claude.ai/api/mcp/auth_callback"],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"client_secret_post"}`

const dcrNext = "Read the 400's body (error and error_description name the field), or replay the connector's request: curl -si -X POST -H 'Content-Type: application/json' -d '" + ClaudeDCRBody + "' <registration endpoint>"

// dcrRejection returns the refused registrations when registration is
// where the attempt stopped, and the reason the application gave, if it
// named one of the three (its error message decides between them).
func dcrRejection(a *Attempt, codes ...int) ([]*Ev, parse.Signal, *Ev) {
	regs := a.ByRole(RoleRegister)
	if len(regs) == 0 || a.AnyOK(RoleRegister) || !stalledAt(a, StageRegistration) || a.Has(RoleAuthorize) {
		return nil, 0, nil
	}
	bad := withStatus(regs, codes...)
	if len(bad) == 0 {
		return nil, 0, nil
	}
	for _, sig := range []parse.Signal{parse.SigRedirectURI, parse.SigAuthMethod, parse.SigGrantOrScope} {
		if said := saying(a, sig, bad[0], 5e9); said != nil {
			return bad, sig, said
		}
	}
	return bad, 0, nil
}

// dcrVerdict is the finding of one of the three rejection rules: decided
// by the application's words, or a named look-alike.
func dcrVerdict(a *Attempt, mine parse.Signal, codes []int, decided func(bad []*Ev, said *Ev) *Finding, guess func(bad []*Ev) *Finding) *Finding {
	bad, sig, said := dcrRejection(a, codes...)
	switch {
	case len(bad) == 0:
		return nil
	case sig == mine:
		return decided(bad, said)
	case sig != 0:
		return nil // the application named another reason
	}
	return guess(bad)
}
