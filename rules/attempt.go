package rules

import (
	"net/netip"
	"sort"
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

	kind    pathKind
	strong  bool // may start an attempt on its own
	message bool // an app message, not a request
}

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

	browserIPs map[netip.Addr]bool
	// Running state while grouping, kept up to date by add.
	tokenIssued bool // a token exchange succeeded
	isConnected bool // and then a Claude-User request succeeded
	discovered  bool // metadata or registration answered, or the browser came
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

// Grouping windows. Claude's own retries follow within seconds; the user
// clicking Connect again comes later. Consent is human time.
const (
	attemptGap     = 60 * time.Second
	humanWindow    = 30 * time.Minute
	browserLegGap  = 15 * time.Minute
	probeLookBack  = 5 * time.Second
	humanPause     = 5 * time.Second // longer than any gap between the connector's own steps
	maxUsageWindow = 24 * time.Hour
)

// group splits time-ordered events into attempts.
func group(evs []*Ev, url *ConnectorURL, env *Env) []*Attempt {
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time.Before(evs[j].Time) })
	var (
		out []*Attempt
		cur *Attempt
		// weak holds recent connector-looking requests that could not
		// start an attempt on their own: a probe on an unusual path is
		// recognised only by the discovery fetch that follows it.
		weak []*Ev
	)
	start := func(e *Ev) {
		cur = &Attempt{ID: len(out) + 1, Env: env, URL: url, browserIPs: map[netip.Addr]bool{}}
		out = append(out, cur)
		for _, w := range weak {
			if e.Time.Sub(w.Time) <= probeLookBack && w.Client == e.Client {
				cur.add(w)
			}
		}
		weak = weak[:0]
	}
	for _, e := range evs {
		gap := time.Duration(1<<62 - 1)
		if cur != nil {
			gap = e.Time.Sub(cur.End)
		}
		switch {
		case e.message:
			// Words attach to the attempt they fall in, never start one.
			if cur != nil && (gap <= attemptGap || cur.awaitingHuman() && gap <= humanWindow) {
				cur.add(e)
			}
		case e.Browser && e.kind == kindAuthorize:
			if cur == nil || gap > humanWindow {
				start(e)
			}
			cur.browserIPs[e.Client] = true
			cur.add(e)
		case e.Browser:
			// A login or consent step: only from a browser already seen
			// on this attempt's authorize request.
			if cur != nil && cur.browserIPs[e.Client] && gap <= browserLegGap {
				cur.add(e)
			}
		default:
			switch {
			case cur == nil:
				if !e.strong && !e.Confirmed {
					weak = keepRecent(append(weak, e))
					continue
				}
				start(e)
			case cur.connected() && isClaudeUserUA(e.UserAgent) && e.kind != kindPRM && e.kind != kindASMeta && e.Time.Sub(cur.End) <= maxUsageWindow:
				// Tool calls on an established connection.
			case isRestart(e) && len(cur.browserIPs) > 0 && (e.strong || e.Confirmed):
				// The connector retries a failed step by itself, but never
				// sends the user through the browser again: a fresh probe
				// after a browser leg is the user pressing Connect again.
				start(e)
			case gap <= attemptGap && !(cur.connected() && isBrokerUA(e.UserAgent)):
			case cur.awaitingHuman() && gap <= humanWindow && !isRestart(e):
			case e.strong || e.Confirmed:
				start(e)
			default:
				weak = keepRecent(append(weak, e))
				continue
			}
			cur.add(e)
		}
	}
	for _, a := range out {
		a.finish()
	}
	return out
}

// isRestart: a request that only opens a flow (a probe or a discovery
// fetch), as opposed to one that continues it (a token exchange).
func isRestart(e *Ev) bool {
	return e.kind == kindPRM || (e.kind == kindMCPish && isBrokerUA(e.UserAgent))
}

func (a *Attempt) add(e *Ev) {
	if len(a.Events) == 0 {
		a.Start = e.Time
	}
	a.Events = append(a.Events, e)
	if e.Time.After(a.End) {
		a.End = e.Time
	}
	switch {
	case e.kind == kindToken && e.OK():
		a.tokenIssued = true
	case e.Browser, (e.kind == kindPRM || e.kind == kindASMeta || e.kind == kindRegister) && e.OK():
		a.discovered = true
	case a.tokenIssued && e.OK() && isClaudeUserUA(e.UserAgent):
		a.isConnected = true
	}
}

// connected: an authenticated MCP request has already succeeded.
func (a *Attempt) connected() bool { return a.isConnected }

// awaitingHuman: discovery or registration is done and the user is in the
// browser (or at an authorization server whose logs we do not have).
func (a *Attempt) awaitingHuman() bool { return a.discovered && !a.tokenIssued }

// finish assigns roles, the connector path, egress addresses and the ladder.
func (a *Attempt) finish() {
	a.assignRoles()
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
			if !e.Browser && e.Client.IsValid() && !seen[e.Client] {
				seen[e.Client] = true
				a.EgressIPs = append(a.EgressIPs, e.Client)
			}
		}
	}
	a.AddressNote = a.addressNote()
	a.computeStages()
}

func (a *Attempt) assignRoles() {
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
		case e.Browser && e.kind == kindAuthorize:
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
		case e.kind == kindAuthorize || e.kind == kindAuthish:
			e.Role = RoleOther
		default:
			if a.ConnectorPath == "" {
				a.ConnectorPath = e.Path
			}
			// After a login at an external authorization server, the
			// connector's next request is authenticated: it comes from its
			// MCP client after human time, or says it carries a token.
			external := prmOK && !asHere && isClaudeUserUA(e.UserAgent) && e.Time.Sub(lastBackend) > humanPause
			if tokenOK || authless || external || e.Authorization == parse.Present {
				e.Role = RoleMCP
			} else {
				e.Role = RoleProbe
				if e.OK() && !prmOK && e.Method != "HEAD" && e.Method != "GET" {
					authless = true
				}
			}
		}
		if !e.Browser {
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

// TokenOK returns the last successful token exchange, or nil.
func (a *Attempt) TokenOK() *Ev {
	var last *Ev
	for _, e := range a.Events {
		if e.Role == RoleToken && e.OK() {
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
func describe(evs []*Ev) string {
	var parts []string
	for _, e := range evs {
		parts = append(parts, e.Method+" "+e.Path+" → "+statusText(e.Status))
	}
	return strings.Join(parts, ", ")
}

// keepRecent bounds the look-back buffer.
func keepRecent(evs []*Ev) []*Ev {
	const max = 16
	if len(evs) > max {
		return append(evs[:0], evs[len(evs)-max:]...)
	}
	return evs
}

// authenticatedRequests lists the MCP requests made once the connector
// should hold a token, with the event they follow.
func (a *Attempt) authenticatedRequests() (reqs []*Ev, from *Ev, external bool) {
	from, external, ok := a.AuthorizedFrom()
	switch {
	case !ok:
		return nil, nil, false
	case external:
		return a.ByRole(RoleMCP), from, true
	}
	return a.mcpAfter(from), from, false
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
