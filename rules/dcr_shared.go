package rules

// Shared by the registration rejections (dcr_*_rejected).
//
// The registration 400s. An access log shows that the registration was
// refused but not which field: the three rules below fire together, and
// the response body decides between them.

// ClaudeDCRBody is the registration request the connector sends.
const ClaudeDCRBody = `{"client_name":"Claude","redirect_uris":["https://claude.ai/api/mcp/auth_callback"],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"client_secret_post"}`

const dcrNext = "Read the 400's body (error and error_description name the field), or replay the connector's request: curl -si -X POST -H 'Content-Type: application/json' -d '" + ClaudeDCRBody + "' <registration endpoint>"

// dcrRejection returns the refused registrations when registration is
// where the attempt stopped.
func dcrRejection(a *Attempt, codes ...int) []*Ev {
	regs := a.ByRole(RoleRegister)
	if len(regs) == 0 || a.AnyOK(RoleRegister) || !a.stalledAt(StageRegistration) || a.Has(RoleAuthorize) {
		return nil
	}
	return withStatus(regs, codes...)
}
