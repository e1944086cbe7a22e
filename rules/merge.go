package rules

import (
	"net/netip"
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

func merge(evs []*Ev) []*Ev {
	out := make([]*Ev, 0, len(evs))
	gone := make([]bool, len(evs))
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
			if o.Time.Sub(e.Time) > sameRequestWindow+e.Duration+o.Duration {
				break
			}
			if sameRequest(e, o) {
				e = join(e, o)
				gone[j] = true
			}
		}
		out = append(out, e)
	}
	return out
}

// startMarker: a record with no status whose completion follows in the
// same input within seconds.
func startMarker(evs []*Ev, i int, gone []bool) bool {
	e := evs[i]
	if parse.IsSynthetic(e.Time) {
		return false // a pasted summary's bare line is a request, not a marker
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
	if !statusAgrees(a, b) || !clientsAgree(a, b) {
		return false
	}
	return true
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

func clientsAgree(a, b *Ev) bool {
	ca, cb := candidateClients(a), candidateClients(b)
	if len(ca) == 0 || len(cb) == 0 {
		return true
	}
	for _, x := range ca {
		for _, y := range cb {
			if x == y {
				return true
			}
		}
	}
	return false
}

// candidateClients lists the public addresses a record names for its client.
func candidateClients(e *Ev) []netip.Addr {
	var out []netip.Addr
	for _, a := range addressesOf(e.Event) {
		if a.IsValid() && !isNonPublic(a) && !IsCloudflare(a) {
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
	if merged.Authorization == parse.Unknown {
		merged.Authorization = other.Authorization
	}
	if merged.Status == 0 {
		merged.Status = answered(other)
	}
	// Keep the more precise clock: nginx writes whole seconds, Cloudflare
	// nanoseconds.
	if merged.Time.Nanosecond() == 0 && other.Time.Nanosecond() != 0 && absDuration(other.Time.Sub(merged.Time)) < time.Second {
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
func reachedOrigin(evs []*Ev) []*Ev {
	var out []*Ev
	for _, e := range evs {
		if v := e.EdgeView(); v == nil || !v.EdgeBlocked {
			out = append(out, e)
		}
	}
	return out
}
