package rules

import (
	"net/netip"
	"sort"
	"time"

	"github.com/mcptriage/mcptriage/parse"
)

// Options configure an analysis.
type Options struct {
	// Egress overrides Anthropic's ranges (and the retired addresses).
	Egress []netip.Prefix
	// URL is the connector URL as typed into Claude, when known.
	URL *ConnectorURL
	// MaxEvents caps the connector-related events kept in memory.
	MaxEvents int
	// ClaudeError is the error message Claude showed, when the user gives
	// it: some messages decide between modes a log cannot tell apart.
	ClaudeError string
}

// DefaultMaxEvents is far more than any real set of attempts needs;
// it only bounds memory on pathological input.
const DefaultMaxEvents = 200_000

// Collector keeps the connector-related events of a stream, in constant
// memory for everything else.
type Collector struct {
	opts     Options
	egress   []netip.Prefix
	retired  []netip.Prefix
	kept     []*Ev
	env      Env
	seen     int
	requests int
	capped   bool
	// lastAuthorize is when the last authorize request with Claude's
	// callback was seen: login and consent pages are only worth keeping
	// shortly after one.
	lastAuthorize time.Time
	// browsers are the addresses that made authorize requests, and when:
	// only their login and consent steps can belong to an attempt.
	browsers map[netip.Addr]time.Time
}

// NewCollector starts an analysis.
func NewCollector(opts Options) *Collector {
	c := &Collector{opts: opts, egress: opts.Egress}
	if len(c.egress) == 0 {
		c.egress = append(append([]netip.Prefix{}, DefaultEgress...), RetiredEgress...)
		c.retired = RetiredEgress
	}
	if c.opts.MaxEvents <= 0 {
		c.opts.MaxEvents = DefaultMaxEvents
	}
	return c
}

// Add looks at one event; the collector copies what it keeps.
func (c *Collector) Add(pe *parse.Event) {
	c.seen++
	if pe.IsRequest() {
		c.requests++
	}
	c.noteEnv(pe)
	e, keep := c.classify(pe)
	if !keep {
		return
	}
	if len(c.kept) >= c.opts.MaxEvents {
		c.capped = true
		return
	}
	cp := *pe
	e.Event = &cp
	c.kept = append(c.kept, &e)
}

func (c *Collector) noteEnv(pe *parse.Event) {
	if IsCloudflare(pe.Peer) {
		c.env.CloudflarePeers++
	}
	if pe.ConnectingIPHeader == "CF-Connecting-IP" {
		c.env.BehindCloudflare = true
	}
	if pe.Authorization != parse.Unknown {
		c.env.LogsAuthorization = true
	}
	if pe.HasDuration {
		c.env.LogsDuration = true
	}
	if pe.HasWWWAuth != parse.Unknown {
		c.env.LogsWWWAuth = true
	}
	if pe.ContentType != "" {
		c.env.LogsContentType = true
	}
	if pe.Time.After(c.env.LogEnd) && !parse.IsSynthetic(pe.Time) {
		c.env.LogEnd = pe.Time
	}
	switch pe.Layer {
	case parse.LayerEdge:
		c.env.Edge.note(pe.Time)
	case parse.LayerApp:
		c.env.App.note(pe.Time)
	}
	if isGCPInternal(pe.Peer) {
		c.env.GCPInternalPeers++
	}
}

// classify decides whether an event can belong to a connect attempt.
// Most lines are unrelated: it returns keep=false for them without
// allocating.
func (c *Collector) classify(pe *parse.Event) (e Ev, keep bool) {
	if pe.Time.IsZero() {
		return e, false
	}
	e.Event = pe
	if !pe.IsRequest() {
		// An app's own words about the flow are evidence for the attempt
		// they fall in; words about nothing in particular are not.
		if pe.Signals == 0 {
			return e, false
		}
		e.Role, e.message = RoleMessage, true
		return e, true
	}
	if a, ok := c.egressOf(pe); ok {
		e.Confirmed, e.Egress = true, a
		e.Retired = inAny(a, c.retired)
	}
	e.kind = classifyPath(pe.Method, pe.Path, pe.RawQuery)
	// Most traffic is neither the connector's nor on an OAuth or MCP
	// path: leave it before the address work below.
	if !e.Confirmed && e.kind == kindOther && pe.UAKnown && !isConnectorUA(pe.UserAgent) && pe.UserAgent != "" {
		return e, false
	}
	e.Client, e.ClientVia = clientOf(pe)
	ua := pe.UserAgent
	if e.kind == kindAuthorize && (hasClaudeCallback(pe.RawQuery) || !pe.UAKnown) {
		e.Browser, e.strong, e.Confirmed = true, true, false
		if pe.Time.After(c.lastAuthorize) {
			c.lastAuthorize = pe.Time
		}
		c.noteBrowser(e.Client, pe.Time)
		return e, true
	}
	onURLPath := c.opts.URL != nil && c.opts.URL.Path != "" && c.opts.URL.Path != "/" && samePathFold(pe.Path, c.opts.URL.Path)
	if c.opts.URL != nil && pe.Host != "" && !sameHost(pe.Host, c.opts.URL.Host) && (e.kind == kindMCPish || e.kind == kindOther) {
		return e, false // another site on the same server
	}
	browserStep := func() bool {
		// A login or consent step, if its browser shows up on an attempt.
		if c.lastAuthorize.IsZero() || absDuration(pe.Time.Sub(c.lastAuthorize)) > humanWindow {
			return false
		}
		// The grouping only takes steps from a browser seen on the
		// attempt's authorize request; keeping others would only cost
		// memory on a busy site.
		if at, ok := c.browsers[e.Client]; e.Client.IsValid() && (!ok || absDuration(pe.Time.Sub(at)) > humanWindow) {
			return false
		}
		e.Browser = true
		return true
	}
	switch {
	case e.Confirmed:
		// Claude-User also fetches web pages for chats; only requests to
		// the MCP or OAuth endpoints, or any POST, belong to the connector.
		page := (e.kind == kindOther || e.kind == kindAuthish) && (pe.Method == "GET" || pe.Method == "HEAD") && !onURLPath
		if page {
			return e, false
		}
		e.strong = true
	case isConnectorUA(ua) || (pe.UAKnown && ua == ""):
		switch {
		case e.kind == kindPRM, onURLPath:
			e.strong = true
		case e.kind == kindMCPish:
			e.strong = isConnectorUA(ua)
		case e.kind == kindASMeta, e.kind == kindRegister, e.kind == kindToken:
		case pe.Method == "POST" && isConnectorUA(ua):
			// A probe on an unusual path; kept if discovery follows.
		default:
			return e, false
		}
	case !pe.UAKnown:
		// The format does not log user agents (uvicorn, Next.js, a pasted
		// summary): paths and timing are all there is.
		switch {
		case e.kind == kindPRM, e.kind == kindMCPish, onURLPath:
			e.strong = true
		case e.kind == kindASMeta, e.kind == kindRegister, e.kind == kindToken:
		case e.kind == kindAuthish:
			if !browserStep() {
				return e, false
			}
		case pe.Method == "POST":
		default:
			return e, false
		}
	case e.kind == kindAuthish || e.kind == kindAuthorize:
		if !browserStep() {
			return e, false
		}
	default:
		return e, false
	}
	return e, true
}

// WantsBrowserStep says whether a login or consent page visited at t
// could be part of an attempt: an authorization request came within the
// human window before (as classify's browser step decides). The fast
// path asks it, in order, before parsing such a page.
func (c *Collector) WantsBrowserStep(t time.Time, peer netip.Addr) bool {
	if c.lastAuthorize.IsZero() || absDuration(t.Sub(c.lastAuthorize)) > humanWindow {
		return false
	}
	// A public peer that is not a proxy is the client itself (clientOf):
	// it must be a browser that asked for an authorization.
	if peer.IsValid() && !isNonPublic(peer) && !IsCloudflare(peer) {
		at, ok := c.browsers[peer]
		return ok && absDuration(t.Sub(at)) <= humanWindow
	}
	return true
}

// noteBrowser remembers a browser that asked for an authorization,
// forgetting the ones too old to matter so the map stays small.
func (c *Collector) noteBrowser(a netip.Addr, t time.Time) {
	if !a.IsValid() {
		return
	}
	if c.browsers == nil {
		c.browsers = map[netip.Addr]time.Time{}
	}
	if len(c.browsers) > 1024 {
		for k, at := range c.browsers {
			if absDuration(t.Sub(at)) > humanWindow {
				delete(c.browsers, k)
			}
		}
	}
	if t.After(c.browsers[a]) {
		c.browsers[a] = t
	}
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// egressOf finds an address of Anthropic's egress among those the
// request names (the peer, a client header, X-Forwarded-For).
func (c *Collector) egressOf(pe *parse.Event) (netip.Addr, bool) {
	if inAny(pe.Peer, c.egress) {
		return pe.Peer, true
	}
	if inAny(pe.ConnectingIP, c.egress) {
		return pe.ConnectingIP, true
	}
	for _, a := range pe.ForwardedFor {
		if inAny(a, c.egress) {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func addressesOf(pe *parse.Event) []netip.Addr {
	out := make([]netip.Addr, 0, 2+len(pe.ForwardedFor))
	out = append(out, pe.Peer, pe.ConnectingIP)
	return append(out, pe.ForwardedFor...)
}

func sameHost(a, b string) bool {
	if i := lastColonPort(a); i > 0 {
		a = a[:i]
	}
	return len(a) == len(b) && equalFoldASCII(a, b)
}

func lastColonPort(h string) int {
	for i := len(h) - 1; i >= 0; i-- {
		switch {
		case h[i] == ':':
			return i
		case h[i] < '0' || h[i] > '9':
			return -1
		}
	}
	return -1
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Run is the result of an analysis: the attempts, each diagnosed, and
// findings about the run as a whole.
type Run struct {
	Attempts []*Attempt
	Findings []*Finding
	URL      *ConnectorURL
	Env      *Env
	Events   int  // events read from all inputs
	Requests int  // of which requests (the rest are app messages)
	Kept     int  // connector-related events kept
	Capped   bool // MaxEvents was reached; later events were not kept
}

// Analyze groups the kept events into attempts and runs every rule.
func (c *Collector) Analyze() *Run {
	env := c.env
	env.ClaudeError = c.opts.ClaudeError
	env.BehindCloudflare = env.BehindCloudflare || c.env.CloudflarePeers > 0
	sort.SliceStable(c.kept, func(i, j int) bool { return c.kept[i].Time.Before(c.kept[j].Time) })
	r := &Run{URL: c.opts.URL, Env: &env, Events: c.seen, Requests: c.requests, Kept: len(c.kept), Capped: c.capped}
	inferFronts(c.kept, &env)
	r.Attempts = group(merge(c.kept), c.opts.URL, &env)
	diagnose(r, All)
	return r
}
