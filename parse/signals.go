package parse

import (
	"regexp"
	"strings"
)

// Signal is a fact an application states about the flow in its own words:
// "token issued", "missing Authorization header", "invalid_redirect_uri".
// Access logs cannot say these things; they decide between look-alikes.
type Signal uint32

const (
	SigBearerMissing    Signal = 1 << iota // the request carried no Authorization header
	SigTokenIssued                         // the server issued an access token
	SigTokenRejected                       // the server refused a token it was given
	SigRedirectURI                         // the redirect URI was refused
	SigAuthMethod                          // the token endpoint auth method was refused
	SigGrantOrScope                        // a grant type or scope was refused
	SigInvalidClient                       // invalid_client (client authentication)
	SigClientMetadata                      // invalid_client_metadata: a registration refused, reason not named
	SigJSONOnly                            // the body was expected as JSON
	SigCallbackRedirect                    // a redirect to Claude's callback with a code
	SigTimeout                             // a timeout or a client that gave up
	SigTLS                                 // a TLS handshake failure
	// SigClaudeNamed: the text names an artefact only Claude's connector
	// brings: its OAuth callback or client metadata URL, its MCP client
	// name (clientInfo "claude-ai", "Anthropic…"), its registration's
	// client_name "Claude", an ofid_ reference.
	SigClaudeNamed
	// SigServesAt: a startup line saying where the server listens, with
	// the MCP endpoint's path ("Uvicorn running on http://0.0.0.0:8000/mcp").
	SigServesAt
	// SigCIMDFetchFailed: the server's fetch of Claude's client-metadata
	// document failed (a 403 challenge, HTML, a 404, a timeout).
	SigCIMDFetchFailed
	// SigCodeUnredeemed: an authorization code was issued and never
	// exchanged for a token (an app's words, a table of codes).
	SigCodeUnredeemed
	// SigBearerPresent: the request carried a bearer token ("auth header
	// present: true", "Authorization: Bearer …" in an app's dump).
	SigBearerPresent
)

const sigLast = SigBearerPresent

var signalNames = map[Signal]string{
	SigBearerMissing: "bearer_missing", SigTokenIssued: "token_issued", SigTokenRejected: "token_rejected",
	SigRedirectURI: "redirect_uri_rejected", SigAuthMethod: "auth_method_rejected", SigGrantOrScope: "grant_or_scope_rejected",
	SigInvalidClient: "invalid_client", SigClientMetadata: "invalid_client_metadata", SigJSONOnly: "json_only",
	SigCallbackRedirect: "callback_redirect", SigTimeout: "timeout", SigTLS: "tls_failure",
	SigClaudeNamed: "claude_named", SigServesAt: "serves_at", SigCIMDFetchFailed: "cimd_fetch_failed",
	SigCodeUnredeemed: "code_unredeemed", SigBearerPresent: "bearer_present",
}

// Has reports whether every signal in want is set.
func (s Signal) Has(want Signal) bool { return s&want == want }

// Names lists the set signals.
func (s Signal) Names() []string {
	var out []string
	for bit := Signal(1); bit != 0 && bit <= sigLast; bit <<= 1 {
		if s&bit != 0 {
			out = append(out, signalNames[bit])
		}
	}
	return out
}

var signalPatterns = []struct {
	sig Signal
	re  *regexp.Regexp
}{
	{SigBearerMissing, regexp.MustCompile(`(?i)(missing|no|without|absent|empty|blank)\W+(\w+\W+){0,3}(authorization|bearer|auth header|access token|authentication token)|no_authorization_header|authorization header (is )?(missing|absent|required|empty|blank|not (set|present|found|provided))|auth(orization)?[ _-]?(header)?[ _-]?(present|set|provided)\W{0,3}(false|no|0)\b|\b(bearer|access)[ _-]?token (is )?(blank|empty|missing|null|none)\b|\btoken (is )?(blank|empty)\b|auth=\((none|missing)\)|not authenticated`)},
	{SigTokenIssued, regexp.MustCompile(`(?i)(access[ _])?token\W+(\w+\W+){0,2}(issued|granted|minted|created|generated)|issu(ed|ing)\W+(\w+\W+){0,2}(access[ _])?tokens?\b`)},
	{SigTokenRejected, regexp.MustCompile(`(?i)invalid_token|token (is )?(invalid|expired|revoked)|(jwt|signature) (is )?(expired|malformed|invalid)|invalid (audience|issuer|signature)|audience (mismatch|invalid)|aud(ience)? claim`)},
	{SigRedirectURI, regexp.MustCompile(`(?i)invalid_redirect_uri|redirect[_ ]uri\W+(\S+\s+){0,4}(invalid|not allowed|not registered|mismatch|unregistered|rejected)|unregistered redirect`)},
	{SigAuthMethod, regexp.MustCompile(`(?i)token_endpoint_auth_method|client_secret_post\W+(\w+\W+){0,3}(not|un)|only (public clients|none) |initial access token`)},
	{SigGrantOrScope, regexp.MustCompile(`(?i)invalid_scope|unsupported_grant_type|(refresh_token|grant[_ ]types?)\W+(\w+\W+){0,3}(not allowed|not supported|unsupported|invalid|rejected)|scope\W+(\w+\W+){0,3}(not allowed|invalid|rejected|unsupported)`)},
	{SigInvalidClient, regexp.MustCompile(`(?i)invalid_client\b|client authentication failed`)},
	{SigClientMetadata, regexp.MustCompile(`(?i)invalid_client_metadata`)},
	{SigJSONOnly, regexp.MustCompile(`(?i)unsupported media type|content-type must be application/json|expected (a )?json|missing grant_type|request body is not (valid )?json`)},
	{SigCallbackRedirect, regexp.MustCompile(`(?i)claude\.(ai|com)/api/mcp/auth_callback\?\S*code=`)},
	{SigTimeout, regexp.MustCompile(`(?i)upstream timed out|timed out|deadline exceeded|context canceled|prematurely closed|worker timeout`)},
	{SigTLS, regexp.MustCompile(`(?i)ssl_do_handshake\(\) failed|handshake (failed|failure|error)|no required ssl certificate|peer did not return a certificate`)},
	{SigServesAt, ServesAtPattern},
	{SigClaudeNamed, regexp.MustCompile(`(?i)claude\.(ai|com)(/|%2f)(api(/|%2f)mcp(/|%2f)auth_callback|oauth(/|%2f)mcp-oauth-client-metadata)|\bofid_[0-9a-f]{16}\b|"?name"?\s*[:=]\s*"?(claude-ai|anthropic(/claudeai)?)\b|client_name"?\s*[:=]\s*"?claude"?\b`)},
}

// ServesAtPattern finds a startup line's endpoint URL; its first group is
// the path ("/mcp"), never just "/".
var ServesAtPattern = regexp.MustCompile(`(?i)\b(?:running|listening|serving|available|started|mounted|ready|live)\b[^\n]{0,48}?\bhttps?://[^\s/"'<>]+(/[A-Za-z0-9._~/-]*[A-Za-z0-9_~-])`)

// signalTriggers are cheap checks: a text that contains none cannot match.
var signalTriggers = []string{"auth", "bearer", "token", "redirect", "client", "scope", "grant", "json", "media", "callback", "time", "deadline", "cancel", "closed", "ssl", "handshake", "certificate", "claude", "ofid_", "anthropic", "running", "listening", "serving", "available", "started", "mounted", "ready", "live", "blank", "empty", "null", "false"}

// SignalsOf reads the facts a text states about the flow.
func SignalsOf(text string) Signal {
	if text == "" {
		return 0
	}
	b := []byte(text)
	hit := false
	for _, t := range signalTriggers {
		if indexFold(b, []byte(t)) >= 0 {
			hit = true
			break
		}
	}
	if !hit {
		return 0
	}
	var s Signal
	for _, p := range signalPatterns {
		if p.re.MatchString(text) {
			s |= p.sig
		}
	}
	// A refused client id is not a refused client secret.
	if s.Has(SigClientMetadata) {
		s &^= SigInvalidClient
	}
	return s
}

// tableSignals reads a row of a pasted table of authorization codes: a
// code whose "redeemed" (used, exchanged) cell is empty, null or false
// was never exchanged for a token.
func (pl *pasted) tableSignals(header []string) Signal {
	code, redeemed := -1, -1
	for i, h := range header {
		switch h {
		case "code":
			code = i
		case "redeemed":
			redeemed = i
		}
	}
	if code < 0 || redeemed < 0 || redeemed >= len(pl.cells) || code >= len(pl.cells) || pl.cells[code] == "" {
		return 0
	}
	switch strings.ToLower(strings.TrimSpace(pl.cells[redeemed])) {
	case "", "-", "null", "nil", "none", "false", "f", "no", "0", "<null>", "(null)", "never":
		return SigCodeUnredeemed
	}
	return 0
}
