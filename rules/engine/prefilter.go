package engine

import (
	"bytes"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/mcptriage/mcptriage/parse"
)

// Prefilter decides from a raw access-log line, before any parsing,
// whether the line could belong to the connector. It may say yes too
// often, never too rarely: every line the collector would keep passes
// (a test holds it to that on generated logs). Most lines of a big log
// are refused after a few vectorised searches and no allocation.
type Prefilter struct {
	addrs   [][]byte // textual prefixes of the egress ranges
	octets  []string // their first octets, once each ("160", "34")
	urlPath string   // the connector URL's path, lower case ("" when none)
	scratch []byte   // for lower-casing a path; one per goroutine (Clone)
	// seen remembers the kinds of recent paths: a log repeats a few
	// hundred paths (pages, assets, API calls) millions of times.
	seen map[string]tokKind
	// lastTok and lastKind are the last path looked up (kept in place,
	// up to its capacity), compared before the memory.
	lastTok  []byte
	lastKind tokKind
	// public remembers publicPeer's answer per peer text: a busy server's
	// clients come back thousands of times, and parsing an IPv6 address
	// and testing it against Cloudflare's ranges on every line was a
	// fifth of the fast path's time on such a day.
	public map[string]bool
	// tally receives the look-alikes the fast path drops (see ReportTo).
	tally *lookAlikeTally
}

// tokKind is what a path token (path and query) is to the collector.
type tokKind struct {
	kind   pathKind
	claude bool // an authorization that comes back to Claude's callback
	onURL  bool // the connector URL's own path
	skip   bool // no word classifyPath looks for: an ordinary page
}

// verdict is the token's verdict for a line whose client is unknown.
func (k tokKind) verdict() parse.Verdict {
	switch {
	case k.onURL:
		return parse.Keep
	case k.skip, k.kind == kindOther:
		return parse.Drop
	case k.kind == kindAuthish:
		return parse.Weak
	}
	return parse.Keep
}

// ReportTo makes the fast path count the look-alikes it drops into c's
// table, as c counts those it parses.
func (p *Prefilter) ReportTo(c *Collector) { p.tally = c.tally }

// seenMax bounds the path memory; it starts over when full.
const seenMax = 8192

// seenLongest is the longest token the path memory takes: longer ones
// carry a query that is new each time (an authorization's state and
// challenge), and hashing them only to miss, then filling the memory
// until it starts over, cost more than classifying them.
const seenLongest = 96

// Clone returns a prefilter for another goroutine.
func (p *Prefilter) Clone() *Prefilter {
	c := *p
	c.scratch = make([]byte, 0, 512)
	c.seen = make(map[string]tokKind, 1024)
	c.lastTok = make([]byte, 0, 64)
	c.public = make(map[string]bool, 1024)
	if p.tally != nil {
		c.tally = p.tally.part()
	}
	return &c
}

// NewPrefilter returns the prefilter for an analysis, or false when no
// textual test can be sure of the egress addresses (an IPv6 range).
func NewPrefilter(o Options) (*Prefilter, bool) {
	egress := o.Egress
	if len(egress) == 0 {
		egress = append(append([]netip.Prefix{}, DefaultEgress...), RetiredEgress...)
	}
	p := &Prefilter{scratch: make([]byte, 0, 512)}
	for _, pfx := range egress {
		m, ok := textPrefix(pfx)
		if !ok {
			return nil, false
		}
		p.addrs = append(p.addrs, m)
		if o, _, _ := strings.Cut(string(m), "."); !slices.Contains(p.octets, o) {
			p.octets = append(p.octets, o)
		}
	}
	if o.URL != nil && o.URL.Path != "" && o.URL.Path != "/" {
		p.urlPath = strings.ToLower(strings.TrimSuffix(o.URL.Path, "/"))
	}
	return p, true
}

// textPrefix is the dotted prefix every address of an IPv4 range starts
// with: 160.79.104.0/21 → "160.79.1" (which also takes 160.79.1xx, a few
// more than needed, as a prefilter may).
func textPrefix(p netip.Prefix) ([]byte, bool) {
	if !p.Addr().Is4() {
		return nil, false
	}
	p = p.Masked()
	b := p.Addr().As4()
	full := p.Bits() / 8
	var parts []string
	for i := 0; i < full; i++ {
		parts = append(parts, strconv.Itoa(int(b[i])))
	}
	s := strings.Join(parts, ".")
	if full < 4 {
		s += "."
	}
	if rem := p.Bits() % 8; rem != 0 && full < 4 {
		// The leading digits shared by every value of the partial octet.
		lo, hi := strconv.Itoa(int(b[full])), strconv.Itoa(int(b[full])+(1<<(8-rem))-1)
		if len(lo) == len(hi) {
			i := 0
			for i < len(lo) && lo[i] == hi[i] {
				i++
			}
			s += lo[:i]
		}
	}
	return []byte(s), true
}

// Relevant says whether the line could be the connector's or its
// browser leg's. uaKnown says whether the format logs user agents (a
// format without them keeps every POST, as the collector does).
func (p *Prefilter) Relevant(line []byte, uaKnown bool) bool {
	return p.check(line, uaKnown) != parse.Drop
}

// check looks at three bytes of the line only, each found with a
// vectorised search: '.' (the egress addresses), '-' (the connector's
// user agents, python-httpx and Claude-User, have one), and a '/' that
// starts a path after a space, a quote or an equals sign.
func (p *Prefilter) check(line []byte, uaKnown bool) parse.Verdict {
	if !uaKnown && bytes.Contains(line, []byte("POST")) {
		return parse.Keep
	}
	for i := 0; ; {
		j := bytes.IndexByte(line[i:], '.')
		if j < 0 {
			break
		}
		if p.addrAt(line, i+j) {
			return parse.Keep
		}
		i += j + 1
	}
	if bytes.Contains(line, []byte("fda3:e722")) {
		return parse.Keep
	}
	for i := 0; ; {
		j := bytes.IndexByte(line[i:], '-')
		if j < 0 {
			break
		}
		at := i + j
		if hasFoldSuffix(line[:at], "claude") || hasFoldPrefix(line[at+1:], "httpx") {
			return parse.Keep
		}
		i = at + 1
	}
	verdict := parse.Drop
	for i := 0; ; {
		j := bytes.IndexByte(line[i:], '/')
		if j < 0 {
			break
		}
		at := i + j
		i = at + 1
		if at == 0 {
			continue
		}
		switch line[at-1] {
		case ' ', '"', '=', '\t':
		default:
			continue
		}
		end := at
		for end < len(line) && line[end] != ' ' && line[end] != '"' && line[end] != '\t' {
			end++
		}
		switch p.pathVerdict(line[at:end]) {
		case parse.Keep:
			return parse.Keep
		case parse.Weak:
			verdict = parse.Weak
		}
		i = end
	}
	return verdict
}

// addrAt: an egress address (or 0.0.0.0, the unspecified peer Google's
// front end can hand the connector's traffic in with) has its first dot
// at i. Most dots belong to other numbers and fail on the octet before.
func (p *Prefilter) addrAt(line []byte, i int) bool {
	j := i
	for j > 0 && i-j < 3 && isDigit(line[j-1]) {
		j--
	}
	if j == i || j > 0 && isDigit(line[j-1]) {
		return false
	}
	octet := line[j:i]
	if len(octet) == 1 && octet[0] == '0' && bytes.HasPrefix(line[i:], []byte(".0.0.0")) {
		return true
	}
	for _, o := range p.octets {
		if string(octet) != o {
			continue
		}
		for _, m := range p.addrs {
			if bytes.HasPrefix(line[j:], m) {
				return true
			}
		}
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func hasFoldPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && equalFoldASCII(unsafeString(b[:len(s)]), s)
}

func hasFoldSuffix(b []byte, s string) bool {
	return len(b) >= len(s) && equalFoldASCII(unsafeString(b[len(b)-len(s):]), s)
}

// pathVerdict applies the collector's own path classification to a
// path token: Keep for an endpoint of the flow, Weak for a page a browser
// may pass through while authorizing, Drop for anything else. The
// strings alias the line: nothing is copied or kept.
func (p *Prefilter) pathVerdict(tok []byte) parse.Verdict { return p.tokenKind(tok).verdict() }

// tokenKind classifies a path token, from the memory of recent paths
// when it can.
func (p *Prefilter) tokenKind(tok []byte) tokKind {
	if p.seen != nil && len(p.lastTok) > 0 && string(tok) == string(p.lastTok) {
		// A busy MCP server's lines are mostly on one path, often in a
		// row: the last path is compared before the memory is looked in.
		return p.lastKind
	}
	if p.seen != nil && len(tok) <= seenLongest {
		k, ok := p.seen[string(tok)] // no allocation for the lookup
		if !ok {
			k = p.tokenKindOf(tok)
			if len(p.seen) >= seenMax {
				clear(p.seen)
			}
			p.seen[string(tok)] = k
		}
		if len(tok) <= cap(p.lastTok) {
			p.lastTok, p.lastKind = append(p.lastTok[:0], tok...), k
		}
		return k
	}
	return p.tokenKindOf(tok)
}

func (p *Prefilter) tokenKindOf(tok []byte) tokKind {
	// Lower-cased in a reused buffer, so that classifyPath never allocates.
	if cap(p.scratch) >= len(tok) {
		buf := p.scratch[:len(tok)]
		for i, c := range tok {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		tok = buf
	}
	path, query := tok, []byte(nil)
	if q := bytes.IndexByte(tok, '?'); q >= 0 {
		path, query = tok[:q], tok[q+1:]
	}
	ps, qs := unsafeString(path), unsafeString(query)
	var k tokKind
	k.onURL = p.urlPath != "" && SamePathFold(ps, p.urlPath)
	if !mayClassify(tok) {
		k.skip = true
		return k
	}
	// POST is the conservative method: it is what makes /register and
	// /token endpoints.
	k.kind = classifyPath("POST", ps, qs)
	k.claude = k.kind == kindAuthorize && (strings.Contains(qs, "claude.ai%2fapi%2fmcp%2fauth_callback") || strings.Contains(qs, "claude.com%2fapi%2fmcp%2fauth_callback") ||
		strings.Contains(qs, "claude.ai/api/mcp/auth_callback") || strings.Contains(qs, "claude.com/api/mcp/auth_callback"))
	return k
}

// mayClassify: the lower-cased token holds a word classifyPath looks
// for. One pass over the token, comparing only the keywords that start
// with each byte, so that ordinary paths cost a few nanoseconds.
func mayClassify(tok []byte) bool {
	for i := 0; i < len(tok); i++ {
		for _, w := range keywordsByFirstByte[tok[i]] {
			if has(tok[i:], w) {
				return true
			}
		}
	}
	return false
}

// keywordsByFirstByte indexes classifierKeywords by their first byte.
var keywordsByFirstByte = func() (t [256][]string) {
	for _, w := range classifierKeywords {
		t[w[0]] = append(t[w[0]], w)
	}
	return t
}()

func has(b []byte, s string) bool { return len(b) >= len(s) && string(b[:len(s)]) == s }

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// Check is the prefilter for an access log whose fields parse can locate
// (Shape.Locate: nginx's combined layout and its relatives, Apache,
// HAProxy): it judges the fields the collector reads, where they are,
// instead of every byte. A login or consent page visited by an ordinary
// browser is Weak: it matters only near an authorization request. A line
// whose peer is a public address outside Anthropic's range is someone
// else's, whatever its path or user agent (the collector drops it too),
// unless it is the user's browser coming back to Claude: on a busy MCP
// server that is most lines. JSON access logs and layouts parse cannot
// locate are judged as a whole (CheckJSON, Relevant).
func (p *Prefilter) Check(line []byte, sh parse.Shape) parse.Verdict {
	switch sh.Layout {
	case parse.LayoutNone:
		if p.Relevant(line, sh.UAKnown) {
			return parse.Keep
		}
		return parse.Drop
	case parse.LayoutJSON:
		return p.CheckJSON(line, sh.UAKnown)
	}
	generic := func() parse.Verdict {
		if p.Relevant(line, sh.UAKnown) {
			return parse.Keep
		}
		return parse.Drop
	}
	var f parse.Fields
	if !sh.Locate(line, &f) {
		if sh.Layout == parse.LayoutCombined {
			// Not the input's skeleton: junk, or a line cut short. The
			// full parse skips it and says where (the scanner leaves
			// this test to the prefilter).
			return parse.Keep
		}
		return generic()
	}
	peer := f.Peer.Of(line)
	for _, m := range p.addrs {
		// The first byte first: most peers differ there, and the call
		// to compare was measurable on every line.
		if len(peer) >= len(m) && peer[0] == m[0] && string(peer[:len(m)]) == string(m) {
			return parse.Keep
		}
	}
	if string(peer) == "0.0.0.0" {
		return parse.Keep
	}
	// Addresses beside the peer: a forwarded header, a tail, captures.
	extra, fwd := f.Extra.Of(line), f.Forwarded.Of(line)
	if p.hasEgress(fwd) || p.hasEgress(extra) {
		return parse.Keep
	}
	k := tokKind{skip: true}
	if t := pathOf(f.Target.Of(line)); len(t) > 0 && t[0] == '/' {
		k = p.tokenKind(t)
	}
	uaKnown := sh.UAKnown && f.UserAgent.Found()
	ua := f.UserAgent.Of(line)
	if p.publicPeer(peer) {
		return p.checkPublic(k, ua, uaKnown)
	}
	if !sh.UAKnown && string(f.Method.Of(line)) == "POST" {
		return parse.Keep
	}
	if uaKnown && !uaMayBeConnector(ua) && !(k.kind == kindAuthorize || k.kind == kindAuthish) {
		// Behind a proxy every client has its address: another client's
		// user agent on the connector's endpoints (Claude Code, Cursor,
		// a browser) is not a candidate, as the collector decides.
		return parse.Drop
	}
	path := k.verdict()
	if path == parse.Keep || uaKnown && (hasFoldPrefix(ua, "python-httpx") || hasFoldPrefix(ua, "claude-user")) {
		return parse.Keep
	}
	// A user agent the layout does not place (HAProxy's captures), or a
	// tail's own fields: judge them as a whole.
	if !uaKnown && len(extra) > 0 && p.Relevant(extra, true) {
		return parse.Keep
	}
	return path
}

// CheckCombined is Check for nginx's combined layout (and the Common Log
// Format, when the format logs no user agents).
func (p *Prefilter) CheckCombined(line []byte, uaKnown bool) parse.Verdict {
	return p.Check(line, parse.Shape{Combined: true, Layout: parse.LayoutCombined, UAKnown: uaKnown})
}

// pathOf strips an absolute target's scheme and host: "https://h/x" → "/x".
func pathOf(t []byte) []byte {
	if len(t) > 0 && t[0] != '/' {
		if i := bytes.Index(t, []byte("://")); i >= 0 {
			rest := t[i+3:]
			if j := bytes.IndexByte(rest, '/'); j >= 0 {
				return rest[j:]
			}
			return nil
		}
	}
	return t
}

// checkPublic judges a line whose client is its public peer: only
// Anthropic's address in a forwarded field of the tail (the collector
// reads those too) or the browser's way back to Claude keeps it; the
// look-alikes it drops are counted, as the collector counts them.
func (p *Prefilter) checkPublic(k tokKind, ua []byte, uaKnown bool) parse.Verdict {
	switch {
	case k.claude:
		return parse.Keep
	case !k.skip && (k.kind == kindAuthorize || k.kind == kindAuthish):
		return parse.Weak
	case !k.skip && k.kind != kindOther,
		uaKnown && (hasFoldPrefix(ua, "python-httpx/") || hasFoldPrefix(ua, "claude-user")):
		if p.tally != nil {
			p.tally.add(unsafeString(ua), uaKnown)
		}
	}
	return parse.Drop
}

// uaMayBeConnector: a user agent the connector's backend may send
// (uaFitsConnector, from a raw field): python-httpx, Claude-User, or none.
func uaMayBeConnector(ua []byte) bool {
	return len(ua) == 0 || string(ua) == "-" || hasFoldPrefix(ua, "python-httpx/") || hasFoldPrefix(ua, "claude-user")
}

// publicPeer is the package's publicPeer, remembered per peer (the same
// bound as the path memory) when the prefilter has a memory.
func (p *Prefilter) publicPeer(peer []byte) bool {
	if v4, n, ok := leadingIPv4(peer); ok && n == len(peer) {
		// Dotted IPv4 is quicker to judge than to look up, and a big
		// log's addresses outnumber any memory.
		return publicV4(v4)
	}
	if p.public == nil {
		return publicPeer(peer)
	}
	if v, ok := p.public[string(peer)]; ok { // no allocation for the lookup
		return v
	}
	v := publicPeer(peer)
	if len(p.public) >= seenMax {
		clear(p.public)
	}
	p.public[string(peer)] = v
	return v
}

// publicPeer: the peer field is a public address that is not a
// Cloudflare edge: the client itself, as clientOf reads it. Dotted IPv4
// is read by hand (it runs on every line); anything else by netip.
func publicPeer(peer []byte) bool {
	if v4, n, ok := leadingIPv4(peer); ok && n == len(peer) {
		return publicV4(v4)
	}
	if len(peer) == 0 || len(peer) > 45 {
		return false
	}
	a, err := netip.ParseAddr(unsafeString(peer))
	if err != nil {
		return false
	}
	return !IsNonPublic(a) && !IsCloudflare(a) && !isGCPInternal(a)
}

// publicV4 is publicPeer for an IPv4 address, by its octets: IsNonPublic's
// ranges (private, loopback, link-local, carrier-grade NAT, 0.0.0.0),
// then Cloudflare's, searched only for the first octets they start with.
func publicV4(v4 [4]byte) bool {
	switch v4[0] {
	case 10, 127:
		return false
	case 172:
		if v4[1]&0xf0 == 16 {
			return false
		}
	case 192:
		if v4[1] == 168 {
			return false
		}
	case 169:
		if v4[1] == 254 {
			return false
		}
	case 100:
		if v4[1]&0xc0 == 64 {
			return false
		}
	case 0:
		if v4 == [4]byte{} {
			return false
		}
	}
	if !cloudflareFirstOctet[v4[0]] {
		return true
	}
	a := uint32(v4[0])<<24 | uint32(v4[1])<<16 | uint32(v4[2])<<8 | uint32(v4[3])
	for _, r := range cloudflareV4 {
		if a&r.mask == r.net {
			return false
		}
	}
	return true
}

// cloudflareV4 is Cloudflare's IPv4 ranges as masks and networks, for
// publicV4 (netip's Prefix.Contains over every range was a tenth of the
// fast path on a log whose clients share a first octet with them).
var cloudflareV4 = func() (out []struct{ net, mask uint32 }) {
	for _, p := range cloudflareRanges {
		if !p.Addr().Is4() {
			continue
		}
		b := p.Masked().Addr().As4()
		out = append(out, struct{ net, mask uint32 }{uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]), ^uint32(0) << (32 - p.Bits())})
	}
	return out
}()

// leadingIPv4 reads a dotted IPv4 address at the start of b.
func leadingIPv4(b []byte) (v4 [4]byte, n int, ok bool) {
	for k := 0; k < 4; k++ {
		if k > 0 {
			if n >= len(b) || b[n] != '.' {
				return v4, 0, false
			}
			n++
		}
		start, v := n, 0
		for n < len(b) && n-start < 3 && isDigit(b[n]) {
			v = v*10 + int(b[n]-'0')
			n++
		}
		if n == start || v > 255 || n-start > 1 && b[start] == '0' {
			return v4, 0, false
		}
		v4[k] = byte(v)
	}
	return v4, n, true
}

// cloudflareFirstOctet marks the first octets of Cloudflare's IPv4 ranges.
var cloudflareFirstOctet = func() (t [256]bool) {
	for _, p := range cloudflareRanges {
		if a := p.Addr(); a.Is4() {
			lo := a.As4()[0]
			span := 1
			if p.Bits() < 8 {
				span = 1 << (8 - p.Bits())
			}
			for i := 0; i < span && int(lo)+i < 256; i++ {
				t[int(lo)+i] = true
			}
		}
	}
	return t
}()

// hasEgress: an egress address appears in b.
func (p *Prefilter) hasEgress(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '.')
		if j < 0 {
			return bytes.Contains(b, []byte("fda3:e722"))
		}
		if p.addrAt(b, i+j) {
			return true
		}
		i += j + 1
	}
}

// CheckJSON is the prefilter for JSON access logs (Caddy, Cloudflare's
// Logpush): a login or consent page without the connector's addresses
// or user agents is Weak, as in CheckCombined.
func (p *Prefilter) CheckJSON(line []byte, uaKnown bool) parse.Verdict {
	if !uaKnown && bytes.Contains(line, []byte(`"POST"`)) {
		return parse.Keep
	}
	return p.check(line, true)
}
