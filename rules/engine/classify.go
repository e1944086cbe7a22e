package engine

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/mcptriage/mcptriage/parse"
)

// Anthropic's published outbound range (IPv4 only; there is no IPv6
// egress), and the Google Cloud addresses it used before, which old
// logs and stale allowlists still show.
var (
	DefaultEgress = []netip.Prefix{netip.MustParsePrefix("160.79.104.0/21")}
	RetiredEgress = []netip.Prefix{
		netip.MustParsePrefix("34.162.46.92/32"),
		netip.MustParsePrefix("34.162.102.82/32"),
		netip.MustParsePrefix("34.162.136.91/32"),
		netip.MustParsePrefix("34.162.142.92/32"),
		netip.MustParsePrefix("34.162.183.95/32"),
	}
)

// Cloudflare's published edge ranges. A peer address in them means the
// origin sits behind Cloudflare, where bot rules commonly block Claude-User.
var cloudflareRanges = mustPrefixes(
	"173.245.48.0/20", "103.21.244.0/22", "103.22.200.0/22", "103.31.4.0/22",
	"141.101.64.0/18", "108.162.192.0/18", "190.93.240.0/20", "188.114.96.0/20",
	"197.234.240.0/22", "198.41.128.0/17", "162.158.0.0/15", "104.16.0.0/13",
	"104.24.0.0/14", "172.64.0.0/13", "131.0.72.0/22",
	"2400:cb00::/32", "2606:4700::/32", "2803:f800::/32", "2405:b500::/32",
	"2405:8100::/32", "2a06:98c0::/29", "2c0f:f248::/32",
)

// Addresses that are never the real client when they appear as the peer:
// a proxy, a load balancer, a container bridge or a tunnel sits in front.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

func mustPrefixes(list ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(list))
	for i, s := range list {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func inAny(a netip.Addr, list []netip.Prefix) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// IsAnthropicEgress reports whether a is one of Anthropic's published
// egress addresses, current or retired.
func IsAnthropicEgress(a netip.Addr) bool { return inAny(a, DefaultEgress) || inAny(a, RetiredEgress) }

// IsCloudflare reports whether a is one of Cloudflare's edge addresses.
func IsCloudflare(a netip.Addr) bool { return inAny(a, cloudflareRanges) }

// Google Cloud can hand Anthropic's traffic to a service as an internal
// address instead of the published range.
var gcpInternal = netip.MustParsePrefix("fda3:e722:ac3::/48")

func isGCPInternal(a netip.Addr) bool {
	return a.IsValid() && (a.IsUnspecified() || gcpInternal.Contains(a))
}

// isNonPublic is true for addresses only a proxy in front of the server
// would log as the peer.
func IsNonPublic(a netip.Addr) bool {
	return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || cgnat.Contains(a) || a.IsUnspecified()
}

// pathKind says what an endpoint is, from its path and query.
type pathKind uint8

const (
	kindOther  pathKind = iota
	kindPRM             // RFC 9728 protected-resource metadata
	kindASMeta          // RFC 8414 / OpenID configuration
	kindRegister
	kindToken
	kindAuthorize
	kindMCPish // looks like an MCP endpoint (/mcp, /sse, /messages)
	kindAuthish
)

// The words classifyPath looks for, in lists the prefilter's keyword scan
// is built from (classifierKeywords): a word added here is seen by both,
// so the fast path can never be stricter than the classifier.
var (
	prmMarker       = "/.well-known/oauth-protected-resource"
	asMetaMarkers   = []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}
	tokenQuery      = "action=token"
	authorizeQuery  = []string{"action=authorize", "response_type="}
	authorizeLast   = []string{"authorize", "authorization"}
	registerMarkers = []string{"/register", "clients-registrations"}
	authishLast     = []string{"callback", "consent", "login", "signin", "approve", "oauth_callback"}
	mcpSegmentWords = []string{"mcp", "sse", "messages"}
)

// Words in the paths of login, consent and callback pages: the browser
// leg of an attempt passes through them.
var authWords = []string{"authorize", "consent", "login", "signin", "sign-in", "sso", "oauth", "approve", "callback", "auth", "session"}

func classifyPath(method, path, query string) pathKind {
	lp := lowerASCII(path)
	switch {
	case strings.Contains(lp, prmMarker):
		return kindPRM
	case containsAny(lp, asMetaMarkers):
		return kindASMeta
	case strings.HasPrefix(lp, "/.well-known/"):
		return kindOther
	}
	lq := lowerASCII(query)
	last := lastSegment(lp)
	switch {
	case strings.Contains(lq, tokenQuery):
		return kindToken
	case containsAny(lq, authorizeQuery):
		return kindAuthorize
	case slices.Contains(authorizeLast, last) || (last == "auth" && strings.Contains(lq, "client_id=")):
		return kindAuthorize
	case method == "POST" && (last == "register" || last == "registration" || containsAny(lp, registerMarkers)):
		return kindRegister
	case method == "POST" && (last == "token" || strings.HasSuffix(lp, "/token/")):
		return kindToken
	}
	if slices.Contains(authishLast, last) {
		// /mcp/oauth/callback is an identity provider coming back, not MCP.
		return kindAuthish
	}
	for rest := lp; rest != ""; {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		if strings.Contains(seg, mcpSegmentWords[0]) || slices.Contains(mcpSegmentWords[1:], seg) {
			return kindMCPish
		}
	}
	if containsAny(lp, authWords) {
		return kindAuthish
	}
	return kindOther
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// classifierKeywords are words one of which every path or query that
// classifyPath does not call kindOther contains (lower case): the
// prefilter's cheap scan. "auth" covers "authorize", "oauth-…" and the
// rest; each list above contributes, so a new word cannot be missed.
var classifierKeywords = func() []string {
	all := [][]string{{prmMarker, tokenQuery, "client_id=", "token", "register", "registration"}, asMetaMarkers, authorizeQuery, authorizeLast, registerMarkers, authishLast, mcpSegmentWords, authWords}
	var out []string
	for _, list := range all {
		for _, w := range list {
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return out
}()

// lowerASCII lower-cases s, without allocating when it is already lower case.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

func lastSegment(p string) string {
	p = strings.TrimSuffix(p, "/")
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// Claude's OAuth callback, as it appears (encoded or not) in an authorize query.
func hasClaudeCallback(query string) bool {
	lq := strings.ToLower(query)
	for _, host := range []string{"claude.ai", "claude.com"} {
		if strings.Contains(lq, host+"%2fapi%2fmcp%2fauth_callback") || strings.Contains(lq, host+"/api/mcp/auth_callback") {
			return true
		}
	}
	return false
}

// cutClaudeCallback: the text ends in a redirect_uri cut short (a
// capture's or a log field's length limit) that is the start of Claude's
// callback: the Referer HAProxy captured for a consent page, for one.
// named: the cut value reaches Claude's host, so it is Claude's; a
// shorter start ("https%3A%2F%2Fcl") could be anyone's.
func cutClaudeCallback(text string) (cut, named bool) {
	lt := strings.ToLower(text)
	i := strings.LastIndex(lt, "redirect_uri=")
	if i < 0 {
		return false, false
	}
	v := lt[i+len("redirect_uri="):]
	if strings.ContainsAny(v, "&# ") {
		return false, false // the value ends before the text does: not cut
	}
	v = strings.NewReplacer("%3a", ":", "%2f", "/").Replace(v)
	for _, host := range []string{"claude.ai", "claude.com"} {
		full := "https://" + host + "/api/mcp/auth_callback"
		if v != full && strings.HasPrefix(full, v) {
			cut = true
			named = named || len(v) >= len("https://"+host)
		}
	}
	return cut, named
}

// The connector's user agents: its OAuth broker speaks python-httpx,
// its MCP client Claude-User. Some requests arrive with none at all.
func IsBrokerUA(ua string) bool { return hasPrefixFold(ua, "python-httpx/") }
func IsClaudeUserUA(ua string) bool {
	return hasPrefixFold(ua, "claude-user")
}

// hasPrefixFold is strings.HasPrefix without case, for ASCII prefixes;
// it runs on every request, so it must not allocate.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFoldASCII(s[:len(prefix)], prefix)
}
func isConnectorUA(ua string) bool { return IsBrokerUA(ua) || IsClaudeUserUA(ua) }

// clientOf picks the address to treat as the client: the peer, unless
// the peer is a proxy, in which case the forwarded headers say more.
func clientOf(e *parse.Event) (netip.Addr, string) {
	peerIsProxy := !e.Peer.IsValid() || IsNonPublic(e.Peer) || IsCloudflare(e.Peer)
	if !peerIsProxy {
		return e.Peer, "remote address"
	}
	if e.ConnectingIP.IsValid() {
		return e.ConnectingIP, e.ConnectingIPHeader
	}
	// The left-most public entry is the original client; entries added
	// by our own proxies are private.
	for _, a := range e.ForwardedFor {
		if !IsNonPublic(a) {
			return a, "X-Forwarded-For"
		}
	}
	if isGCPInternal(e.Peer) {
		return e.Peer, "a Google Cloud internal address (on Google Cloud, Anthropic's requests can arrive so)"
	}
	if !e.Peer.IsValid() {
		return e.Peer, ""
	}
	return e.Peer, "remote address (a proxy; no forwarded address logged)"
}
