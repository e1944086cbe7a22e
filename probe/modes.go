package probe

import "github.com/mcptriage/mcptriage/rules"

// Modes lists every failure mode the probe's own checks may predict: each
// a mode of rules.Catalogue, each one `mcptriage rules` explains (by its
// rule, or by Explain for the modes no log rule detects). The URL check
// adds the modes of rules.CheckURL, which are rules by construction. A
// test keeps this list equal to the modes the code names.
var Modes = []rules.Mode{
	rules.ModePrivateAddressRejected,
	rules.ModeTLSHandshakeFailure,
	rules.ModeRedirectOnMCPEndpoint,
	rules.ModeMissingWWWAuthenticate,
	rules.ModeResourceMetadataInvalid,
	rules.ModeHostHeaderRejected,
	rules.ModeWAFBlocksBackchannel,
	rules.ModeLegacySSETransport,
	rules.ModeWrongConnectorURL,
	rules.ModeEdgeBlocksClaudeUser,
	rules.ModeWellKnownHTMLCatchall,
	rules.ModePRMNotFound,
	rules.ModeAuthlessDiscoveryNot404,
	rules.ModePRMResourceMismatch,
	rules.ModeASPathIssuerOriginFallback,
	rules.ModeIdPRejectsAuthorize,
	rules.ModeCIMDNotSelected,
	rules.ModeDCRNotSupported,
	rules.ModeTokenClientAuthMismatch,
	rules.ModeDCREndpointBroken,
	rules.ModeDCRRedirectURIRejected,
	rules.ModeDCRAuthMethodRejected,
	rules.ModeDCRGrantOrScopeRejected,
	rules.ModeOfflineAccessLeadingSpace,
	rules.ModeTokenEndpointSlow,
	rules.ModeTokenEndpointJSONOnly,
	rules.ModeTokenResponseInvalid,
	rules.ModeInitializeSlow,
	rules.ModeURLCaseMangled,
	rules.ModeURLTrailingSlashStripped,
}

// Explanation is what the probe knows of a catalogue mode that no log
// rule detects: who must act, what happens, and the usual fix. (The
// mode's title and stage are in the tracker index, with its issues.)
type Explanation struct {
	Side rules.Side
	Doc  string
	Fix  string
}

// Explain describes a mode the probe predicts without a log rule.
func Explain(m rules.Mode) (Explanation, bool) {
	e, ok := explanations[m]
	return e, ok
}

// Explained lists the modes Explain describes, in the catalogue's order.
func Explained() []rules.Mode {
	var out []rules.Mode
	for _, m := range rules.Catalogue {
		if _, ok := explanations[m]; ok {
			out = append(out, m)
		}
	}
	return out
}

// The probe sees these directly; logs do not, or not well enough for a
// rule: a TLS failure leaves no access-log line, and an identity
// provider's refusal or an unchosen registration path shows as requests
// that never come.
var explanations = map[rules.Mode]Explanation{
	rules.ModeTLSHandshakeFailure: {
		Side: rules.SideInfra,
		Doc: `Claude's backend connects, then gives up in the TLS handshake, so no
request ever reaches the web server and its access log stays empty. The
usual causes: the server sends its own certificate without the
intermediate that signed it (browsers fetch the missing link, Claude's
backend, like Go's and Python's clients, does not); a certificate for
another name, expired, or issued by a private CA; a protocol older than
TLS 1.2; or something in front of the server (a firewall, a CDN rule, an
access proxy asking for a client certificate) that resets connections
from datacenter addresses. 'mcptriage probe' shakes hands the way the
connector does and says which of these it met.`,
		Fix: "Serve a complete chain (leaf and intermediates) from a public CA for the exact host name, with TLS 1.2 or newer, and let connections from 160.79.104.0/21 through to the handshake.",
	},
}
