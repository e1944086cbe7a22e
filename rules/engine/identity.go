package engine

import (
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mcptriage/mcptriage/parse"
)

// Who sent a request is decided by its address first, never by its shape.
// A busy MCP server's traffic is mostly other MCP clients on the very
// paths the connector uses, many with the same python-httpx user agent;
// only Anthropic's egress range, Claude's OAuth callback and the flow's
// order tell the connector apart.

// clientClass is what a request's client address says about its sender.
type clientClass uint8

const (
	// clientHidden: the log shows no address for the client, or only a
	// proxy's (private, loopback, CGNAT, a Cloudflare edge with no
	// forwarded header, a Google Cloud internal address): it cannot tell.
	clientHidden clientClass = iota
	// clientEgress: an address of Anthropic's egress range.
	clientEgress
	// clientPublic: a public address outside the range: someone else.
	clientPublic
)

// classOf reads the client class of a request.
func (c *Collector) classOf(pe *parse.Event) (clientClass, netip.Addr, string) {
	client, via := clientOf(pe)
	if a, ok := c.egressOf(pe); ok {
		return clientEgress, a, via
	}
	if client.IsValid() && !IsNonPublic(client) && !IsCloudflare(client) && !isGCPInternal(client) {
		return clientPublic, client, via
	}
	return clientHidden, client, via
}

// uaFitsConnector says whether a request with this user agent can be the
// connector's backend: python-httpx (discovery, registration, token, the
// probe), Claude-User (MCP, some probes), none at all (seen, #923), or a
// format that does not log it. The official Python SDK's client also
// speaks python-httpx, but for its authenticated MCP requests, which the
// connector sends as Claude-User.
func uaFitsConnector(pe *parse.Event, kind pathKind) bool {
	ua := pe.UserAgent
	switch {
	case !pe.UAKnown || ua == "":
		return true
	case IsClaudeUserUA(ua):
		return true
	case IsBrokerUA(ua):
		return !(kind == kindMCPish && pe.Authorization == parse.Present)
	}
	return false
}

// isBrowserUA: a user agent only a person's browser sends.
func isBrowserUA(ua string) bool {
	return hasPrefixFold(ua, "mozilla/") && !strings.Contains(strings.ToLower(ua), "bot")
}

// inputIdentity is what one input (a log file) shows about its clients.
type inputIdentity struct {
	// public holds up to showsAfter distinct public client addresses
	// outside Anthropic's range; egress says the range appeared.
	public []netip.Addr
	egress bool
	// others: the input shows other OAuth or MCP clients (their user
	// agents on the connector's endpoints, or authorizations coming back
	// to another client's callback). Then an attempt that Claude cannot be
	// recognised in by its address needs a mark of its own (Claude's
	// callback, Claude-User, the app naming Claude).
	others bool
	// publicFlow: public addresses outside Anthropic's range sent requests
	// to the flow's own endpoints (MCP, metadata, registration, token):
	// other clients use this server, whether or not the log names their
	// user agents (a log without them shows them only so).
	publicFlow bool
	// markers are the times of such marks, in the input's order.
	markers []time.Time
	// hidden counts requests whose client the input does not show.
	hidden, requests int
	// flowRequests counts the requests to MCP or OAuth paths: two inputs
	// with about as many are two views of the same traffic.
	flowRequests int
	// agents: the input logs user agents; untimed: some of its records
	// carry no time (their order was used).
	agents, untimed bool
	// queries: the input logs query strings (some request had one).
	queries bool
	// ordinals counts the input's flow requests per method, path and
	// status (see Ev.ordinal); ordinalsOff: they cannot be trusted (too
	// many distinct keys, or the fast path passed over some lines).
	ordinals    map[ordinalKey]int
	ordinalsOff bool
	// clientOrdinals counts them per public client too (Ev.clientOrdinal).
	clientOrdinals map[clientOrdinalKey]int
	// pending holds the input's unconfirmed candidates until it is known
	// whether a mark of Claude is near them (see Collector.settle).
	pending []*Ev
}

// showsAfter distinct public addresses make an input one that names its
// clients: a proxy's log shows one or two.
const showsAfter = 3

// showsClients: the input names its clients' addresses, so the connector's
// would appear as Anthropic's. Candidates it holds never start an attempt.
func (in *inputIdentity) showsClients() bool { return in.egress || len(in.public) >= showsAfter }

// showsNoOne: the input shows nothing of who sent its requests (no user
// agent, no client address, no other client recognised): uvicorn's
// default access log behind a proxy.
func (in *inputIdentity) showsNoOne() bool {
	return !in.agents && !in.showsClients() && !in.others
}

func (in *inputIdentity) notePublic(a netip.Addr) {
	if len(in.public) >= showsAfter {
		return
	}
	for _, p := range in.public {
		if p == a {
			return
		}
	}
	in.public = append(in.public, a)
}

// markNear: a mark of Claude within window of t in this input.
func (in *inputIdentity) markNear(t time.Time, window time.Duration) bool {
	i := sort.Search(len(in.markers), func(i int) bool { return !in.markers[i].Before(t.Add(-window)) })
	return i < len(in.markers) && !in.markers[i].After(t.Add(window))
}

func (in *inputIdentity) noteMarker(t time.Time) {
	n := len(in.markers)
	if n > 0 && !t.After(in.markers[n-1]) {
		if t.Equal(in.markers[n-1]) {
			return
		}
		// Out of order (rare): keep the list sorted.
		i := sort.Search(n, func(i int) bool { return in.markers[i].After(t) })
		in.markers = append(in.markers, time.Time{})
		copy(in.markers[i+1:], in.markers[i:])
		in.markers[i] = t
		return
	}
	in.markers = append(in.markers, t)
}

// claudeMark: the request itself says it is Claude's: Claude-User as the
// user agent, or an authorization that comes back to Claude's callback.
func claudeMark(pe *parse.Event, kind pathKind) bool {
	if pe.UAKnown && IsClaudeUserUA(pe.UserAgent) {
		return true
	}
	return kind == kindAuthorize && hasClaudeCallback(pe.RawQuery)
}

// otherClient: the request shows a client that is not the connector on
// the connector's kind of endpoint: another OAuth client's authorization
// (its callback is not Claude's), or an MCP or OAuth request with a user
// agent the connector never sends.
func otherClient(pe *parse.Event, kind pathKind) bool {
	switch kind {
	case kindAuthorize:
		lq := strings.ToLower(pe.RawQuery)
		return strings.Contains(lq, "redirect_uri=") && !hasClaudeCallback(pe.RawQuery)
	case kindMCPish, kindPRM, kindASMeta, kindRegister, kindToken:
		return pe.UAKnown && pe.UserAgent != "" && !uaFitsConnector(pe, kind) && !isBrowserUA(pe.UserAgent)
	}
	return false
}

// LookAlike counts requests that looked like the connector's (its user
// agents, or its endpoints) but came from public addresses outside
// Anthropic's range: other clients, never the connector.
type LookAlike struct {
	UserAgent string
	Requests  int
}

// maxLookAlikes bounds the look-alike table; the rest are summed as "other".
const maxLookAlikes = 16

// lookAlikeTally counts look-alikes by user agent, from the collector and
// from the fast path's goroutines (which drop them unparsed). Each
// goroutine counts into a tally of its own (its lock is uncontended);
// the collector's sums them when asked.
type lookAlikeTally struct {
	mu sync.Mutex
	m  map[string]*int // a pointer: one map lookup per count on the fast path
	// parts are the goroutines' own tallies.
	parts []*lookAlikeTally
}

// part returns a new tally for one goroutine, summed into t's table.
func (t *lookAlikeTally) part() *lookAlikeTally {
	p := &lookAlikeTally{}
	t.mu.Lock()
	t.parts = append(t.parts, p)
	t.mu.Unlock()
	return p
}

// add counts one look-alike; ua may alias a line, so only a new key is
// copied.
func (t *lookAlikeTally) add(ua string, known bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]*int{}
	}
	key := ua
	switch {
	case !known:
		key = "(user agent not logged)"
	case ua == "" || ua == "-":
		key = "(no user agent)"
	}
	if n, ok := t.m[key]; ok {
		*n++
		return
	}
	if len(t.m) >= maxLookAlikes {
		key = "(other user agents)"
		if n, ok := t.m[key]; ok {
			*n++
			return
		}
	}
	n := 1
	t.m[strings.Clone(key)] = &n
}

func (c *Collector) noteLookAlike(pe *parse.Event) {
	c.tally.add(pe.UserAgent, pe.UAKnown)
}

// lookAlikeTable lists the look-alikes, most requests first.
func (c *Collector) lookAlikeTable() []LookAlike {
	sum := map[string]int{}
	c.tally.mu.Lock()
	for ua, n := range c.tally.m {
		sum[ua] += *n
	}
	parts := c.tally.parts
	c.tally.mu.Unlock()
	for _, p := range parts {
		p.mu.Lock()
		for ua, n := range p.m {
			sum[ua] += *n
		}
		p.mu.Unlock()
	}
	var out []LookAlike
	for ua, n := range sum {
		out = append(out, LookAlike{UserAgent: ua, Requests: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Requests != out[j].Requests {
			return out[i].Requests > out[j].Requests
		}
		return out[i].UserAgent < out[j].UserAgent
	})
	return out
}

// ordinalKey is what two logs' records of one request agree on.
type ordinalKey struct {
	method, path string
	status       int
}

// clientOrdinalKey is an ordinalKey of one public client.
type clientOrdinalKey struct {
	ordinalKey
	client netip.Addr
}

// maxOrdinalKeys bounds an input's ordinal counters (a flow has a few
// dozen distinct requests; a crawler's unique paths are not worth more).
const maxOrdinalKeys = 4096

// countOrdinal ranks a flow request among its input's requests with the
// same method, path and status.
func (in *inputIdentity) countOrdinal(method, path string, status int) int {
	if in.ordinalsOff {
		return 0
	}
	if in.ordinals == nil {
		in.ordinals = map[ordinalKey]int{}
	}
	k := ordinalKey{method, path, status}
	n, ok := in.ordinals[k]
	if !ok {
		if len(in.ordinals) >= maxOrdinalKeys {
			in.ordinalsOff = true
			return 0
		}
		k = ordinalKey{strings.Clone(method), strings.Clone(path), status}
	}
	in.ordinals[k] = n + 1
	return n + 1
}

// countClientOrdinal ranks a flow request among its input's requests
// with the same method, path and status from the same public client
// (e.Client, as classify read it); 0 when the client is not a public
// address (a proxy's, a private one, or none) or the input's ranks are
// off.
func (in *inputIdentity) countClientOrdinal(e *Ev) int {
	client := e.Client
	if in.ordinalsOff || !client.IsValid() || IsNonPublic(client) || IsCloudflare(client) {
		return 0
	}
	if in.clientOrdinals == nil {
		in.clientOrdinals = map[clientOrdinalKey]int{}
	}
	k := clientOrdinalKey{ordinalKey{e.Method, e.Path, e.Status}, client}
	n, ok := in.clientOrdinals[k]
	if !ok {
		if len(in.clientOrdinals) >= maxOrdinalKeys {
			// Too many clients to rank: every rank of this input is
			// given up, as with too many paths.
			in.ordinalsOff = true
			return 0
		}
		k.method, k.path = strings.Clone(e.Method), strings.Clone(e.Path)
	}
	in.clientOrdinals[k] = n + 1
	return n + 1
}
