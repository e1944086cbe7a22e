package engine

import (
	"net/netip"
	"strings"
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
	// Rules are the rule units Analyze runs, in the order that breaks
	// ties between equally confident findings (the rules package's All).
	Rules []*Rule
}

// DefaultMaxEvents is far more than any real set of attempts needs;
// it only bounds memory on pathological input.
const DefaultMaxEvents = 200_000

// Collector keeps the connector-related events of a stream. Its memory
// grows with the connector's own requests, not with the rest of a busy
// server's traffic: requests from public addresses outside Anthropic's
// range are counted and dropped at once, and requests whose sender the log
// cannot show are held only near a mark of Claude (see settle).
type Collector struct {
	opts     Options
	egress   []netip.Prefix
	retired  []netip.Prefix
	kept     []*Ev
	env      Env
	seen     int
	requests int
	capped   bool
	// browsers are the user agents, by address, that asked for an
	// authorization coming back to Claude: only their login and consent
	// steps can belong to an attempt.
	browsers map[netip.Addr][]browserSeen
	// lastAuthorize is the latest such authorization, for the fast path.
	lastAuthorize time.Time
	// inputs holds what each input shows about its clients.
	inputs map[string]*inputIdentity
	tally  *lookAlikeTally
	// rankMarks are Claude's marks in inputs without times, by rank
	// (see noteRankMark).
	rankMarks []rankMark
	// lastAuthorizeByUA is, per browser user agent, its latest
	// authorization and whether it was Claude's (see sharedAgentStep).
	lastAuthorizeByUA map[string]agentAuthorize
}

// agentAuthorize is a user agent's latest authorization.
type agentAuthorize struct {
	at     time.Time
	claude bool
}

// maxAgents bounds lastAuthorizeByUA; past it, the entries older than a
// person's pace go.
const maxAgents = 4096

// rankMark is a mark of Claude in an input without times: its request's
// key and rank (Ev.ordinal).
type rankMark struct {
	key     ordinalKey
	ordinal int
	file    string
}

// maxRankMarks bounds them: a flow has one or two.
const maxRankMarks = 64

// browserSeen is a browser that asked for an authorization with Claude's
// callback: its user agent, and when.
type browserSeen struct {
	addr netip.Addr
	ua   string
	at   time.Time
}

// NewCollector starts an analysis.
func NewCollector(opts Options) *Collector {
	c := &Collector{opts: opts, egress: opts.Egress, inputs: map[string]*inputIdentity{}, tally: &lookAlikeTally{}}
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
	in := c.input(pe.Pos.File)
	e, keep := c.classify(pe, in)
	if pe.IsRequest() && e.kind != kindOther {
		e.ordinal = in.countOrdinal(pe.Method, pe.Path, pe.Status)
		e.clientOrdinal = in.countClientOrdinal(&e)
		c.noteRankMark(pe, &e, in)
	}
	if !keep {
		return
	}
	cp := *pe
	if refusedByProxy(&cp) {
		// The proxy that wrote the log refused the request itself (an
		// HAProxy deny, a rate limit): to the rules it is an edge's
		// refusal, and the application never saw it.
		cp.Layer, cp.EdgeBlocked, cp.EdgeAction = parse.LayerEdge, true, "deny"
		cp.EdgeSource = "the proxy in front (" + cp.Format + ")"
	}
	e.Event = &cp
	ev := &e
	if e.candidate {
		in.pending = append(in.pending, ev)
		c.settle(in, pe.Time, false)
		return
	}
	c.keep(ev)
}

// noteRankMark carries Claude's marks from an input without times to
// one with them. Claude's callback may be only in a log without times
// (uvicorn writes the query; the app's timed log drops it), where its
// time is unknown; the same request's record in a timed log holds the
// same rank among its log's requests of the same key (Ev.ordinal), and
// there it is a mark too, so that the timed log's candidates near it are
// kept (see settle). The log without times must come first.
func (c *Collector) noteRankMark(pe *parse.Event, e *Ev, in *inputIdentity) {
	if e.ordinal == 0 {
		return
	}
	if pe.TimeSynthetic {
		if claudeMark(pe, e.kind) && len(c.rankMarks) < maxRankMarks {
			c.rankMarks = append(c.rankMarks, rankMark{ordinalKey{strings.Clone(pe.Method), strings.Clone(pe.Path), pe.Status}, e.ordinal, pe.Pos.File})
		}
		return
	}
	for _, m := range c.rankMarks {
		if m.ordinal == e.ordinal && m.file != pe.Pos.File && m.key.status == pe.Status && m.key.method == pe.Method && m.key.path == pe.Path {
			in.noteMarker(pe.Time)
			if e.kind == kindAuthorize && pe.RawQuery == "" && e.Client.IsValid() {
				// The same authorization, in a log that names its
				// browser but drops the query: that browser is Claude's
				// user's, and its login and consent steps are the
				// attempt's (an app's log beside morgan's "dev" format).
				c.noteBrowser(e.Client, pe)
				if pe.UAKnown && pe.UserAgent != "" {
					c.noteAgentAuthorize(pe, true)
				}
			}
			return
		}
	}
}

// PassedOver counts requests the fast path read past without parsing in
// the input file (lines with no trace of the connector), so that the
// run's totals are the input's; that input's requests can no longer be
// ranked (Ev.ordinal).
func (c *Collector) PassedOver(file string, n int) {
	c.seen += n
	c.requests += n
	if n > 0 {
		c.input(file).ordinalsOff = true
	}
}

func (c *Collector) keep(e *Ev) {
	if len(c.kept) >= c.opts.MaxEvents {
		c.capped = true
		return
	}
	c.kept = append(c.kept, e)
}

func (c *Collector) input(file string) *inputIdentity {
	in := c.inputs[file]
	if in == nil {
		in = &inputIdentity{}
		c.inputs[file] = in
	}
	return in
}

// Candidates wait this long for a mark of Claude before they are judged,
// and a mark keeps the candidates from markBefore before it to markAfter
// after it: the backend's discovery comes seconds before the browser's
// authorization; its token exchange follows the person's consent.
const (
	settleAfter = 2 * time.Minute
	markBefore  = time.Minute
	markAfter   = 15 * time.Minute
	pendingMax  = 1 << 15
)

// settle judges the pending candidates older than settleAfter (all of
// them when final): one is kept when a mark of Claude (an egress request,
// Claude-User, Claude's callback) is near it in its input, or when the
// input shows no other OAuth or MCP client at all, so that only the
// connector can have sent it. The others are some other client's.
func (c *Collector) settle(in *inputIdentity, now time.Time, final bool) {
	if len(in.pending) == 0 {
		return
	}
	if !final && len(in.pending) < pendingMax && now.Sub(in.pending[0].Time) < settleAfter {
		return
	}
	n := 0
	for _, e := range in.pending {
		if !final && len(in.pending)-n <= pendingMax/2 && now.Sub(e.Time) < settleAfter {
			break
		}
		n++
		if !in.others || in.markNear(e.Time.Add(markAfter/2-markBefore/2), markAfter/2+markBefore/2) {
			c.keep(e)
		}
	}
	in.pending = append(in.pending[:0], in.pending[n:]...)
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
func (c *Collector) classify(pe *parse.Event, in *inputIdentity) (e Ev, keep bool) {
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
		if pe.Signals.Has(parse.SigClaudeNamed) {
			in.noteMarker(pe.Time)
		}
		e.Role, e.message = RoleMessage, true
		return e, true
	}
	in.requests++
	if pe.RawQuery != "" {
		in.queries = true
	}
	e.kind = classifyPath(pe.Method, pe.Path, pe.RawQuery)
	if e.kind != kindOther {
		in.flowRequests++
	}
	in.agents = in.agents || pe.UAKnown
	in.untimed = in.untimed || pe.TimeSynthetic
	class, client, via := c.classOf(pe)
	e.Client, e.ClientVia = client, via
	switch class {
	case clientEgress:
		in.egress = true
		e.Confirmed, e.Egress = true, client
		e.Retired = inAny(client, c.retired)
	case clientPublic:
		in.notePublic(client)
		switch e.kind {
		case kindMCPish, kindPRM, kindASMeta, kindRegister, kindToken:
			in.publicFlow = true
		}
	default:
		in.hidden++
	}
	if claudeMark(pe, e.kind) || class == clientEgress {
		in.noteMarker(pe.Time)
	}
	if otherClient(pe, e.kind) {
		in.others = true
	}
	onURLPath := c.opts.URL != nil && c.opts.URL.Path != "" && SamePathFold(pe.Path, c.opts.URL.Path)
	if c.opts.URL != nil && pe.Host != "" && !sameHost(pe.Host, c.opts.URL.Host) && (e.kind == kindMCPish || e.kind == kindOther) {
		return e, false // another site on the same server
	}
	// The browser leg: an authorization that comes back to Claude, from
	// any address (it is the user's), and the login and consent steps of
	// the same browser.
	if e.kind == kindAuthorize && class != clientEgress && pe.UAKnown && pe.UserAgent != "" {
		c.noteAgentAuthorize(pe, hasClaudeCallback(pe.RawQuery))
	}
	if e.kind == kindAuthorize && (hasClaudeCallback(pe.RawQuery) || pe.RawQuery == "" && class != clientEgress) {
		e.Browser, e.strong = true, true
		e.Confirmed = false
		if pe.RawQuery != "" {
			c.noteBrowser(client, pe)
		}
		return e, true
	}
	if e.kind == kindAuthish || e.kind == kindAuthorize {
		if class != clientEgress && c.browserStep(pe, client, class, in) {
			e.Browser = true
			return e, true
		}
		if class != clientEgress {
			return e, false
		}
	}
	switch class {
	case clientEgress:
		// Claude-User also fetches web pages for chats; only requests to
		// the MCP or OAuth endpoints, or any POST, belong to the connector.
		page := (e.kind == kindOther || e.kind == kindAuthish) && (pe.Method == "GET" || pe.Method == "HEAD") && !onURLPath
		if page {
			return e, false
		}
		e.strong = true
		return e, true
	case clientPublic:
		// Someone else: another MCP client, a script, a scanner. Counted
		// when it looked like the connector, never kept.
		if e.kind != kindOther || pe.UAKnown && isConnectorUA(pe.UserAgent) {
			c.noteLookAlike(pe)
		}
		return e, false
	}
	// The log cannot show who sent it: a candidate, if its path and user
	// agent fit the connector.
	if !uaFitsConnector(pe, e.kind) {
		return e, false
	}
	switch {
	case e.kind == kindPRM, e.kind == kindASMeta, e.kind == kindRegister, e.kind == kindToken, onURLPath:
	case e.kind == kindMCPish:
	case pe.Method == "POST":
		// A probe on a path of its own; it counts if discovery follows.
	default:
		return e, false
	}
	e.candidate = true
	return e, true
}

// browserStep: a login or consent page of a browser that asked for an
// authorization coming back to Claude, within the human window. The
// browser is the same when its address and its user agent (or a Referer
// from the authorization) agree; behind a proxy, where every browser has
// the proxy's address, the user agent or the Referer must say it.
func (c *Collector) browserStep(pe *parse.Event, client netip.Addr, class clientClass, in *inputIdentity) bool {
	if c.lastAuthorize.IsZero() || AbsDuration(pe.Time.Sub(c.lastAuthorize)) > humanWindow {
		return false
	}
	switch legOf(pe) {
	case legClaude:
		return true // its query or Referer carries Claude's callback
	case legOther:
		return false // another client's authorization
	}
	refOK := refererFromAuthorization(pe.Referer) && !in.others
	match := func(seen []browserSeen) bool {
		for _, b := range seen {
			if AbsDuration(pe.Time.Sub(b.at)) > humanWindow {
				continue
			}
			if refOK || pe.UAKnown && pe.UserAgent != "" && pe.UserAgent == b.ua {
				return true
			}
			// A log without user agents, where the address is the
			// browser's own (not a proxy's): the address is all there is.
			if !pe.UAKnown && class == clientPublic {
				return true
			}
		}
		return false
	}
	if class == clientPublic {
		return match(c.browsers[client])
	}
	if in.others {
		// Behind a proxy, among other clients' users: a user agent is
		// shared by too many browsers to tell one from another, unless
		// the latest authorization with it was Claude's.
		return c.sharedAgentStep(pe)
	}
	for _, seen := range c.browsers {
		if match(seen) {
			return true
		}
	}
	// A paste, or a log with neither the clients' addresses nor user
	// agents (uvicorn behind a proxy): nothing but the order ties the step
	// to the authorization, and only when no other client shows.
	return !pe.UAKnown && pe.Referer == "" && !in.others
}

// noteAgentAuthorize remembers a browser authorization by its user agent.
func (c *Collector) noteAgentAuthorize(pe *parse.Event, claude bool) {
	if c.lastAuthorizeByUA == nil {
		c.lastAuthorizeByUA = map[string]agentAuthorize{}
	}
	if prev, ok := c.lastAuthorizeByUA[pe.UserAgent]; ok && prev.at.Equal(pe.Time) {
		claude = claude || prev.claude // the same request, marked Claude's by rank after
	} else if len(c.lastAuthorizeByUA) >= maxAgents {
		for ua, a := range c.lastAuthorizeByUA {
			if AbsDuration(pe.Time.Sub(a.at)) > humanWindow {
				delete(c.lastAuthorizeByUA, ua)
			}
		}
		if len(c.lastAuthorizeByUA) >= maxAgents {
			clear(c.lastAuthorizeByUA)
		}
	}
	c.lastAuthorizeByUA[pe.UserAgent] = agentAuthorize{at: pe.Time, claude: claude}
}

// sharedAgentStep: behind a proxy, among other clients' users, a login or
// consent step is Claude's user's when the latest authorization with the
// same user agent was Claude's, a person's pace before. A browser goes
// from its authorization to its consent; another person with the very
// same browser who authorized earlier, and consented before Claude's
// user authorized, is told apart by that order. (Two people with one user
// agent whose flows interleave are not: the later authorization takes
// both steps.)
func (c *Collector) sharedAgentStep(pe *parse.Event) bool {
	if !pe.UAKnown || pe.UserAgent == "" {
		return false
	}
	a, ok := c.lastAuthorizeByUA[pe.UserAgent]
	return ok && a.claude && !pe.Time.Before(a.at) && pe.Time.Sub(a.at) <= humanWindow
}

// refererFromAuthorization: the page was reached from an authorization,
// login or consent page.
func refererFromAuthorization(ref string) bool {
	if ref == "" || ref == "-" {
		return false
	}
	path := ref
	if i := strings.Index(path, "://"); i >= 0 {
		path = path[i+3:]
		if j := strings.IndexByte(path, '/'); j >= 0 {
			path = path[j:]
		} else {
			path = "/"
		}
	}
	path, query, _ := strings.Cut(path, "?")
	switch classifyPath("GET", path, query) {
	case kindAuthorize, kindAuthish:
		return !strings.Contains(strings.ToLower(ref), "claude.ai")
	}
	return false
}

// WantsBrowserStep says whether a login or consent page visited at t
// from peer could be part of an attempt: an authorization with Claude's
// callback came within the human window (from that address, when the
// address is a client's own). The fast path asks it, in order, before
// parsing such a page; the collector then checks the user agent too.
func (c *Collector) WantsBrowserStep(t time.Time, peer netip.Addr) bool {
	if c.lastAuthorize.IsZero() || AbsDuration(t.Sub(c.lastAuthorize)) > humanWindow {
		return false
	}
	if peer.IsValid() && !IsNonPublic(peer) && !IsCloudflare(peer) {
		for _, b := range c.browsers[peer] {
			if AbsDuration(t.Sub(b.at)) <= humanWindow {
				return true
			}
		}
		return false
	}
	return true
}

// noteBrowser remembers a browser that asked for an authorization,
// forgetting the ones too old to matter so the map stays small.
func (c *Collector) noteBrowser(a netip.Addr, pe *parse.Event) {
	if pe.Time.After(c.lastAuthorize) {
		c.lastAuthorize = pe.Time
	}
	if c.browsers == nil {
		c.browsers = map[netip.Addr][]browserSeen{}
	}
	if len(c.browsers) > 1024 {
		for k, seen := range c.browsers {
			if AbsDuration(pe.Time.Sub(seen[len(seen)-1].at)) > humanWindow {
				delete(c.browsers, k)
			}
		}
	}
	seen := c.browsers[a]
	for i := range seen {
		if seen[i].ua == pe.UserAgent {
			if pe.Time.After(seen[i].at) {
				seen[i].at = pe.Time
			}
			return
		}
	}
	if len(seen) >= 8 {
		seen = seen[1:]
	}
	c.browsers[a] = append(seen, browserSeen{addr: a, ua: pe.UserAgent, at: pe.Time})
}

func AbsDuration(d time.Duration) time.Duration {
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
	// LookAlikes are requests that looked like the connector's but came
	// from public addresses outside Anthropic's range, by user agent.
	LookAlikes []LookAlike
	// HiddenClients: no input showed its clients' addresses (every one
	// was a proxy's, private, or not logged): the connector could only be
	// recognised by its user agents, paths and timing.
	HiddenClients bool
}

// Analyze groups the kept events into attempts and runs every rule.
func (c *Collector) Analyze() *Run {
	hidden := true
	for _, in := range c.inputs {
		c.settle(in, time.Time{}, true)
		if in.requests > 0 && in.showsClients() {
			hidden = false
		}
	}
	env := c.env
	env.ClaudeError = c.opts.ClaudeError
	env.BehindCloudflare = env.BehindCloudflare || c.env.CloudflarePeers > 0
	c.kept = alignUntimed(c.kept, c.inputs)
	SortByTime(c.kept)
	r := &Run{URL: c.opts.URL, Env: &env, Events: c.seen, Requests: c.requests, Kept: len(c.kept), Capped: c.capped,
		LookAlikes: c.lookAlikeTable(), HiddenClients: hidden && c.requests > 0}
	inferFronts(c.kept, &env)
	r.Attempts = group(merge(c.kept, c.inputs), c.opts.URL, &env, c.inputs)
	diagnose(r, c.opts.Rules)
	return r
}

// leg says whose authorization a browser step belongs to, when its query
// or its Referer (a login page's next=, a consent form's Referer) carries
// the authorization's redirect_uri.
type leg uint8

const (
	legUnknown leg = iota
	legClaude      // Claude's callback
	legOther       // another client's callback
)

func legOf(pe *parse.Event) leg {
	for _, s := range []string{pe.RawQuery, pe.Referer} {
		if s == "" {
			continue
		}
		ls := strings.ToLower(s)
		// Nested URLs encode their query once more per level.
		for i := 0; i < 3 && strings.Contains(ls, "%25"); i++ {
			ls = strings.ReplaceAll(ls, "%25", "%")
		}
		cut, named := cutClaudeCallback(ls)
		switch {
		case hasClaudeCallback(ls), named:
			return legClaude
		case cut:
			continue // cut before it names anyone
		case strings.Contains(ls, "redirect_uri=") || strings.Contains(ls, "redirect_uri%3d"):
			return legOther
		}
	}
	return legUnknown
}

// refusedByProxy: the logging proxy answered with a refusal of its own
// (HAProxy's termination state P… or L…: its rules or its own answer),
// not the application, and not a timeout waiting for it.
func refusedByProxy(pe *parse.Event) bool {
	if !pe.ProxyAnswered || pe.Status < 400 || pe.Status >= 500 {
		return false
	}
	t := pe.Termination
	return t == "" || t[0] == 'P' || t[0] == 'L'
}
