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

// signalPatterns: each fact's pattern, and words one of which any text it
// matches contains (lower case), so that a line runs only the patterns it
// may match. Patterns read the text in lower case (lowerRegexp): Go's
// matcher is several times slower ignoring case.
var signalPatterns = []struct {
	sig   Signal
	words []string
	re    *regexp.Regexp
	// also: when set, the text must hold one of these words too.
	also []string
}{
	// (and "no … authorization" a few words apart: absenceBefore)
	{SigBearerMissing, []string{"auth", "bearer", "token"}, lowerRegexp(`no_authorization_header|authorization header (is )?(missing|absent|required|empty|blank|not (set|present|found|provided))|auth(orization)?[ _-]?(header)?[ _-]?(present|set|provided)\W{0,3}(false|no|0)\b|\b(bearer|access)[ _-]?token (is )?(blank|empty|missing|null|none)\b|\btoken (is )?(blank|empty)\b|auth=\((none|missing)\)|not authenticated|\bunauthenticated request\b|\bauthentication required\b`), []string{"miss", "no", "absent", "empty", "blank", "required", "false", "0", "unauth"}},
	{SigTokenIssued, []string{"token"}, lowerRegexp(`(access[ _])?token\W+(\w+\W+){0,2}(issued|granted|minted|created|generated)|issu(ed|ing)\W+(\w+\W+){0,2}(access[ _])?tokens?\b`), []string{"issu", "grant", "mint", "creat", "generat"}},
	{SigTokenRejected, []string{"token", "jwt", "signature", "audience", "issuer", "aud", "credentials"}, lowerRegexp(`invalid_token|token (is )?(invalid|expired|revoked|malformed|not active)|(jwt|signature) (is )?(expired|malformed|invalid)|invalid (audience|issuer|signature)|audience (mismatch|invalid)|aud(ience)? claim|(token|jwt) (verification|validation|introspection) failed|failed to (verify|validate|decode) (the )?(access )?(token|jwt)|could not validate credentials|invalid or expired token`), []string{"invalid", "expired", "revoked", "malformed", "not active", "mismatch", "claim", "failed", "could not"}},
	{SigRedirectURI, []string{"redirect"}, lowerRegexp(`invalid_redirect_uri|redirect[_ ]uri\W+(\S+\s+){0,4}(invalid|not allowed|not registered|mismatch|unregistered|rejected)|unregistered redirect`), nil},
	{SigAuthMethod, []string{"auth_method", "client_secret_post", "only ", "initial access"}, lowerRegexp(`token_endpoint_auth_method|client_secret_post\W+(\w+\W+){0,3}(not|un)|only (public clients|none) |initial access token`), nil},
	{SigGrantOrScope, []string{"scope", "grant"}, lowerRegexp(`invalid_scope|unsupported_grant_type|(refresh_token|grant[_ ]types?)\W+(\w+\W+){0,3}(not allowed|not supported|unsupported|invalid|rejected)|scope\W+(\w+\W+){0,3}(not allowed|invalid|rejected|unsupported)`), nil},
	{SigInvalidClient, []string{"invalid_client", "client authentication"}, lowerRegexp(`invalid_client\b|client authentication failed`), nil},
	{SigClientMetadata, []string{"invalid_client_metadata"}, lowerRegexp(`invalid_client_metadata`), nil},
	{SigJSONOnly, []string{"media type", "json", "grant_type"}, lowerRegexp(`unsupported media type|content-type must be application/json|expected (a )?json|missing grant_type|request body is not (valid )?json`), nil},
	{SigCallbackRedirect, []string{"auth_callback"}, lowerRegexp(`claude\.(ai|com)/api/mcp/auth_callback\?\S*code=`), nil},
	{SigTimeout, []string{"timed out", "deadline", "cancel", "prematurely", "timeout"}, lowerRegexp(`upstream timed out|timed out|deadline exceeded|context canceled|prematurely closed|worker timeout`), nil},
	{SigTLS, []string{"ssl", "handshake", "certificate"}, lowerRegexp(`ssl_do_handshake\(\) failed|handshake (failed|failure|error)|no required ssl certificate|peer did not return a certificate`), nil},
	{SigServesAt, []string{"://"}, lowerRegexp(ServesAtPattern.String()), nil},
	{SigClaudeNamed, []string{"claude", "ofid_", "anthropic"}, lowerRegexp(`claude\.(ai|com)(/|%2f)(api(/|%2f)mcp(/|%2f)auth_callback|oauth(/|%2f)mcp-oauth-client-metadata)|\bofid_[0-9a-f]{16}\b|"?name"?\s*[:=]\s*"?(claude-ai|anthropic(/claudeai)?)\b|client_name"?\s*[:=]\s*"?claude"?\b`), nil},
	// A failed fetch of Claude's client-metadata document, in the app's
	// words ("failed to fetch client metadata document: 403").
	{SigCIMDFetchFailed, []string{"metadata"}, lowerRegexp(`(fail(ed|ure)?|error|unable|could ?n[o']t|cannot)\W+(\w+\W+){0,4}(fetch|load|retriev|get|resolv|download)\w*\W+(\w+\W+){0,3}client[ _-]?(id[ _-]?)?metadata|client[ _-]?(id[ _-]?)?metadata[ _-]?(document|url)?\W+(\w+\W+){0,3}(fetch|load|retriev|download)\w*\W+(\w+\W+){0,2}(fail(ed|ure)?|error|timed out|returned (403|404|5\d\d)|got html)`), nil},
	// An authorization code issued and never exchanged.
	{SigCodeUnredeemed, []string{"code"}, lowerRegexp(`\b(authori[sz]ation )?codes?\W+(\w+\W+){0,4}(never |not (yet )?|un)(redeemed|exchanged|used|claimed|consumed)|\b(unused|unredeemed|unexchanged) (authori[sz]ation )?codes?\b|\bcodes?\W+(\w+\W+){0,2}expired (unused|before (being )?(used|redeemed|exchanged))`), []string{"redeem", "exchang", "used", "claimed", "consumed"}},
	// The request carried a bearer token, in the app's words.
	{SigBearerPresent, []string{"auth", "bearer", "token"}, lowerRegexp(`auth(orization)?[ _-]?(header)?[ _-]?(present|set|provided)\W{0,3}(true|yes|1)\b|\bauthorization:\s*bearer\s+\S|\bbearer token (received|present|provided|found)|\b(received|got|with) (a |the )?bearer token\b`), []string{"present", "provided", "set", "bearer "}},
}

// ServesAtPattern finds a startup line's endpoint URL; its first group is
// the path ("/mcp"), never just "/".
var ServesAtPattern = regexp.MustCompile(`(?i)\b(?:running|listening|serving|available|started|mounted|ready|live)\b[^\n]{0,48}?\bhttps?://[^\s/"'<>]+(/[A-Za-z0-9._~/-]*[A-Za-z0-9_~-])`)

// SignalsOf reads the facts a text states about the flow.
func SignalsOf(text string) Signal {
	if text == "" {
		return 0
	}
	if len(text) > maxSignalText {
		text = text[:maxSignalText] // facts are stated early; a huge line is mostly payload
	}
	lower := strings.ToLower(text)
	var s Signal
	if absenceBefore(lower, bearerWords, absenceWords) {
		s |= SigBearerMissing
	}
	for _, p := range signalPatterns {
		if containsAny(lower, p.words) && (p.also == nil || containsAny(lower, p.also)) && p.re.MatchString(lower) {
			s |= p.sig
		}
	}
	// A refused client id is not a refused client secret.
	if s.Has(SigClientMetadata) {
		s &^= SigInvalidClient
	}
	// "invalid_token" with "Missing Authorization header" (the TypeScript
	// SDK's challenge) says no bearer came: not one presented.
	if s.Has(SigBearerMissing) {
		s &^= SigBearerPresent
	}
	return s
}

// lowerRegexp compiles a pattern written in lower case (a leading "(?i)"
// dropped) to match a lower-cased text.
func lowerRegexp(src string) *regexp.Regexp {
	return regexp.MustCompile(strings.TrimPrefix(src, "(?i)"))
}

var (
	bearerWords  = []string{"authorization", "bearer", "auth header", "access token", "authentication token", "credentials"}
	absenceWords = map[string]bool{"missing": true, "no": true, "without": true, "absent": true, "empty": true, "blank": true}
)

// absenceBefore: one of words in lower, with an absence word among the
// four words before it ("no Authorization header was sent", "no
// bearer token"). Its cost is the text's length times the words'.
func absenceBefore(lower string, words []string, absent map[string]bool) bool {
	for _, w := range words {
		for from := 0; from < len(lower); {
			i := strings.Index(lower[from:], w)
			if i < 0 {
				break
			}
			at := from + i
			from = at + len(w)
			back := lower[max(0, at-48):at]
			fields := strings.FieldsFunc(back, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') })
			for k := len(fields) - 1; k >= 0 && k >= len(fields)-4; k-- {
				if absent[fields[k]] {
					return true
				}
			}
		}
	}
	return false
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// maxSignalText bounds the text SignalsOf reads.
const maxSignalText = 16 << 10

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
