package rules

// Mode is a failure mode's id: the same snake_case name in the tracker's
// catalogue, in the JSON output, in fixtures and in the tracker index.
// Code that compares modes uses these constants, never string literals,
// so that a typo is a compile error rather than a silent mismatch.

// The catalogue's modes (failure-modes.md), and the one mode of our own:
// no request from the connector in the logs at all.
const (
	ModePrivateAddressRejected          Mode = "private_address_rejected"
	ModeNonStandardPort                 Mode = "non_standard_port"
	ModeTLSHandshakeFailure             Mode = "tls_handshake_failure"
	ModeEgressIPBlocked                 Mode = "egress_ip_blocked"
	ModeTunnelRelayFault                Mode = "tunnel_relay_fault"
	ModeStartAuthInternalFailure        Mode = "start_auth_internal_failure"
	ModeWrongConnectorURL               Mode = "wrong_connector_url"
	ModeQueryTokenAuthUnsupported       Mode = "query_token_auth_unsupported"
	ModeURLCaseMangled                  Mode = "url_case_mangled"
	ModeURLTrailingSlashStripped        Mode = "url_trailing_slash_stripped"
	ModeStaleConnectorState             Mode = "stale_connector_state"
	ModeEdgeBlocksClaudeUser            Mode = "edge_blocks_claude_user"
	ModeWAFBlocksBackchannel            Mode = "waf_blocks_backchannel"
	ModeHostHeaderRejected              Mode = "host_header_rejected"
	ModeRedirectOnMCPEndpoint           Mode = "redirect_on_mcp_endpoint"
	ModeMissingWWWAuthenticate          Mode = "missing_www_authenticate"
	ModeResourceMetadataInvalid         Mode = "resource_metadata_invalid"
	ModeAuthlessDiscoveryNot404         Mode = "authless_discovery_not_404"
	ModeAuthlessHandshakeAbandoned      Mode = "authless_handshake_abandoned"
	ModePRMNotFound                     Mode = "prm_not_found"
	ModeWellKnownHTMLCatchall           Mode = "well_known_html_catchall"
	ModeASPathIssuerOriginFallback      Mode = "as_path_issuer_origin_fallback"
	ModePRMResourceMismatch             Mode = "prm_resource_mismatch"
	ModeDCRNotSupported                 Mode = "dcr_not_supported"
	ModeDCRAuthMethodRejected           Mode = "dcr_auth_method_rejected"
	ModeDCRRedirectURIRejected          Mode = "dcr_redirect_uri_rejected"
	ModeDCRGrantOrScopeRejected         Mode = "dcr_grant_or_scope_rejected"
	ModeDCREndpointBroken               Mode = "dcr_endpoint_broken"
	ModeDCRSucceededThenAbort           Mode = "dcr_succeeded_then_abort"
	ModeCIMDNotSelected                 Mode = "cimd_not_selected"
	ModeCIMDDocumentFetchFailed         Mode = "cimd_document_fetch_failed"
	ModeAnthropicHeldCredentialsMissing Mode = "anthropic_held_credentials_missing"
	ModeCallbackRedirect307             Mode = "callback_redirect_307"
	ModeIdPRejectsAuthorize             Mode = "idp_rejects_authorize"
	ModeOfflineAccessLeadingSpace       Mode = "offline_access_leading_space"
	ModeEntraResourceScopeConflict      Mode = "entra_resource_scope_conflict"
	ModeCallbackSessionLost             Mode = "callback_session_lost"
	ModeTokenExchangeNeverAttempted     Mode = "token_exchange_never_attempted"
	ModeTokenEndpointJSONOnly           Mode = "token_endpoint_json_only"
	ModeTokenEndpointSlow               Mode = "token_endpoint_slow"
	ModeTokenClientAuthMismatch         Mode = "token_client_auth_mismatch"
	ModeEntraAppPlatformMismatch        Mode = "entra_app_platform_mismatch"
	ModeTokenResponseInvalid            Mode = "token_response_invalid"
	ModeServerRejectsToken              Mode = "server_rejects_token"
	ModeAuthorizationHeaderStripped     Mode = "authorization_header_stripped"
	ModeInitializeSlow                  Mode = "initialize_slow"
	ModeTokenNeverPresented             Mode = "token_never_presented"
	ModeSessionNotSticky                Mode = "session_not_sticky"
	ModeLegacySSETransport              Mode = "legacy_sse_transport"
	ModeTokenRefreshFailure             Mode = "token_refresh_failure"
	ModeUIReportsFailureDespiteSuccess  Mode = "ui_reports_failure_despite_success"
	ModeNoConnectorTraffic              Mode = "no_connector_traffic"
)

// Catalogue lists every mode the tool may name, rule or not, in the
// catalogue's order; the last is no_connector_traffic.
var Catalogue = []Mode{
	ModePrivateAddressRejected,
	ModeNonStandardPort,
	ModeTLSHandshakeFailure,
	ModeEgressIPBlocked,
	ModeTunnelRelayFault,
	ModeStartAuthInternalFailure,
	ModeWrongConnectorURL,
	ModeQueryTokenAuthUnsupported,
	ModeURLCaseMangled,
	ModeURLTrailingSlashStripped,
	ModeStaleConnectorState,
	ModeEdgeBlocksClaudeUser,
	ModeWAFBlocksBackchannel,
	ModeHostHeaderRejected,
	ModeRedirectOnMCPEndpoint,
	ModeMissingWWWAuthenticate,
	ModeResourceMetadataInvalid,
	ModeAuthlessDiscoveryNot404,
	ModeAuthlessHandshakeAbandoned,
	ModePRMNotFound,
	ModeWellKnownHTMLCatchall,
	ModeASPathIssuerOriginFallback,
	ModePRMResourceMismatch,
	ModeDCRNotSupported,
	ModeDCRAuthMethodRejected,
	ModeDCRRedirectURIRejected,
	ModeDCRGrantOrScopeRejected,
	ModeDCREndpointBroken,
	ModeDCRSucceededThenAbort,
	ModeCIMDNotSelected,
	ModeCIMDDocumentFetchFailed,
	ModeAnthropicHeldCredentialsMissing,
	ModeCallbackRedirect307,
	ModeIdPRejectsAuthorize,
	ModeOfflineAccessLeadingSpace,
	ModeEntraResourceScopeConflict,
	ModeCallbackSessionLost,
	ModeTokenExchangeNeverAttempted,
	ModeTokenEndpointJSONOnly,
	ModeTokenEndpointSlow,
	ModeTokenClientAuthMismatch,
	ModeEntraAppPlatformMismatch,
	ModeTokenResponseInvalid,
	ModeServerRejectsToken,
	ModeAuthorizationHeaderStripped,
	ModeInitializeSlow,
	ModeTokenNeverPresented,
	ModeSessionNotSticky,
	ModeLegacySSETransport,
	ModeTokenRefreshFailure,
	ModeUIReportsFailureDespiteSuccess,
	ModeNoConnectorTraffic,
}

// KnownMode reports whether s names a mode of the catalogue.
func KnownMode(s string) bool {
	for _, m := range Catalogue {
		if string(m) == s {
			return true
		}
	}
	return false
}
