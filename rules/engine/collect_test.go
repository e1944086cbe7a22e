package engine

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcptriage/mcptriage/parse"
)

func probeEvent(t time.Time, ip string) *parse.Event {
	return &parse.Event{Time: t, Peer: netip.MustParseAddr(ip), Method: "POST", Path: "/mcp", Status: 401, UserAgent: "python-httpx/0.28.1", UAKnown: true, Bytes: 68}
}

// A log with an absurd number of connector requests keeps a bounded
// number of them and says so.
func TestCollectorCapsKeptEvents(t *testing.T) {
	c := NewCollector(Options{MaxEvents: 5})
	start := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 50; i++ {
		c.Add(probeEvent(start.Add(time.Duration(i)*time.Second), "160.79.106.35"))
	}
	run := c.Analyze()
	if !run.Capped || run.Kept != 5 || run.Events != 50 {
		t.Errorf("capped=%v kept=%d events=%d; want true, 5, 50", run.Capped, run.Kept, run.Events)
	}
}

// --egress replaces Anthropic's ranges: a request from the new range is
// confirmed; one from 160.79.104.0/21 is now someone else's public
// address: counted as a look-alike, never an attempt.
func TestEgressOverride(t *testing.T) {
	c := NewCollector(Options{Egress: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}})
	start := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	c.Add(probeEvent(start, "198.51.100.7"))
	c.Add(probeEvent(start.Add(10*time.Minute), "160.79.106.35"))
	run := c.Analyze()
	if len(run.Attempts) != 1 || !run.Attempts[0].Confirmed {
		t.Fatalf("attempts %d, want 1 confirmed", len(run.Attempts))
	}
	if len(run.LookAlikes) != 1 || run.LookAlikes[0].Requests != 1 || run.LookAlikes[0].UserAgent != "python-httpx/0.28.1" {
		t.Errorf("look-alikes %+v, want the one python-httpx request from outside the range", run.LookAlikes)
	}
}

// Retired egress addresses still count, and are marked as retired.
func TestRetiredEgress(t *testing.T) {
	c := NewCollector(Options{})
	c.Add(probeEvent(time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC), "34.162.46.92"))
	run := c.Analyze()
	if len(run.Attempts) != 1 || !run.Attempts[0].Events[0].Retired {
		t.Errorf("a request from a retired address was not recognised as such")
	}
}

func TestParseConnectorURL(t *testing.T) {
	u, err := ParseConnectorURL("  https://MCP.Example.com:8443/Api/mcp/?apiKey=sk_live_xyz ")
	if err != nil {
		t.Fatal(err)
	}
	if u.Host != "mcp.example.com" || u.Port != "8443" || u.Path != "/Api/mcp/" || u.Scheme != "https" {
		t.Errorf("parsed %+v", u)
	}
	if strings.Contains(u.Raw, "sk_live_xyz") || strings.Contains(u.RawQuery, "sk_live_xyz") {
		t.Errorf("the credential survived in %q / %q", u.Raw, u.RawQuery)
	}
	for _, bad := range []string{"mcp.example.com/mcp", "https://", "https://%zz/"} {
		if _, err := ParseConnectorURL(bad); err == nil {
			t.Errorf("ParseConnectorURL(%q) accepted it", bad)
		}
	}
}

// A Referer cut short by a capture's length limit still says whose
// authorization a consent step belongs to once the cut reaches Claude's
// host; cut before that, it says nothing (not "another client").
func TestLegOfACutReferer(t *testing.T) {
	const page = "https://mcp.example.com/authorize?client_id=c_6e0a6cd51655&code_challenge=snIG&redirect_uri="
	for ref, want := range map[string]leg{
		page + "https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback&state=s1":  legClaude,
		page + "https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth":                    legClaude,
		page + "https%3A%2F%2Fclaude.com%2Fapi":                                legClaude,
		page + "https%3A%2F%2Fcl":                                              legUnknown,
		page + "cursor%3A%2F%2Fanysphere.cursor-mcp%2Foauth%2Fcallback":        legOther,
		page + "https%3A%2F%2Fclaude.ai.example.net%2Fcb":                      legOther,
		page + "https%3A%2F%2Fchatgpt.com%2Fconnector_platform_oauth_redirect": legOther,
	} {
		if got := legOf(&parse.Event{Referer: ref}); got != want {
			t.Errorf("%s: leg %d, want %d", ref[len(page):], got, want)
		}
	}
}

// An untimed log takes its times from a timed log of the same traffic by
// the order of their records; where both logs ranked their requests
// (kept or not), the k-th GET /authorize 200 of one is the k-th of the
// other, even when each kept a different subset of them.
func TestAlignUntimedByRank(t *testing.T) {
	base := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	ev := func(file string, line int, at time.Time, synthetic bool, ordinal int) *Ev {
		return &Ev{Event: &parse.Event{Pos: parse.Pos{File: file, Line: line}, Time: at, TimeSynthetic: synthetic,
			Method: "GET", Path: "/authorize", Status: 200}, ordinal: ordinal}
	}
	// The app's log kept three query-less authorizations; uvicorn's kept
	// only the third, the one whose query names Claude's callback.
	app := []*Ev{ev("app.log", 1, base.Add(1*time.Second), false, 1), ev("app.log", 2, base.Add(2*time.Second), false, 2), ev("app.log", 3, base.Add(3*time.Second), false, 3)}
	uv := ev("uvicorn.log", 9, time.Date(1, 1, 1, 0, 0, 0, 9e6, time.UTC), true, 3)
	inputs := map[string]*inputIdentity{"app.log": {}, "uvicorn.log": {untimed: true}}
	out := alignUntimed(append(append([]*Ev{}, app...), uv), inputs)
	if !slices.Contains(out, uv) || !uv.Time.Equal(app[2].Time) {
		t.Errorf("uvicorn's authorization took %v, want the third app record's %v", uv.Time, app[2].Time)
	}
	// Without ranks (a log the fast path passed over), the first record
	// of the same request is all there is.
	uv = ev("uvicorn.log", 9, time.Date(1, 1, 1, 0, 0, 0, 9e6, time.UTC), true, 3)
	inputs["app.log"].ordinalsOff = true
	alignUntimed(append(append([]*Ev{}, app...), uv), inputs)
	if !uv.Time.Equal(app[0].Time) {
		t.Errorf("without ranks: %v, want the first record's %v", uv.Time, app[0].Time)
	}
}

// Two logs may write concurrent requests of different clients in
// different orders (each when its response ended): where both show
// public client addresses, a record's twin is the same client's request
// of the same rank, not the request of the same rank among all clients.
func TestAlignUntimedByClientRank(t *testing.T) {
	base := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	other, connector := netip.MustParseAddr("203.0.113.9"), netip.MustParseAddr("160.79.106.35")
	ev := func(file string, line int, at time.Time, synthetic bool, peer netip.Addr, ordinal int) *Ev {
		return &Ev{Event: &parse.Event{Pos: parse.Pos{File: file, Line: line}, Time: at, TimeSynthetic: synthetic,
			Method: "POST", Path: "/mcp", Status: 200, Peer: peer}, Client: peer, ordinal: ordinal, clientOrdinal: 1}
	}
	// The app logged the other client's initialize first; gunicorn, the
	// connector's (its response ended first).
	app := []*Ev{ev("app.log", 1, base.Add(100*time.Millisecond), false, other, 1), ev("app.log", 2, base.Add(117*time.Millisecond), false, connector, 2)}
	synthetic := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	gun := []*Ev{ev("gunicorn.log", 44, synthetic.Add(44*time.Millisecond), true, connector, 1), ev("gunicorn.log", 45, synthetic.Add(45*time.Millisecond), true, other, 2)}
	inputs := map[string]*inputIdentity{"app.log": {}, "gunicorn.log": {untimed: true}}
	out := alignUntimed(append(append([]*Ev{}, app...), gun...), inputs)
	if !gun[0].Time.Equal(app[1].Time) {
		t.Errorf("the connector's request in gunicorn.log took %v, want its twin's %v", gun[0].Time, app[1].Time)
	}
	SortByTime(out)
	if got := merge(out, inputs); len(got) != 2 {
		for _, e := range got {
			t.Logf("%s:%d %v %s", e.Pos.File, e.Pos.Line, e.Time, e.Peer)
		}
		t.Errorf("two requests merged into %d events, want 2", len(got))
	}
}

// Two logs' records merge into one request only when their ranks agree
// (where both logs ranked their requests): an untimed record that took
// its time from a timed neighbour is not the neighbour's twin.
func TestMergeRespectsRanks(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 6, 0, time.UTC)
	rec := func(file string, line int, d time.Duration, ordinal int) *Ev {
		return &Ev{Event: &parse.Event{Pos: parse.Pos{File: file, Line: line}, Time: at.Add(d), Method: "GET", Path: "/authorize", Status: 404, Layer: parse.LayerApp}, ordinal: ordinal}
	}
	inputs := map[string]*inputIdentity{"app.log": {}, "morgan.log": {}}
	if got := merge([]*Ev{rec("app.log", 10, 0, 1), rec("morgan.log", 48, 600*time.Millisecond, 7)}, inputs); len(got) != 2 {
		t.Errorf("records of ranks 1 and 7 merged into %d events, want 2", len(got))
	}
	if got := merge([]*Ev{rec("app.log", 55, 0, 7), rec("morgan.log", 48, 0, 7)}, inputs); len(got) != 1 {
		t.Errorf("records of the same rank gave %d events, want 1", len(got))
	}
	inputs["morgan.log"].ordinalsOff = true
	if got := merge([]*Ev{rec("app.log", 10, 0, 1), rec("morgan.log", 48, 600*time.Millisecond, 7)}, inputs); len(got) != 1 {
		t.Errorf("without ranks to vouch: %d events, want 1 (merged by time and fields)", len(got))
	}
}

// An untimed record whose twin lies behind the order both logs share is
// still paired with it when both logs ranked it alike: a request the
// client abandoned (morgan's "-") took the time of a record written
// seconds later, and the order ran past the next request's twin.
func TestAlignUntimedRankBehindOrder(t *testing.T) {
	base := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	synthetic := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := func(file string, line int, at time.Time, method, path string, status, ordinal int, gone bool) *Ev {
		return &Ev{Event: &parse.Event{Pos: parse.Pos{File: file, Line: line}, Time: at, TimeSynthetic: at.Year() == 1,
			Method: method, Path: path, Status: status, ClientGone: gone}, ordinal: ordinal}
	}
	app := []*Ev{
		rec("app.log", 1, base, "POST", "/mcp", 401, 1, false),
		rec("app.log", 2, base.Add(time.Second), "GET", "/authorize", 200, 1, false),
		rec("app.log", 3, base.Add(3*time.Second), "POST", "/token", 200, 1, false),
	}
	app[2].Duration = 12 * time.Second
	morgan := []*Ev{
		rec("morgan.log", 1, synthetic, "POST", "/token", 0, 0, true), // left at 10 s, before the next press
		rec("morgan.log", 2, synthetic.Add(time.Millisecond), "POST", "/mcp", 401, 1, false),
		rec("morgan.log", 3, synthetic.Add(2*time.Millisecond), "GET", "/authorize", 200, 1, false),
	}
	inputs := map[string]*inputIdentity{"app.log": {}, "morgan.log": {untimed: true}}
	out := alignUntimed(append(append([]*Ev{}, app...), morgan...), inputs)
	for i, want := range []time.Time{app[2].Time, app[0].Time, app[1].Time} {
		if !morgan[i].Time.Equal(want) {
			t.Errorf("morgan.log:%d took %v, want its twin's %v", i+1, morgan[i].Time, want)
		}
	}
	SortByTime(out)
	got := merge(out, inputs)
	if len(got) != 3 {
		for _, e := range got {
			t.Logf("%s:%d %v %s %s", e.Pos.File, e.Pos.Line, e.Time, e.Method, e.Path)
		}
		t.Errorf("three requests seen by both logs merged into %d events, want 3", len(got))
	}
}
