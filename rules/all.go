// Package rules explains how each Claude.ai connector attempt ended: one
// Rule value per failure mode, each in its own file with its fixtures
// under testdata/<id>/; All lists them. The attempts they read are
// reconstructed by rules/engine.
package rules

// All lists every rule. Its order is the tie-break when two findings are
// equally confident: URL checks first, then the flow's stages in order,
// the more specific rule before the more general one.
var All = []*Rule{
	// The connector URL as typed, before any log is read.
	NonStandardPort,
	PrivateAddressRejected,
	QueryTokenAuthUnsupported,
	NoConnectorTraffic,

	// Stage 1: the probe and what answers it.
	URLTrailingSlashStripped,
	URLCaseMangled,
	RedirectOnMCPEndpoint,
	HostHeaderRejected,
	LegacySSETransport,
	WrongConnectorURL,
	MissingWWWAuthenticate,
	ResourceMetadataInvalid,
	EgressIPBlocked,

	// Stage 2: discovery.
	AuthlessDiscoveryNot404,
	AuthlessHandshakeAbandoned,
	WAFBlocksBackchannel,
	WellKnownHTMLCatchall,
	PRMNotFound,
	ASPathIssuerOriginFallback,
	PRMResourceMismatch,

	// Stage 3: client registration.
	DCRNotSupported,
	CIMDNotSelected,
	DCREndpointBroken,
	DCRAuthMethodRejected,
	DCRRedirectURIRejected,
	DCRGrantOrScopeRejected,
	DCRSucceededThenAbort,

	// Stage 4: the browser.
	CallbackRedirect307,
	OfflineAccessLeadingSpace,
	CIMDDocumentFetchFailed,
	IdPRejectsAuthorize,

	// Stage 5: the token exchange.
	TokenExchangeNeverAttempted,
	CallbackSessionLost,
	TokenEndpointSlow,
	TokenEndpointJSONOnly,
	TokenClientAuthMismatch,
	TokenResponseInvalid,

	// Stage 6: authenticated MCP.
	EdgeBlocksClaudeUser,
	ServerRejectsToken,
	TokenNeverPresented,
	AuthorizationHeaderStripped,
	InitializeSlow,
	SessionNotSticky,
	TokenRefreshFailure,
	UIReportsFailureDespiteSuccess,
}
