package engine

import (
	"net/netip"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/mcptriage/mcptriage/parse"
)

// One request can be logged three times: by the CDN at the edge, by the
// web server at the origin, by the application itself. merge keeps one
// event per request, with the other sightings as its Views, so that rules
// can say "the edge passed it and the origin answered 401". It also drops
// an application's "request started" records whose completion is logged.

// sameRequestWindow bounds the clock difference between two layers'
// records of one request, beyond the request's own duration.
const sameRequestWindow = 2 * time.Second

// mergeLookAhead bounds how many later events a record is compared with.
const mergeLookAhead = 64

func merge(evs []*Ev, inputs map[string]*inputIdentity) []*Ev {
	out := make([]*Ev, 0, len(evs))
	gone := make([]bool, len(evs))
	pairs := pairOrder{}
	// The longest request any record took: a record written at a
	// request's start (Apache's %t) and its twin written at the end (an
	// app's, with the duration) lie that far apart, with shorter
	// requests' records between them.
	var longest time.Duration
	for _, e := range evs {
		longest = max(longest, e.Duration)
	}
	for i, e := range evs {
		if gone[i] {
			continue
		}
		if !e.message && e.Status == 0 && startMarker(evs, i, gone) {
			gone[i] = true
			continue
		}
		for j := i + 1; j < len(evs) && j <= i+mergeLookAhead; j++ {
			o := evs[j]
			if gone[j] {
				continue
			}
			gap := o.Time.Sub(e.Time)
			if gap > sameRequestWindow+e.Duration+longest {
				break
			}
			if gap > sameRequestWindow+e.Duration+o.Duration {
				continue // too far for this one; a longer request may still be e's twin
			}
			// inOrder last: it remembers the pair it lets through. A
			// long request the client left was written by one log when
			// it left and by the other when it ended, seconds later: no
			// order binds that pair.
			if sameRequest(e, o) && !seenIn(e, o.Pos.File) && !rankedApart(e, o, inputs) && (leftLong(e, o) || leftLong(o, e) || pairs.inOrder(e, o)) {
				e = join(e, o)
				gone[j] = true
			}
		}
		out = append(out, e)
	}
	keepFileOrder(out)
	return out
}

// leftLong: a's log wrote that its client left (morgan's "-", nginx's
// 499), and b's took longer than the clocks of two logs differ.
func leftLong(a, b *Ev) bool { return a.ClientGone && b.Duration > sameRequestWindow }

// keepFileOrder: a whole-second record that took no precise clock from a
// twin would sort before its neighbours that did, although its log wrote
// it after them; it takes the time of the record before it in its log
// when that one is later in the same second.
func keepFileOrder(evs []*Ev) {
	byFile := map[string][]*Ev{}
	for _, e := range evs {
		if !e.message && !parse.IsSynthetic(e.Time) {
			byFile[e.Pos.File] = append(byFile[e.Pos.File], e)
		}
	}
	for _, list := range byFile {
		sort.SliceStable(list, func(i, j int) bool { return list[i].Pos.Line < list[j].Pos.Line })
		var last time.Time
		for _, e := range list {
			if e.Time.Nanosecond() == 0 && last.After(e.Time) && last.Sub(e.Time) < time.Second {
				cp := *e.Event
				cp.Time = last
				e.Event = &cp
			}
			if e.Time.After(last) {
				last = e.Time
			}
		}
	}
}

// pairOrder remembers, for each two inputs, the last records joined:
// both logs write a request when it completes, so their records pair in
// the same order. A whole-second line (nginx) could pair with any of a
// second's twins in a millisecond log (two browsers with the same user
// agent on /authorize, one of them another client's that the other log
// set aside); the order rules out the ones before the last pair.
type pairOrder map[pairKey][2]int

// pairKey is a pair of logs, and the client whose requests are paired
// when both records name a public one.
type pairKey struct {
	files  [2]string
	client netip.Addr
}

func (p pairOrder) inOrder(a, b *Ev) bool {
	x, y := a.Pos, b.Pos
	if x.File > y.File {
		x, y = y, x
	}
	key := pairKey{files: [2]string{x.File, y.File}}
	// Each client's requests keep their order in both logs; the order
	// between clients' concurrent requests is each log's own.
	key.client = sharedClient(a, b)
	last, ok := p[key]
	if ok && (x.Line > last[0]) != (y.Line > last[1]) {
		return false
	}
	p[key] = [2]int{x.Line, y.Line}
	return true
}

// startMarker: a record with no status whose completion follows in the
// same input within seconds.
func startMarker(evs []*Ev, i int, gone []bool) bool {
	e := evs[i]
	if parse.IsSynthetic(e.Time) {
		return false // a pasted summary's bare line is a request, not a marker
	}
	if e.HasDuration || e.ClientGone {
		// It ended without a status: the client went away (Caddy logs
		// 0, morgan "-"); a later request to the same path is another.
		return false
	}
	for j := i + 1; j < len(evs) && j <= i+mergeLookAhead; j++ {
		o := evs[j]
		if o.Time.Sub(e.Time) > 30*time.Second {
			break
		}
		if !gone[j] && !o.message && o.Status != 0 && o.Pos.File == e.Pos.File && o.Method == e.Method && o.Path == e.Path {
			return true
		}
	}
	return false
}

// sameRequest: two records of one request by different layers or formats.
func sameRequest(a, b *Ev) bool {
	if a.message || b.message || a.Method != b.Method || a.Path != b.Path {
		return false
	}
	if a.Pos.File == b.Pos.File && a.Format == b.Format {
		return false // one log does not record a request twice
	}
	if parse.IsSynthetic(a.Time) || parse.IsSynthetic(b.Time) {
		return false
	}
	if a.RayID != "" && b.RayID != "" {
		return a.RayID == b.RayID
	}
	if a.EdgeBlocked || b.EdgeBlocked {
		return false // the origin never saw what the edge stopped
	}
	if !statusAgrees(a, b) && !leftLong(a, b) && !leftLong(b, a) || !clientsAgree(a, b) {
		// (nginx's 499 for the client that left, and the application's
		// 200 when it finished anyway, seconds later, are one request.)
		return false
	}
	// Two requests in the same second to the same path (the connector's
	// probe and its authenticated initialize) differ in who sent them.
	if a.UAKnown && b.UAKnown && a.UserAgent != "" && b.UserAgent != "" && a.UserAgent != b.UserAgent {
		return false
	}
	if a.Authorization != parse.Unknown && b.Authorization != parse.Unknown && a.Authorization != b.Authorization {
		return false
	}
	return true
}

// seenIn: the event already holds a record from that file; one log
// records a request once.
func seenIn(e *Ev, file string) bool {
	if e.Pos.File == file {
		return true
	}
	for _, v := range e.Views {
		if v.Pos.File == file {
			return true
		}
	}
	return false
}

func statusAgrees(a, b *Ev) bool {
	as, bs := answered(a), answered(b)
	return as == 0 || bs == 0 || as == bs
}

// answered is the status the request got from the origin: an edge record
// knows it as OriginResponseStatus.
func answered(e *Ev) int {
	if e.Layer == parse.LayerEdge && e.OriginStatus != 0 {
		return e.OriginStatus
	}
	return e.Status
}

// clientsAgree: the records name no public client, or one in common.
func clientsAgree(a, b *Ev) bool {
	ca, cb := candidateClients(a), candidateClients(b)
	return len(ca) == 0 || len(cb) == 0 || firstShared(ca, cb).IsValid()
}

// sharedClient is the public address both records name for their
// client, or the zero address.
func sharedClient(a, b *Ev) netip.Addr {
	return firstShared(candidateClients(a), candidateClients(b))
}

func firstShared(ca, cb []netip.Addr) netip.Addr {
	for _, x := range ca {
		if slices.Contains(cb, x) {
			return x
		}
	}
	return netip.Addr{}
}

// candidateClients lists the public addresses a record names for its client.
func candidateClients(e *Ev) []netip.Addr {
	var out []netip.Addr
	for _, a := range addressesOf(e.Event) {
		if a.IsValid() && !IsNonPublic(a) && !IsCloudflare(a) {
			out = append(out, a)
		}
	}
	return out
}

// join keeps the record closest to the application as the event (the
// origin's, else the app's), and the other as a view. What only one of
// them knew (the real client, the user agent, the Authorization header)
// is carried over.
func join(a, b *Ev) *Ev {
	primary, other := a, b
	if layerRank(b.Layer) < layerRank(a.Layer) {
		primary, other = b, a
	}
	merged := *primary
	cp := *primary.Event
	merged.Event = &cp
	merged.Views = append(append(append([]*parse.Event{}, primary.Views...), other.Event), other.Views...)
	if other.Confirmed && !merged.Confirmed {
		merged.Confirmed, merged.Egress, merged.Retired = true, other.Egress, other.Retired
	}
	if !merged.UAKnown && other.UAKnown {
		merged.UserAgent, merged.UAKnown = other.UserAgent, true
	}
	// An app's own access line often drops the query and the Referer
	// that the server's access line kept, or the other way round: the
	// request is one, so the merged event keeps both (Claude's callback
	// in an authorization's query is what ties the browser to it).
	if cp.RawQuery == "" && other.RawQuery != "" {
		cp.RawQuery = other.RawQuery
	}
	if cp.Referer == "" && other.Referer != "" {
		cp.Referer = other.Referer
	}
	if merged.Authorization == parse.Unknown {
		merged.Authorization = other.Authorization
	}
	// What the answer was, where one log recorded it and the other not
	// (pino writes the response's headers; the app's own line, the status):
	// an HTML page answering discovery, a token answered as text.
	if cp.ContentType == "" && other.ContentType != "" {
		cp.ContentType = other.ContentType
	}
	if cp.Bytes < 0 && other.Bytes >= 0 {
		cp.Bytes = other.Bytes
	}
	if cp.HasWWWAuth == parse.Unknown && other.HasWWWAuth != parse.Unknown {
		cp.HasWWWAuth, cp.WWWAuthenticate = other.HasWWWAuth, other.WWWAuthenticate
	}
	if cp.Location == "" && other.Location != "" {
		cp.Location = other.Location
	}
	if merged.Status == 0 {
		merged.Status = answered(other)
	}
	// Keep the more precise clock: nginx writes whole seconds, Cloudflare
	// nanoseconds.
	if merged.Time.Nanosecond() == 0 && other.Time.Nanosecond() != 0 && AbsDuration(other.Time.Sub(merged.Time)) < time.Second {
		cp.Time = other.Time
	}
	if !merged.HasDuration && other.HasDuration {
		merged.Duration, merged.HasDuration = other.Duration, true
	}
	merged.Signals |= other.Signals
	merged.strong = merged.strong || other.strong
	if merged.kind == kindOther && other.kind != kindOther {
		merged.kind = other.kind
	}
	return &merged
}

func layerRank(l parse.Layer) int {
	switch l {
	case parse.LayerOrigin:
		return 0
	case parse.LayerApp:
		return 1
	}
	return 2
}

// EdgeView returns the edge's record of the event, if the edge logged it.
func (e *Ev) EdgeView() *parse.Event {
	if e.Layer == parse.LayerEdge {
		return e.Event
	}
	for _, v := range e.Views {
		if v.Layer == parse.LayerEdge {
			return v
		}
	}
	return nil
}

// PassedEdge: the edge logged the request and sent it on to the origin.
func (e *Ev) PassedEdge() bool {
	v := e.EdgeView()
	return v != nil && !v.EdgeBlocked && (e.Layer != parse.LayerEdge || v.OriginStatus != 0)
}

// AllSignals is what every sighting of the event said.
func (e *Ev) AllSignals() parse.Signal {
	s := e.Signals
	for _, v := range e.Views {
		s |= v.Signals
	}
	return s
}

// reachedOrigin drops the requests the edge answered itself.
func ReachedOrigin(evs []*Ev) []*Ev {
	var out []*Ev
	for _, e := range evs {
		if v := e.EdgeView(); v == nil || !v.EdgeBlocked {
			out = append(out, e)
		}
	}
	return out
}

// inferFronts finds, among logs of the same layer, one written in front
// of another (a load balancer's or an edge proxy's in front of the web
// server's): it holds every connector request the other holds, and more,
// and what only it holds was refused. That log is treated as the edge's,
// and what only it holds as stopped there, as a CDN's log would say.
func inferFronts(evs []*Ev, env *Env) {
	byFile := map[string][]*Ev{}
	var files []string
	for _, e := range evs {
		// Only the connector's own requests (from its egress) count: they
		// are what a front would stop, and browsers' and scanners' requests
		// are kept only near an attempt, so both logs need not hold them.
		if e.message || !e.Confirmed || e.Layer != parse.LayerOrigin || parse.IsSynthetic(e.Time) {
			continue
		}
		if _, ok := byFile[e.Pos.File]; !ok {
			files = append(files, e.Pos.File)
		}
		byFile[e.Pos.File] = append(byFile[e.Pos.File], e)
	}
	if len(files) < 2 {
		return
	}
	for _, front := range files {
		for _, back := range files {
			if front == back || byFile[front][0].Layer != parse.LayerOrigin {
				continue
			}
			extra, ok := frontOf(byFile[front], byFile[back])
			if !ok {
				continue
			}
			for _, e := range byFile[front] {
				e.Layer = parse.LayerEdge
				env.Edge.note(e.Time)
			}
			for _, e := range extra {
				e.EdgeBlocked = true
				e.EdgeAction = "block"
				e.EdgeSource = "the front proxy (" + filepath.Base(front) + ")"
			}
		}
	}
}

// minSharedRequests is how many requests two logs must share before one
// is taken to sit in front of the other.
const minSharedRequests = 3

// frontOf: every request of back is in front too, and front's others
// were all refused. It returns those.
func frontOf(front, back []*Ev) (extra []*Ev, ok bool) {
	if len(back) < minSharedRequests || len(front) <= len(back) {
		return nil, false
	}
	matched := make([]bool, len(front))
	for _, b := range back {
		found := false
		for i, f := range front {
			if !matched[i] && AbsDuration(f.Time.Sub(b.Time)) <= sameRequestWindow+f.Duration+b.Duration && sameRequest(f, b) {
				matched[i], found = true, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	for i, f := range front {
		if matched[i] {
			continue
		}
		if f.Status < 400 {
			return nil, false // served there without reaching the back: not a plain front
		}
		extra = append(extra, f)
	}
	return extra, len(extra) > 0
}

// alignWindow bounds how far ahead in the timed log an untimed record
// looks for its request.
const alignWindow = 64

// alignUntimed gives the records of an input without times (uvicorn's
// default access log, a paste) the times of the same requests in a timed
// log beside it (nginx or the edge in front), matched in order by method,
// path and status, so that merge joins them instead of leaving a second,
// timeless copy of the attempt. A record with no match takes the time of
// the matched one before it (after it, at the start). An input whose
// requests mostly find no match keeps its order-only times, unless the
// timed logs' requests are mostly found in it: then it is the same
// traffic with less said (morgan's dev format beside the application's
// own log on a busy server), and what it holds beyond them is other
// clients' traffic the timed logs already showed and set aside: those
// records are dropped. The same holds for an input that shows nothing of
// who sent its requests (uvicorn behind a proxy) beside timed inputs that
// do and read about as many requests to the same endpoints: those inputs
// already told the connector's requests from the others', so a record
// that matches none of the connector's is another client's. It returns
// the events that remain.
func alignUntimed(evs []*Ev, inputs map[string]*inputIdentity) []*Ev {
	var timed []*Ev
	untimed := map[string][]*Ev{}
	var files []string
	for _, e := range evs {
		switch {
		case e.TimeSynthetic:
			if _, ok := untimed[e.Pos.File]; !ok {
				files = append(files, e.Pos.File)
			}
			untimed[e.Pos.File] = append(untimed[e.Pos.File], e)
		case !e.message && e.IsRequest():
			timed = append(timed, e)
		}
	}
	if len(files) == 0 {
		return evs
	}
	timedRequests := 0
	for _, t := range timed {
		if !t.Browser {
			timedRequests++
		}
	}
	// The requests to the flow's endpoints that timed inputs showing
	// their clients read, whether they kept them or not.
	readElsewhere := 0
	for _, in := range inputs {
		if !in.untimed && !in.showsNoOne() {
			readElsewhere += in.flowRequests
		}
	}
	dropped := map[*Ev]bool{}
	SortByTime(timed)
	for _, file := range files {
		un := untimed[file]
		sort.SliceStable(un, func(i, j int) bool { return un[i].Pos.Line < un[j].Pos.Line })
		at := make([]time.Time, len(un))
		matched, requests, j := 0, 0, 0
		// used marks the timed records already taken: a record ranked
		// among its client's requests may find its twin before j (the
		// logs wrote concurrent clients in different orders), so the
		// search for it starts a window before j, skipping those.
		used := make([]bool, len(timed))
		for i, u := range un {
			if u.message || !u.IsRequest() {
				continue
			}
			requests++
			// The first record of the same request in the timed logs;
			// where both logs ranked their requests, the one of the same
			// rank (the k-th GET /authorize 200 of each): the logs kept
			// different subsets of the same traffic (the app's log drops
			// the query that told another client's authorization apart).
			// A record whose every candidate is ranked otherwise has no
			// twin among what the timed logs kept (another client's).
			pick := -1
			for k := max(0, j-alignWindow); k < len(timed) && k < j+alignWindow; k++ {
				t := timed[k]
				if used[k] || t.Pos.File == u.Pos.File || t.Method != u.Method || t.Path != u.Path || !(t.Status == 0 || u.Status == 0 || answered(t) == u.Status) {
					continue
				}
				if !clientsAgree(u, t) {
					continue // another client's request
				}
				if clientRanked(u, t, inputs) {
					if t.clientOrdinal == u.clientOrdinal {
						pick = k
						break
					}
					continue
				}
				sameKey := ranked(u, t, inputs) && answered(t) == u.Status
				if sameKey && t.ordinal == u.ordinal {
					// Both logs ranked the request alike (the k-th GET
					// /authorize 200 of each): its twin, even behind the
					// order both logs share (a request another client
					// abandoned was written by one log when the client
					// left and by the other seconds later, and the order
					// had run ahead of this twin).
					pick = k
					break
				}
				if k < j {
					continue // behind the order both logs share
				}
				if !sameKey {
					if pick < 0 {
						pick = k
					}
					break
				}
			}
			if pick >= 0 {
				at[i] = timed[pick].Time
				matched++
				used[pick] = true
				j = max(j, pick+1)
			}
		}
		if requests == 0 {
			continue
		}
		own := inputs[file]
		sameTraffic := own != nil && !own.agents && !own.showsClients() && own.flowRequests > 0 && readElsewhere*2 >= own.flowRequests
		if matched*2 < requests || sameTraffic {
			if !sameTraffic && (matched*2 < timedRequests || matched == 0) {
				continue
			}
			for i, u := range un {
				if at[i].IsZero() && !u.message {
					dropped[u] = true
				}
			}
		}
		// Fill the gaps from the neighbours, then adopt the times.
		var last time.Time
		for i := range at {
			if at[i].IsZero() {
				at[i] = last
			} else {
				last = at[i]
			}
		}
		for i := len(at) - 1; i >= 0; i-- {
			if at[i].IsZero() {
				at[i] = last
			} else {
				last = at[i]
			}
		}
		for i, u := range un {
			if !at[i].IsZero() {
				u.Time, u.TimeSynthetic = at[i], false
			}
		}
	}
	if len(dropped) == 0 {
		return evs
	}
	out := evs[:0]
	for _, e := range evs {
		if !dropped[e] {
			out = append(out, e)
		}
	}
	return out
}

// ranked: both records carry a rank their inputs can vouch for.
func ranked(u, t *Ev, inputs map[string]*inputIdentity) bool {
	if u.ordinal == 0 || t.ordinal == 0 {
		return false
	}
	for _, f := range []string{u.Pos.File, t.Pos.File} {
		if in := inputs[f]; in == nil || in.ordinalsOff {
			return false
		}
	}
	return true
}

// rankedApart: both logs ranked their requests with the same method,
// path and status (Ev.ordinal), and these two hold different ranks: the
// k-th such request of one log is not the j-th of the other, however
// close their times (an untimed log's records took their times from the
// timed one's neighbours).
func rankedApart(a, b *Ev, inputs map[string]*inputIdentity) bool {
	if a.Status != b.Status || a.Method != b.Method || a.Path != b.Path {
		return false // ranks count per method, path and status
	}
	if clientRanked(a, b, inputs) {
		return a.clientOrdinal != b.clientOrdinal
	}
	return ranked(a, b, inputs) && a.ordinal != b.ordinal
}

// clientRanked: both records were ranked among their public client's
// requests, and name the same client. Those ranks outweigh the ranks
// among all clients: two logs may write concurrent requests of different
// clients in different orders (each when its response ended), so the
// k-th POST /mcp 200 of one can be the (k+1)-th of the other, while one
// client's requests keep their order in both.
func clientRanked(a, b *Ev, inputs map[string]*inputIdentity) bool {
	return a.clientOrdinal != 0 && b.clientOrdinal != 0 && a.Client == b.Client && ranked(a, b, inputs)
}
