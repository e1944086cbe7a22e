package report

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/mcptriage/mcptriage/rules"
)

// What a draft publishes. A report goes to a public tracker, so by
// default it carries no person's address or e-mail: each becomes a
// stable stand-in (address-1, email-1), the same value the same stand-in
// throughout the draft, its JSON, its link and the comment. Anthropic's
// egress addresses, the documentation ranges, private and loopback
// addresses, Cloudflare's edges and claude.ai stay: they are what a
// maintainer traces, and they name no one. --keep-addresses keeps every
// address; --redact-hosts also replaces the server's host names
// (host-1.example), written plain or percent-encoded, and every address
// but Anthropic's and the documentation ranges.

// forPublishing returns the report and the options a draft or a comment
// is written from: control characters escaped, and personal data and
// (when asked) hosts replaced, in copies.
func forPublishing(r *Report, opts DraftOptions) (*Report, DraftOptions) {
	r = Printable(r)
	opts = *mapStrings(&opts, EscapeControls)
	x := newRedactor(r, opts)
	if x == nil {
		return r, opts
	}
	return mapStrings(r, x.apply), *mapStrings(&opts, x.apply)
}

// redactor replaces what a draft must not publish with stand-ins.
type redactor struct {
	allAddresses bool // --redact-hosts: every address but Anthropic's and documentation's
	keepAddrs    bool // --keep-addresses
	hosts        *regexp.Regexp
	hostNames    map[string]string
	addrs        map[netip.Addr]string
	emails       map[string]string
}

func newRedactor(r *Report, opts DraftOptions) *redactor {
	if opts.KeepAddresses && !opts.RedactHosts {
		return nil
	}
	x := &redactor{
		allAddresses: opts.RedactHosts, keepAddrs: opts.KeepAddresses && !opts.RedactHosts,
		hostNames: map[string]string{}, addrs: map[netip.Addr]string{}, emails: map[string]string{},
	}
	if opts.RedactHosts {
		x.learnHosts(r, opts)
	}
	return x
}

// learnHosts collects the server's host names: from the URL the user
// gave, the attempts' Host, and every URL in the attempts' requests (the
// resource= of an authorization, Referers), decoded as often as they were
// encoded. Hosts that are not the user's (claude.ai, GitHub, the public
// identity providers) are left alone.
func (x *redactor) learnHosts(r *Report, opts DraftOptions) {
	var hosts []string
	add := func(h string) {
		h = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), "."))
		if h == "" || keepHost(h) || !hostName.MatchString(h) {
			return
		}
		if _, ok := x.hostNames[h]; !ok {
			x.hostNames[h] = ""
			hosts = append(hosts, h)
		}
	}
	for _, s := range []string{opts.ServerURL, r.ConnectorURL} {
		for _, h := range urlHosts(s) {
			add(h)
		}
	}
	for _, a := range r.Attempts {
		add(hostOnly(a.Host))
		for _, e := range a.Events {
			for _, s := range []string{e.Query, e.Line} {
				for _, h := range urlHosts(s) {
					add(h)
				}
			}
			for _, v := range e.Views {
				for _, h := range urlHosts(v.Line) {
					add(h)
				}
			}
		}
	}
	if len(hosts) == 0 {
		return
	}
	for i, h := range hosts {
		x.hostNames[h] = fmt.Sprintf("host-%d.example", i+1)
	}
	// Longer names first, so a.b.example.com is not half-replaced by b.example.com.
	sort.SliceStable(hosts, func(i, j int) bool { return len(hosts[i]) > len(hosts[j]) })
	var alts []string
	for _, h := range hosts {
		alts = append(alts, encodedPattern(h))
	}
	x.hosts = regexp.MustCompile(strings.Join(alts, "|"))
}

var (
	hostName   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
	urlPattern = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://([^/\s"'<>?#\\]+)`)
)

// urlHosts finds the hosts of the URLs in s, also in its percent-decoded
// forms (a resource= inside a query, a redirect_uri inside that).
func urlHosts(s string) []string {
	var out []string
	for _, d := range decodings(s) {
		for _, m := range urlPattern.FindAllStringSubmatch(d, -1) {
			out = append(out, hostOnly(m[1]))
		}
	}
	return out
}

// decodings are s and its percent-decoded forms, up to three levels.
func decodings(s string) []string {
	out := []string{s}
	for range 3 {
		dec, err := url.QueryUnescape(s)
		if err != nil {
			dec, err = url.PathUnescape(s)
		}
		if err != nil || dec == s {
			break
		}
		s = dec
		out = append(out, s)
	}
	return out
}

// hostOnly takes the host of an authority: no user:pass@, no port.
func hostOnly(authority string) string {
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	if strings.HasPrefix(authority, "[") {
		return "" // an IPv6 literal: the address pass handles it
	}
	if i := strings.LastIndexByte(authority, ':'); i >= 0 {
		authority = authority[:i]
	}
	return authority
}

// encodedPattern matches host written plain, with any character
// percent-encoded, or encoded twice (%25XX), in any case.
func encodedPattern(host string) string {
	var b strings.Builder
	for i := 0; i < len(host); i++ {
		c := host[i]
		alts := []string{regexp.QuoteMeta(string(c))}
		codes := []byte{c}
		if c >= 'a' && c <= 'z' {
			alts = append(alts, string(c-'a'+'A'))
			codes = append(codes, c-'a'+'A')
		}
		var enc []string
		for _, code := range codes {
			hex := fmt.Sprintf("%02X", code)
			enc = append(enc, fmt.Sprintf("%c[%c%c]", hex[0], hex[1], strings.ToLower(hex[1:])[0]))
		}
		fmt.Fprintf(&b, "(?:%s|%%(?:25)?(?:%s))", strings.Join(alts, "|"), strings.Join(enc, "|"))
	}
	return b.String()
}

// decodeHost undoes what encodedPattern allows, to find the stand-in.
func decodeHost(s string) string {
	for range 2 {
		if d, err := url.PathUnescape(s); err == nil {
			s = d
		}
	}
	return strings.ToLower(s)
}

// keepHost: names that are not the user's to hide.
func keepHost(host string) bool {
	for _, keep := range []string{"claude.ai", "claude.com", "anthropic.com", "github.com"} {
		if host == keep || strings.HasSuffix(host, "."+keep) {
			return true
		}
	}
	switch host {
	case "login.microsoftonline.com", "accounts.google.com", "localhost":
		return true
	}
	return false
}

func (x *redactor) apply(s string) string {
	if x.hosts != nil {
		s = x.hosts.ReplaceAllStringFunc(s, func(m string) string {
			if v := x.hostNames[decodeHost(m)]; v != "" {
				return v
			}
			return m
		})
	}
	if x.keepAddrs {
		return s
	}
	s = x.replaceEmails(s)
	return x.replaceAddresses(s)
}

var emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)

func (x *redactor) replaceEmails(s string) string {
	if !strings.Contains(s, "@") && !strings.Contains(s, "%40") {
		return s
	}
	return replaceMatches(s, emailPattern, func(s string, i, j int) string {
		if inURLAuthority(s, i) {
			// user:pass@host is a URL's credentials, which the secret
			// scrubbing removes; the host after it stays a host.
			return ""
		}
		key := strings.ToLower(strings.ReplaceAll(s[i:j], "%40", "@"))
		v, ok := x.emails[key]
		if !ok {
			v = fmt.Sprintf("email-%d", len(x.emails)+1)
			x.emails[key] = v
		}
		return v
	})
}

// inURLAuthority: s[:i] ends inside "scheme://" and the user part of an
// authority (no "/", space or quote since "://").
func inURLAuthority(s string, i int) bool {
	k := strings.LastIndex(s[:i], "://")
	return k >= 0 && !strings.ContainsAny(s[k+3:i], "/ \t\"'<>?#")
}

var (
	ipv4Candidate = regexp.MustCompile(`\d{1,3}(?:\.\d{1,3}){3}`)
	// Runs of hex digits, colons and dots with at least two colons: the
	// shape of an IPv6 address (or of a clock time, which does not parse).
	ipv6Candidate = regexp.MustCompile(`[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*`)
)

func (x *redactor) replaceAddresses(s string) string {
	s = replaceMatches(s, ipv4Candidate, func(s string, i, j int) string {
		// Not an address: part of a longer dotted number, or a version
		// after a product name (Chrome/142.0.0.0).
		if i > 0 && (isWordByte(s[i-1]) || s[i-1] == '.') || j < len(s) && (isDigit(s[j]) || s[j] == '.' && j+1 < len(s) && isDigit(s[j+1])) {
			return ""
		}
		if i > 1 && s[i-1] == '/' && isWordByte(s[i-2]) {
			return ""
		}
		return x.addressStandIn(s[i:j])
	})
	if !strings.Contains(s, ":") {
		return s
	}
	return replaceMatches(s, ipv6Candidate, func(s string, i, j int) string {
		if i > 0 && (isWordByte(s[i-1]) || s[i-1] == ':') || j < len(s) && isWordByte(s[j]) {
			return ""
		}
		v := x.addressStandIn(strings.TrimSuffix(s[i:j], "."))
		if v != "" && strings.HasSuffix(s[i:j], ".") {
			v += "." // the end of a sentence
		}
		return v
	})
}

// replaceMatches replaces each match of re for which f returns a
// stand-in; f sees the whole string, to look at the match's neighbours.
func replaceMatches(s string, re *regexp.Regexp, f func(s string, i, j int) string) string {
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		v := f(s, m[0], m[1])
		if v == "" {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(v)
		last = m[1]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func (x *redactor) addressStandIn(text string) string {
	a, err := netip.ParseAddr(text)
	if err != nil || x.keepAddress(a.Unmap()) {
		return ""
	}
	a = a.Unmap()
	v, ok := x.addrs[a]
	if !ok {
		v = fmt.Sprintf("address-%d", len(x.addrs)+1)
		x.addrs[a] = v
	}
	return v
}

var (
	documentation = []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32"),
	}
	sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")
)

// keepAddress: addresses that name no person. With --redact-hosts only
// Anthropic's and the documentation ranges are kept.
func (x *redactor) keepAddress(a netip.Addr) bool {
	if rules.IsAnthropicEgress(a) || a.IsLoopback() || a.IsUnspecified() {
		return true
	}
	for _, p := range documentation {
		if p.Contains(a) {
			return true
		}
	}
	if x.allAddresses {
		return false
	}
	return a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsMulticast() || sharedAddressSpace.Contains(a) || rules.IsCloudflare(a)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}
