package engine

import (
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mcptriage/mcptriage/parse"
)

// Role is what a request was for, within an attempt.
type Role uint8

const (
	RoleOther     Role = iota
	RoleProbe          // the MCP endpoint, before any token: the unauthenticated probe
	RolePRM            // protected-resource metadata
	RoleASMeta         // authorization-server metadata
	RoleRegister       // dynamic client registration
	RoleAuthorize      // the browser's authorize request with Claude's callback
	RoleBrowser        // other browser steps: login, consent, an IdP callback
	RoleToken          // the token exchange
	RoleMCP            // the MCP endpoint once authorized
	RoleMessage        // an application's own words about the flow
)

var roleNames = [...]string{"other", "probe", "prm", "as_metadata", "register", "authorize", "browser", "token", "mcp", "message"}

func (r Role) String() string { return roleNames[r] }

// Ev is an event as the rules see it: classified, with the address that
// tied it to the connector.
type Ev struct {
	*parse.Event
	Role Role
	// Browser: the user's own browser, not Claude's backend.
	Browser bool
	// Confirmed: the request came from Anthropic's egress range; otherwise
	// it was matched by user agent, path and timing only.
	Confirmed bool
	Egress    netip.Addr // the Anthropic address, when Confirmed
	Retired   bool       // Egress is one of the retired 34.162.x addresses
	Client    netip.Addr // the best guess at the real client
	ClientVia string     // where Client was read from

	// Views are other sightings of the same request: the edge's record of
	// it, the application's own access line.
	Views []*parse.Event

	kind      pathKind
	strong    bool // may start an attempt on its own
	message   bool // an app message, not a request
	candidate bool // the log cannot show who sent it; path and user agent fit the connector
	onPath    bool // a request to the connector's MCP endpoint (see connectorPaths)
	// ordinal is the request's rank among its input's requests with the
	// same method, path and status, kept or not (0 when not counted): the
	// k-th such request in an untimed log is the k-th in a timed log of
	// the same traffic (alignUntimed).
	ordinal int
	// clientOrdinal is the same rank among the requests of the same
	// public client (0 when the record shows none): concurrent requests
	// of different clients can be written in different orders by two
	// logs, one client's own requests cannot.
	clientOrdinal int
}

// IsMessage: an application's message, not a request.
func (e *Ev) IsMessage() bool { return e.message }

// OK is a 2xx answer.
func (e *Ev) OK() bool { return e.Status >= 200 && e.Status < 300 }

// Redirect is a 3xx answer.
func (e *Ev) Redirect() bool { return e.Status >= 300 && e.Status < 400 }

// Attempt is one press of Connect, as far as the logs show it: the
// connector's backend requests plus the user's browser steps, in time order.
type Attempt struct {
	ID        int
	Events    []*Ev
	Start     time.Time
	End       time.Time
	EgressIPs []netip.Addr
	Confirmed bool // at least one request came from Anthropic's egress range

	// AddressNote says where the connector's address was read and why,
	// when it was not simply the connecting address.
	AddressNote string

	// ConnectorPath is the MCP endpoint path the connector used (from the
	// connector URL when given, else from the first probe).
	ConnectorPath string
	Host          string

	Stages        [StageMCP + 1]StageResult
	LastCompleted Stage
	Outcome       Outcome
	Findings      []*Finding

	Env *Env // facts about the whole log, shared by all attempts
	URL *ConnectorURL

	// browsers are the browsers of this attempt's authorizations.
	browsers []browserSeen
	// clientIDs are the OAuth client ids this attempt is known by: its
	// authorizations', and the one an application says it registered
	// for Claude.
	clientIDs []string
	states    []string // the state parameters of its authorizations
	// Running state while grouping, kept up to date by add.
	tokenIssued bool // a token exchange succeeded
	// tokenWords: when the application said it issued this attempt's
	// token before any token request of it was placed (an app writes its
	// words while it handles the request, the access line when done).
	tokenWords  time.Time
	isConnected bool // and then an MCP request on the connector's path succeeded
	discovered  bool // metadata or registration answered, or the browser came
	terminal    bool // a step failed in a way the connector does not retry
	// refused: the registration endpoint refused the client (not a
	// missing endpoint): the connector sends no browser after that.
	refused     bool
	authless    bool // the probe was answered 200 and no metadata was found
	lastBackend time.Time
	// lastRequest is the latest request's time: the pause before a new
	// press is measured between requests, since an app's words about a
	// request ("no bearer token") are logged just before its access line.
	lastRequest time.Time
}

// Env holds facts about the logs as a whole that change how evidence
// reads: whether the server sits behind Cloudflare, what the formats log.
type Env struct {
	BehindCloudflare  bool // peers in Cloudflare's ranges or CF-Connecting-IP logged
	CloudflarePeers   int
	LogsAuthorization bool // some format records whether Authorization was sent
	LogsDuration      bool
	LogsWWWAuth       bool
	LogsContentType   bool
	LogEnd            time.Time // the latest time in any input
	ClaudeError       string    // the message Claude showed, if given
	// What the edge's (Cloudflare's) and the application's logs cover,
	// when they were given.
	Edge, App        Span
	GCPInternalPeers int
}

// Span is the time a log covers.
type Span struct{ First, Last time.Time }

func (s *Span) note(t time.Time) {
	if t.IsZero() || parse.IsSynthetic(t) {
		return
	}
	if s.First.IsZero() || t.Before(s.First) {
		s.First = t
	}
	if t.After(s.Last) {
		s.Last = t
	}
}

// Covers reports whether the log covers from..to.
func (s Span) Covers(from, to time.Time) bool {
	return !s.First.IsZero() && !s.First.After(from) && !s.Last.Before(to)
}

// Grouping windows. Claude's own steps follow each other within a second
// or two (cadence); its own retry loops within seconds (loopWindow); the
// user pressing Connect again comes later. Consent is human time.
const (
	cadence        = time.Second
	loopWindow     = 10 * time.Second
	attemptGap     = 60 * time.Second
	humanWindow    = 30 * time.Minute
	browserLegGap  = 15 * time.Minute
	browserJoinGap = 2 * time.Minute
	humanPause     = 5 * time.Second // longer than any gap between the connector's own steps
	maxUsageWindow = 24 * time.Hour
)

// grouper splits time-ordered events into attempts.
type grouper struct {
	out    []*Attempt
	cur    *Attempt
	paths  pathSet
	inputs map[string]*inputIdentity
	url    *ConnectorURL
	env    *Env
	// pre holds an application's words that came before any attempt:
	// the next attempt takes those close enough to its start.
	pre []*Ev
	// held are python-httpx requests of an ambiguous input (see
	// ambiguous), waiting for the authorization that makes them the
	// connector's; heldTokens, its token requests waiting for the MCP
	// request that follows the connector's.
	held, heldTokens []*Ev
}

// maxEarlyWords bounds the words held before an attempt starts.
const maxEarlyWords = 32

// group splits time-ordered events into attempts, one per press of
// Connect: by who sent each request (Anthropic's range, the user's
// browser, or a sender the log cannot show), by the connector's path,
// and by the flow's continuity.
func group(evs []*Ev, url *ConnectorURL, env *Env, inputs map[string]*inputIdentity) []*Attempt {
	SortByTime(evs)
	g := &grouper{url: url, env: env, inputs: inputs, paths: connectorPaths(evs, url)}
	for _, e := range evs {
		e.onPath = !e.message && !e.Browser && g.paths.has(e)
		g.place(e)
	}
	var out []*Attempt
	for _, a := range g.out {
		if !g.valid(a) {
			continue
		}
		a.ID = len(out) + 1
		a.finish(g.paths)
		out = append(out, a)
	}
	return out
}

func (g *grouper) start(e *Ev, before ...*Ev) {
	g.cur = &Attempt{Env: g.env, URL: g.url}
	g.out = append(g.out, g.cur)
	g.takeEarlyWords(e)
	for _, p := range before {
		g.cur.add(p)
	}
	g.cur.add(e)
}

// busy: e's input shows other OAuth or MCP clients (their user agents,
// their own callbacks): its words need more than timing to be the
// connector's.
func (g *grouper) busy(e *Ev) bool {
	in := g.inputs[e.Pos.File]
	return in != nil && (in.others || in.publicFlow)
}

// logsQueries: e's input writes query strings, or another input that
// read the flow's requests does: e, had it carried Claude's callback,
// would have been merged with that log's record of it and kept its query.
func (g *grouper) logsQueries(e *Ev) bool {
	if in := g.inputs[e.Pos.File]; in != nil && in.queries {
		return true
	}
	for f, in := range g.inputs {
		if f != e.Pos.File && in.queries && in.flowRequests > 0 {
			return true
		}
	}
	return false
}

// messageClientID returns the client_id an application's words name
// ("token issued client_id=c_1", `"client_id":"c_1"`), or "".
func messageClientID(msg string) string {
	m := clientIDPattern.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	return m[1]
}

var clientIDPattern = regexp.MustCompile(`(?i)client[_ ]?id"?\s*[:=]\s*"?([A-Za-z0-9._~:/%-]{3,})`)

// takeEarlyWords gives the new attempt the words logged just before it.
func (g *grouper) takeEarlyWords(first *Ev) {
	for _, w := range g.pre {
		if parse.IsSynthetic(w.Time) || parse.IsSynthetic(first.Time) || first.Time.Sub(w.Time) <= attemptGap {
			g.cur.add(w)
		}
	}
	g.pre = g.pre[:0]
}

// canStart: the event may begin an attempt of its own. A request the log
// cannot attribute starts one only in an input that cannot show the
// connector's address either; there, requests from Anthropic would have
// said so.
func (g *grouper) canStart(e *Ev) bool {
	switch {
	case e.message:
		return false
	case e.Confirmed, e.Browser && e.strong:
		return true
	case e.candidate:
		in := g.inputs[e.Pos.File]
		return in == nil || !in.showsClients()
	}
	return false
}

func (g *grouper) place(e *Ev) {
	if e.Browser && e.kind == kindAuthorize && e.RawQuery == "" && (g.busy(e) || g.logsQueries(e)) {
		// An authorization without a query: where other clients authorize
		// too it may be anyone's, and in a log that writes queries it
		// had none, as Claude's always has (a scanner's).
		e.strong = false
	}
	cur := g.cur
	untimed := parse.IsSynthetic(e.Time) || cur != nil && parse.IsSynthetic(cur.End)
	var pause time.Duration
	if cur != nil {
		last := cur.End
		if !e.message && !cur.lastRequest.IsZero() {
			last = cur.lastRequest
		}
		pause = e.Time.Sub(last)
	}
	switch {
	case e.message && e.Signals&^(parse.SigServesAt|parse.SigClaudeNamed) == 0 && !e.Signals.Has(parse.SigClaudeNamed):
		return // a startup line: it names the endpoint (connectorPaths), not a step
	case e.message:
		// Words attach to the attempt they fall in. Words before any
		// request wait for the attempt that follows; words that name
		// Claude and a step of its flow may begin one. On a server with
		// other clients, words about a client are this attempt's only
		// when they name its client (or Claude); words that name none
		// could be anyone's.
		id := messageClientID(e.Text)
		if id != "" {
			for i := len(g.out) - 1; i >= 0 && i >= len(g.out)-4; i-- {
				if slices.Contains(g.out[i].clientIDs, id) {
					g.out[i].add(e)
					return
				}
			}
		}
		if !e.Signals.Has(parse.SigClaudeNamed) && g.busy(e) {
			return
		}
		switch {
		case cur != nil && cur.terminal && !untimed && !cur.lastRequest.IsZero() && e.Time.Sub(cur.lastRequest) > cadence:
			// After a step failed for good, words past the connector's
			// pace are about the next press's first request.
			g.pre = append(g.pre, e)
			if len(g.pre) > maxEarlyWords {
				g.pre = g.pre[1:]
			}
		case cur != nil && (untimed || pause <= attemptGap || cur.awaitingHuman() && pause <= humanWindow):
			cur.add(e)
		case e.Signals.Has(parse.SigClaudeNamed) && e.Signals&^(parse.SigClaudeNamed|parse.SigServesAt) != 0:
			g.start(e)
		default:
			g.pre = append(g.pre, e)
			if len(g.pre) > maxEarlyWords {
				g.pre = g.pre[1:]
			}
		}
		return
	case e.Browser && e.kind == kindAuthorize && e.strong:
		// An authorization coming back to Claude (or one whose query the
		// log does not show). Another authorization the same browser
		// passes through (an upstream identity provider's) is a step.
		pre := g.takePrelude(e)
		if cur != nil && cur.takesAuthorization(e, untimed, pause) {
			for _, p := range pre {
				if !cur.holds(p) {
					cur.add(p)
				}
			}
			cur.add(e)
			return
		}
		g.start(e, pre...)
		return
	case e.Browser:
		// A login or consent step: from a browser of an attempt's
		// authorization, the latest first.
		for i := len(g.out) - 1; i >= 0 && i >= len(g.out)-4; i-- {
			if a := g.out[i]; a.ownsBrowserStep(e) {
				a.add(e)
				return
			}
		}
		return
	}
	if g.ambiguous(e) {
		g.placeByUserAgent(e, untimed, pause)
		return
	}
	if cur == nil {
		if g.canStart(e) {
			g.start(e)
		}
		return
	}
	// A fresh probe opens a flow; once a token was issued, an anonymous
	// 401 to the endpoint (no user agent logged) is as likely the MCP
	// client's retry of its refused request: only discovery then says
	// the flow starts over (restart takes the probe before it along).
	opener := e.kind == kindPRM || e.onPath && e.unauthenticatedProbe() && (e.UAKnown && IsBrokerUA(e.UserAgent) || !cur.tokenIssued)
	switch {
	case cur.isConnected && e.onPath && !e.opensFlow() && (untimed || pause <= maxUsageWindow):
		// Tool calls on an established connection.
	case opener && (cur.isConnected || cur.hasBrowser() && !cur.tokenIssued):
		// The flow completed, or the user went through the browser: the
		// connector never probes again then, nor sends the browser twice.
		// A fresh probe or discovery is the user pressing Connect again;
		// the unauthenticated probe just before the discovery fetch goes
		// with it.
		g.restart(e)
		return
	case opener && cur.terminal && (untimed || pause > cadence):
		// A step failed for good; past the connector's own pace, this is
		// a new press.
		g.restart(e)
		return
	case opener && !untimed && pause > loopWindow && !(cur.awaitingHuman() && cur.hasBrowser()):
		// Past the connector's own retry loops.
		g.restart(e)
		return
	case !untimed && pause > attemptGap && !(cur.awaitingHuman() && pause <= humanWindow):
		if g.canStart(e) {
			g.start(e)
		}
		return
	}
	if e.candidate && !cur.Confirmed && !g.canStart(e) && !cur.hasCandidates() {
		return // a browser-led attempt does not take a sender the log could have shown
	}
	if prev := g.startedBefore(e); prev != nil {
		prev.add(e)
		return
	}
	cur.add(e)
}

// startedBefore: a token request written when it ended (with how long it
// took) that began before the current attempt did, while the attempt
// before it was waiting for its token (or whose application had just
// said it issued that attempt's token), is that attempt's. A token
// endpoint that answers in 12 s is written after the connector gave up
// and the person pressed Connect again; by its end time it had looked
// like the new press's token.
func (g *grouper) startedBefore(e *Ev) *Attempt {
	// Only a long request, that began more than a second before the
	// press: whole-second clocks put a fast token request of the same
	// second before the probe it followed.
	if e.kind != kindToken || e.Duration <= sameRequestWindow || parse.IsSynthetic(e.Time) || len(g.out) < 2 {
		return nil
	}
	cur, prev := g.out[len(g.out)-1], g.out[len(g.out)-2]
	began := e.Time.Add(-e.Duration)
	if cur != g.cur || !began.Before(cur.Start.Add(-time.Second)) || !prev.expectsToken(began, false) && !prev.tokenRequestNamed(e.Time) {
		return nil
	}
	return prev
}

// ambiguous: e's sender cannot be told by its address (a shared proxy's
// log) and the input shows other OAuth and MCP clients; but the log has
// user agents. Other clients there (scripts, the Python SDK) speak
// python-httpx too, on every path, so python-httpx alone names nobody.
// The connector is then found from what only it does: Claude's callback
// in the browser's authorization, Claude-User on the endpoint; its
// backend's steps are the python-httpx requests right around those marks,
// in the order and at the pace the connector keeps.
func (g *grouper) ambiguous(e *Ev) bool {
	if !e.candidate || !e.UAKnown {
		return false
	}
	in := g.inputs[e.Pos.File]
	return in != nil && in.others && !in.showsClients()
}

// The connector's pace around its marks: discovery and registration come
// within seconds before the browser is sent to authorize; the token
// request within seconds after the browser comes back.
const (
	preludeWindow = 5 * time.Second
	tokenWindow   = 5 * time.Second
)

// placeByUserAgent groups an ambiguous request (see ambiguous).
func (g *grouper) placeByUserAgent(e *Ev, untimed bool, pause time.Duration) {
	cur := g.cur
	broker, user := IsBrokerUA(e.UserAgent), IsClaudeUserUA(e.UserAgent)
	switch {
	case broker && (e.kind == kindASMeta || e.kind == kindToken && cur.refetchedSinceAuthorize()) && cur != nil && cur.expectsToken(e.Time, untimed):
		// The connector fetches the authorization server's metadata again
		// when the browser comes back, then asks for the token: another
		// python-httpx client's token request before that re-fetch (the
		// person has not even consented yet) is not Claude's.
		cur.add(e)
	case broker && e.kind == kindToken && cur != nil && cur.tokenRequestNamed(e.Time):
		cur.add(e)
	case broker && (e.kind == kindASMeta || e.kind == kindToken) && cur != nil && cur.hasBrowser() && !cur.tokenIssued:
		// The browser's return is not in the log (a consent step nothing
		// ties to this browser): the token request is the one the MCP
		// client's first request follows (see the Claude-User case).
		g.heldTokens = append(g.heldTokens, e)
		for len(g.heldTokens) > 0 && (len(g.heldTokens) > 8 || !untimed && e.Time.Sub(g.heldTokens[0].Time) > tokenWindow) {
			g.heldTokens = g.heldTokens[1:]
		}
	case broker && (e.onPath && e.Status == 401 && e.Authorization != parse.Present || e.kind == kindPRM || e.kind == kindASMeta || e.kind == kindRegister):

		// Perhaps the prelude of an authorization that follows: a probe
		// that asked for a token, discovery, registration.
		g.held = append(g.held, e)
		for len(g.held) > 0 && (len(g.held) > 16 || !untimed && e.Time.Sub(g.held[0].Time) > preludeWindow) {
			g.held = g.held[1:]
		}
	case e.onPath && user:
		if cur != nil && cur.hasBrowser() && !cur.tokenIssued {
			// The connector's MCP client speaks right after its token:
			// the token request just before it was the connector's.
			var last *Ev
			for _, h := range g.heldTokens {
				if h.Time.After(e.Time) || !untimed && e.Time.Sub(h.Time) > tokenWindow {
					continue
				}
				if h.kind == kindToken {
					last = h
				}
			}
			for _, h := range g.heldTokens {
				if last != nil && !h.Time.After(last.Time) && last.Time.Sub(h.Time) <= tokenWindow && (h == last || h.kind == kindASMeta) {
					cur.add(h)
				}
			}
			g.heldTokens = g.heldTokens[:0]
		}
		switch {
		case cur == nil:
			g.start(e)
		case untimed || pause <= attemptGap || cur.isConnected && pause <= maxUsageWindow:
			cur.add(e)
		default:
			g.start(e)
		}
	}
	// Anything else (python-httpx on its own, an OAuth step with no user
	// agent) cannot be told from another client's here.
}

// takePrelude gives an attempt that starts at the browser's authorization
// the held python-httpx steps of the seconds before it, from the last
// probe or discovery fetch on.
func (g *grouper) takePrelude(auth *Ev) []*Ev {

	var pre []*Ev
	for _, h := range g.held {
		if !h.Time.After(auth.Time) && (parse.IsSynthetic(auth.Time) || auth.Time.Sub(h.Time) <= preludeWindow) {
			pre = append(pre, h)
		}
	}
	g.held = g.held[:0]
	// From the last opening step (a probe or the protected-resource
	// metadata) that a complete run follows.
	start := 0
	for i, h := range pre {
		if h.onPath || h.kind == kindPRM && (i == 0 || !pre[i-1].onPath && pre[i-1].kind != kindPRM) {
			start = i
		}
	}
	return pre[start:]
}

// expectsToken: the browser came back (or the authorization went on) at
// most tokenWindow ago and no token is issued yet: the connector's
// metadata re-fetch and token request come now.
func (a *Attempt) expectsToken(t time.Time, untimed bool) bool {
	if a.tokenIssued || a.terminal || !a.hasBrowser() {
		return false
	}
	var last time.Time
	for _, e := range a.Events {
		if e.Browser || !e.Browser && (e.kind == kindASMeta || e.kind == kindToken) {
			last = e.Time
		}
	}
	return untimed || t.Sub(last) <= tokenWindow
}

// refetchedSinceAuthorize: the attempt holds a fetch of the authorization
// server's metadata after its latest authorization (nil-safe).
func (a *Attempt) refetchedSinceAuthorize() bool {
	if a == nil {
		return false
	}
	seen := false
	for _, e := range a.Events {
		switch {
		case e.Browser && e.kind == kindAuthorize:
			seen = false
		case !e.Browser && e.kind == kindASMeta:
			seen = true
		}
	}
	return seen
}

// tokenRequestNamed: the application said, just before t, that it
// issued this attempt's token, and the request it was answering is not
// in the attempt yet.
func (a *Attempt) tokenRequestNamed(t time.Time) bool {
	if a.tokenWords.IsZero() {
		return false
	}
	d := t.Sub(a.tokenWords)
	return d >= 0 && d <= 2*time.Second
}

// restart begins a new attempt at e, taking along the unauthenticated
// probe that just preceded it in the old one.
func (g *grouper) restart(e *Ev) {
	cur := g.cur
	if !g.canStart(e) {
		if !e.candidate || !cur.Confirmed {
			return
		}
	}
	var moved []*Ev
	if e.kind == kindPRM {
		n := len(cur.Events)
		for n > 0 {
			p := cur.Events[n-1]
			if p.message || !p.onPath || !p.unauthenticatedProbe() && p.Authorization == parse.Present || e.Time.Sub(p.Time) > cadence && !parse.IsSynthetic(e.Time) {
				break
			}
			n--
			if cur.tokenIssued {
				// A press sends one probe; the 401s before it, after the
				// old attempt's token, are that attempt's refused MCP
				// requests (a log without user agents or times cannot
				// tell them from probes otherwise).
				break
			}
		}
		if n == 0 {
			cur.add(e) // the old attempt was only that probe: it goes on
			return
		}
		moved = cur.Events[n:]
		cur.Events = cur.Events[:n]
		cur.recompute()
	}
	g.start(e, moved...)
}

// valid: an attempt is Claude's when Anthropic's address or Claude's
// callback shows it. One built only from requests the log cannot
// attribute stands where the log could not show the connector's address
// either, and, where other OAuth or MCP clients use the server too, when
// something in it names Claude.
func (g *grouper) valid(a *Attempt) bool {
	mark := false
	for _, e := range a.Events {
		switch {
		case e.Confirmed:
			return true
		case e.Browser && e.kind == kindAuthorize && hasClaudeCallback(e.RawQuery):
			return true
		case e.FromClaudeUser(), e.AllSignals().Has(parse.SigClaudeNamed):
			mark = true

		}
	}
	backend := false
	for _, e := range a.Events {
		if e.message || e.Browser {
			continue
		}
		backend = true
		in := g.inputs[e.Pos.File]
		if in == nil {
			continue
		}
		if in.showsClients() || in.others && !mark {
			return false
		}
	}
	return backend || mark
}

// takesAuthorization: a browser's authorization continues this attempt:
// it follows the backend's registration or discovery, is not another
// press's (a different state), and the attempt has not connected.
func (a *Attempt) takesAuthorization(e *Ev, untimed bool, pause time.Duration) bool {
	if a.isConnected || a.tokenIssued || a.refused || !untimed && pause > browserJoinGap {
		return false
	}
	st := QueryParam(e.RawQuery, "state")
	for _, s := range a.states {
		if s != st {
			return false
		}
	}
	return true
}

// ownsBrowserStep: the step comes from one of this attempt's browsers:
// the same address and user agent, or a Referer from the authorization;
// behind a proxy the user agent or the Referer alone.
func (a *Attempt) ownsBrowserStep(e *Ev) bool {
	if len(a.browsers) == 0 {
		return false
	}
	if e.Time.Sub(a.End) > browserLegGap && !parse.IsSynthetic(e.Time) {
		return false
	}
	if st := stateIn(e); st != "" && len(a.states) > 0 {
		// The step names its authorization's state: it is this
		// attempt's exactly when the state is one of its own.
		return slices.Contains(a.states, st)
	}
	switch legOf(e.Event) {
	case legClaude:
		return true
	case legOther:
		return false
	}
	refOK := refererFromAuthorization(e.Referer)
	public := e.Client.IsValid() && !IsNonPublic(e.Client) && !IsCloudflare(e.Client)
	for _, b := range a.browsers {
		sameUA := e.UAKnown && e.UserAgent != "" && e.UserAgent == b.ua
		switch {
		case public && b.addr == e.Client && (sameUA || refOK || !e.UAKnown):
			return true
		case !public && (sameUA || refOK):
			return true
		case !e.UAKnown && !public && e.Referer == "":
			return true // nothing else ties it: the order does
		}
	}
	return false
}

func (a *Attempt) holds(e *Ev) bool {
	for _, x := range a.Events {
		if x == e {
			return true
		}
	}
	return false
}

func (a *Attempt) hasBrowser() bool { return len(a.browsers) > 0 || len(a.states) > 0 }

func (a *Attempt) hasCandidates() bool {
	for _, e := range a.Events {
		if e.candidate {
			return true
		}
	}
	return false
}

// unauthenticatedProbe: a request that opens the flow rather than
// continuing it: the broker's (python-httpx) or an anonymous sender's,
// without a token. Claude-User's requests are the MCP client's.
func (e *Ev) unauthenticatedProbe() bool {
	if e.Authorization == parse.Present || e.Method == "GET" || e.Method == "HEAD" || e.Method == "DELETE" {
		return false
	}
	return !e.FromClaudeUser()
}

// FromClaudeUser: the log gives the request's user agent, and it is the
// connector's MCP client's (Claude-User).
func (e *Ev) FromClaudeUser() bool { return e.UAKnown && IsClaudeUserUA(e.UserAgent) }

// opensFlow: after a connection, only the broker's probe opens a new
// flow; an anonymous request on the path is a tool call unless discovery
// follows (restart takes it along then).
func (e *Ev) opensFlow() bool {
	return e.unauthenticatedProbe() && e.UAKnown && IsBrokerUA(e.UserAgent)
}

func (a *Attempt) add(e *Ev) {
	if len(a.Events) == 0 {
		a.Start = e.Time
	}
	a.Events = append(a.Events, e)
	if e.Time.After(a.End) {
		a.End = e.Time
	}
	if !e.message && e.Time.After(a.lastRequest) {
		a.lastRequest = e.Time
	}
	a.note(e)
}

// recompute rebuilds the running state after events were moved out.
func (a *Attempt) recompute() {
	evs := a.Events
	*a = Attempt{Env: a.Env, URL: a.URL}
	for _, e := range evs {
		a.add(e)
	}
}

func (a *Attempt) note(e *Ev) {
	if e.Confirmed {
		a.Confirmed = true
	}
	if id := clientIDOf(e); id != "" && !slices.Contains(a.clientIDs, id) {
		a.clientIDs = append(a.clientIDs, id)
	}
	if e.Browser && e.kind == kindAuthorize && e.strong {
		if st := QueryParam(e.RawQuery, "state"); st != "" && !slices.Contains(a.states, st) {
			a.states = append(a.states, st)
		}
		a.browsers = append(a.browsers, browserSeen{addr: e.Client, ua: e.UserAgent, at: e.Time})
	}
	if !e.Browser && !e.message {
		a.lastBackend = e.Time
	}
	switch {
	case e.message:
		// Another client's "token issued" must not end this attempt's
		// wait for its own: only words tied to it count.
		if e.Signals.Has(parse.SigTokenIssued) && (messageClientID(e.Text) == "" || slices.Contains(a.clientIDs, messageClientID(e.Text))) {
			if !a.tokenIssued {
				a.tokenWords = e.Time
			}
			a.tokenIssued = true
		}
	case e.kind == kindToken:
		a.tokenWords = time.Time{}
		if e.OK() && !TooSlow(e) {
			a.tokenIssued = true
		} else if e.Status != 0 || TooSlow(e) {
			a.terminal = true
		}
	case e.kind == kindRegister:
		if e.Status >= 400 {
			a.terminal = true
			a.refused = a.refused || e.Status != 404 && e.Status != 405 && e.Status != 410
		}
		if e.OK() {
			a.discovered = true
		}
	case e.Browser:
		a.discovered = true
		if e.Status >= 400 {
			a.terminal = true
		}
	case e.kind == kindPRM || e.kind == kindASMeta:
		if e.OK() {
			a.discovered = true
		}
	case e.onPath:
		switch {
		case a.tokenIssued && e.OK() && !TooSlow(e):
			a.isConnected = true
		case a.tokenIssued && (e.Status == 401 || e.Status == 403):
			a.terminal = true
		case !a.tokenIssued && e.OK() && e.Method == "POST" && !a.discovered:
			a.authless = true
		case a.authless && e.OK():
			a.isConnected = true
		}
	}
}

// connected: an authenticated MCP request has already succeeded.
func (a *Attempt) connected() bool { return a.isConnected }

// awaitingHuman: discovery or registration is done and the user is in the
// browser (or at an authorization server whose logs we do not have).
func (a *Attempt) awaitingHuman() bool { return a.discovered && !a.tokenIssued && !a.terminal }

// finish assigns roles, the connector path, egress addresses and the ladder.
func (a *Attempt) finish(paths pathSet) {
	// Steps taken from a look-back (a probe before discovery, a token
	// before the MCP request it led to) may have joined out of order.
	SortByTime(a.Events)
	a.assignRoles(paths)
	seen := map[netip.Addr]bool{}
	for _, e := range a.Events {
		if e.Confirmed {
			a.Confirmed = true
			if !seen[e.Egress] {
				seen[e.Egress] = true
				a.EgressIPs = append(a.EgressIPs, e.Egress)
			}
		}
		if a.Host == "" && e.Host != "" && !e.Browser {
			a.Host = e.Host
		}
	}
	if len(a.EgressIPs) == 0 {
		for _, e := range a.Events {
			if !e.Browser && !e.message && e.Client.IsValid() && !seen[e.Client] {
				seen[e.Client] = true
				a.EgressIPs = append(a.EgressIPs, e.Client)
			}
		}
	}
	a.AddressNote = a.addressNote()
	a.computeStages()
}

func (a *Attempt) assignRoles(paths pathSet) {
	if a.URL != nil && a.URL.Path != "" {
		a.ConnectorPath = a.URL.Path
	}
	// With no authorization-server metadata fetched here, the authorization
	// server is elsewhere: its token exchange is not in these logs.
	asHere := false
	for _, e := range a.Events {
		if e.kind == kindASMeta || e.kind == kindToken || e.kind == kindRegister || e.Browser {
			asHere = true
		}
	}
	var (
		tokenOK, authless, prmOK bool
		lastBackend              time.Time
	)
	for _, e := range a.Events {
		switch {
		case e.message:
			e.Role = RoleMessage
			if e.Signals.Has(parse.SigTokenIssued) {
				tokenOK = true
			}
		case e.Browser && e.kind == kindAuthorize && e.strong:
			e.Role = RoleAuthorize
		case e.Browser:
			e.Role = RoleBrowser
		case e.kind == kindPRM:
			e.Role = RolePRM
			if e.OK() {
				prmOK, authless = true, false
			}
		case e.kind == kindASMeta:
			e.Role = RoleASMeta
		case e.kind == kindRegister:
			e.Role = RoleRegister
		case e.kind == kindToken:
			e.Role = RoleToken
			if e.OK() {
				tokenOK = true
			}
		case !e.onPath:
			e.Role = RoleOther
		default:
			if a.ConnectorPath == "" {
				a.ConnectorPath = e.Path
			}
			// After a login at an external authorization server, the
			// connector's next request is authenticated: it comes from its
			// MCP client after human time, or says it carries a token.
			external := prmOK && !asHere && IsClaudeUserUA(e.UserAgent) && e.Time.Sub(lastBackend) > humanPause
			if tokenOK || authless || external || e.Authorization == parse.Present {
				e.Role = RoleMCP
			} else {
				e.Role = RoleProbe
				if e.OK() && !prmOK && e.Method != "HEAD" && e.Method != "GET" {
					authless = true
				}
			}
		}
		if !e.Browser && !e.message {
			lastBackend = e.Time
		}
	}
}

// ExternalAS: the protected-resource metadata was served here but the
// authorization server's traffic (metadata, registration, token) is not in
// these logs.
func (a *Attempt) ExternalAS() bool {
	return a.AnyOK(RolePRM) && !a.Has(RoleASMeta) && !a.Has(RoleRegister) && !a.Has(RoleToken) && !a.Has(RoleAuthorize)
}

// AuthorizedFrom returns the event after which the connector should be
// authenticated: the successful token exchange, or, with an external
// authorization server, the first authenticated MCP request. ok is false
// when the attempt never got that far.
func (a *Attempt) AuthorizedFrom() (from *Ev, external bool, ok bool) {
	if tok := a.TokenOK(); tok != nil {
		return tok, false, true
	}
	if a.ExternalAS() {
		if m := a.ByRole(RoleMCP); len(m) > 0 {
			return m[0], true, true
		}
	}
	return nil, false, false
}

// Helpers the rules share.

// ByRole lists the events of one role, in time order.
func (a *Attempt) ByRole(r Role) []*Ev {
	var out []*Ev
	for _, e := range a.Events {
		if e.Role == r {
			out = append(out, e)
		}
	}
	return out
}

// Has reports whether any event has the role.
func (a *Attempt) Has(r Role) bool { return len(a.ByRole(r)) > 0 }

// FirstOK returns the first 2xx event of a role, or nil.
func (a *Attempt) FirstOK(r Role) *Ev {
	for _, e := range a.Events {
		if e.Role == r && e.OK() {
			return e
		}
	}
	return nil
}

// AnyOK reports whether any event of the role got a 2xx.
func (a *Attempt) AnyOK(r Role) bool { return a.FirstOK(r) != nil }

// After lists the events strictly after e.
func (a *Attempt) After(e *Ev) []*Ev {
	for i, x := range a.Events {
		if x == e {
			return a.Events[i+1:]
		}
	}
	return nil
}

// BackendAfter lists the connector's (not the browser's) events after e.
func (a *Attempt) BackendAfter(e *Ev) []*Ev {
	var out []*Ev
	for _, x := range a.After(e) {
		if !x.Browser {
			out = append(out, x)
		}
	}
	return out
}

// TokenOK returns the last successful token exchange the connector waited
// for (not one answered after it gave up), or nil.
func (a *Attempt) TokenOK() *Ev {
	var last *Ev
	for _, e := range a.Events {
		if e.Role == RoleToken && e.OK() && !TooSlow(e) {
			last = e
		}
	}
	return last
}

// Probe returns the first unauthenticated probe, or nil.
func (a *Attempt) Probe() *Ev {
	for _, e := range a.Events {
		if e.Role == RoleProbe {
			return e
		}
	}
	return nil
}

// Authless: the server answered the unauthenticated probe as if no
// authorization were needed, and published no protected-resource metadata.
func (a *Attempt) Authless() bool {
	p := a.FirstNonHead(RoleProbe)
	return p != nil && p.OK() && !a.AnyOK(RolePRM)
}

// FirstNonHead returns the first event of the role that is not a HEAD or GET.
func (a *Attempt) FirstNonHead(r Role) *Ev {
	for _, e := range a.Events {
		if e.Role == r && e.Method != "HEAD" && e.Method != "GET" {
			return e
		}
	}
	return nil
}

// describe lists requests compactly: "GET /.well-known/x → 404, POST /register → 404".
func Describe(evs []*Ev) string {
	var parts []string
	for _, e := range evs {
		parts = append(parts, e.Method+" "+e.Path+" → "+StatusText(e.Status))
	}
	return strings.Join(parts, ", ")
}

// authenticatedRequests lists the MCP requests made once the connector
// should hold a token, with the event they follow.
func (a *Attempt) AuthenticatedRequests() (reqs []*Ev, from *Ev, external bool) {
	from, external, ok := a.AuthorizedFrom()
	switch {
	case !ok:
		return nil, nil, false
	case external:
		return a.ByRole(RoleMCP), from, true
	}
	return a.MCPAfter(from), from, false
}

// addressNote explains where the connector's address came from: the
// peer, a forwarded header (and what the peer was), or nowhere.
func (a *Attempt) addressNote() string {
	for _, e := range a.Events {
		if e.Browser || e.message {
			continue
		}
		if e.Confirmed {
			switch {
			case e.Egress == e.Peer:
				return ""
			case e.Egress == e.ConnectingIP:
				return "read from " + e.ConnectingIPHeader + "; " + peerNote(e.Peer)
			}
			return "read from X-Forwarded-For; " + peerNote(e.Peer)
		}
	}
	for _, e := range a.Events {
		if !e.Browser && !e.message && e.ClientVia != "" {
			return "read from the " + e.ClientVia
		}
	}
	return ""
}

func peerNote(p netip.Addr) string {
	what := "a proxy"
	switch {
	case !p.IsValid():
		return "the log has no connecting address"
	case IsCloudflare(p):
		what = "a Cloudflare edge"
	case p.IsLoopback():
		what = "loopback (a proxy on the same host)"
	case cgnat.Contains(p):
		what = "a CGNAT address (a tunnel?)"
	case p.IsPrivate():
		what = "a private address (a load balancer, a container bridge)"
	case isGCPInternal(p):
		what = "a Google Cloud internal address"
	}
	return "the logged peer " + p.String() + " is " + what
}

// stateIn returns the state parameter a browser step carries in its query
// or its Referer's (once decoded), or "".
func stateIn(e *Ev) string {
	if st := QueryParam(e.RawQuery, "state"); st != "" {
		return st
	}
	if _, q, ok := strings.Cut(e.Referer, "?"); ok {
		return QueryParam(q, "state")
	}
	return ""
}

// clientIDOf is the OAuth client an event names as the connector's: the
// client_id of a browser's authorization coming back to Claude, or the
// one an application says it registered for Claude.
func clientIDOf(e *Ev) string {
	switch {
	case e.Browser && e.kind == kindAuthorize && e.strong:
		return QueryParam(e.RawQuery, "client_id")
	case e.message && e.Signals.Has(parse.SigClaudeNamed):
		return messageClientID(e.Text)
	}
	return ""
}

func StatusText(code int) string {
	if code == 0 {
		return "(status not logged)"
	}
	return strconv.Itoa(code)
}

// MCPAfter lists the connector's MCP requests after ev.
func (a *Attempt) MCPAfter(ev *Ev) []*Ev {
	var out []*Ev
	for _, e := range a.After(ev) {
		if e.Role == RoleMCP {
			out = append(out, e)
		}
	}
	return out
}
