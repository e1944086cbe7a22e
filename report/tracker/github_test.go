package tracker

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "ghp_PLANTEDtoken0123456789abcdefABCDEF"

// fakeGitHub serves /search/issues the way GitHub does, and misbehaves
// on demand: each call takes the next step of its script, and the last
// step repeats.
type fakeGitHub struct {
	t      *testing.T
	mu     sync.Mutex
	steps  []func(w http.ResponseWriter, r *http.Request)
	calls  []string // the q of each request
	auth   []string // the Authorization header of each request
	issues map[string][]map[string]any
}

func newFake(t *testing.T, steps ...func(w http.ResponseWriter, r *http.Request)) (*fakeGitHub, *httptest.Server) {
	f := &fakeGitHub{t: t, steps: steps}
	mux := http.NewServeMux()
	// Mounted under a sub-path, as go-github's own tests do, to catch a
	// client that drops the base URL's path.
	mux.HandleFunc("/api/search/issues", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		n := len(f.calls)
		f.calls = append(f.calls, r.URL.Query().Get("q"))
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		step := f.steps[min(n, len(f.steps)-1)]
		f.mu.Unlock()
		step(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, srv
}

func issueJSON(n int, state, title string, labels ...string) map[string]any {
	var ls []map[string]any
	for _, l := range labels {
		ls = append(ls, map[string]any{"name": l})
	}
	return map[string]any{
		"number": n, "title": title, "state": state, "labels": ls, "comments": 3,
		"html_url":   fmt.Sprintf("https://github.com/anthropics/claude-ai-mcp/issues/%d", n),
		"created_at": "2026-09-01T10:00:00Z", "updated_at": "2026-11-20T10:00:00Z",
	}
}

// answer serves search results chosen by what the query asks for.
func answer(byQuery func(q string) []map[string]any) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		items := byQuery(r.URL.Query().Get("q"))
		w.Header().Set("X-RateLimit-Limit", "30")
		w.Header().Set("X-RateLimit-Remaining", "25")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10))
		json.NewEncoder(w).Encode(map[string]any{"total_count": len(items), "incomplete_results": false, "items": items})
	}
}

// realistic answers: the ofid is in one known issue, the mode's phrases
// find a known one and one newer than the index, and a pull request.
var realistic = answer(func(q string) []map[string]any {
	switch {
	case strings.Contains(q, "ofid_"):
		return []map[string]any{issueJSON(905, "open", "Custom connector: OAuth completes (token 200) but no authenticated MCP request ever arrives", "bug", "auth", "server-developer-report")}
	case strings.Contains(q, "Bearer"):
		pr := issueJSON(1201, "open", "docs: explain the bearer header")
		pr["pull_request"] = map[string]any{"url": "https://api.github.com/repos/anthropics/claude-ai-mcp/pulls/1201"}
		return []map[string]any{
			issueJSON(1188, "open", "Connector never sends the Bearer token after /token 200", "bug", "auth"),
			issueJSON(125, "open", "OAuth completes but token never sent — known causes", "known-issue", "reference", "auth"),
			pr,
		}
	}
	return nil
})

func status(code int, headers map[string]string, body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
}

type waits struct{ got []time.Duration }

func (w *waits) wait(_ context.Context, d time.Duration) error {
	w.got = append(w.got, d)
	return nil
}

func newTestOnline(t *testing.T, srv *httptest.Server, token string) (*Online, *waits) {
	t.Helper()
	o, err := NewOnline(srv.URL+"/api", token)
	if err != nil {
		t.Fatal(err)
	}
	w := &waits{}
	o.Wait = w.wait
	o.Timeout = 2 * time.Second
	return o, w
}

var diagnosis = Query{Modes: []string{"token_never_presented", "edge_blocks_claude_user"}, Stage: 6, OFIDs: []string{"ofid_dde44effd7bdb79c"}}

func TestOnlineSearchMergesWithTheIndex(t *testing.T) {
	f, srv := newFake(t, realistic)
	o, w := newTestOnline(t, srv, testToken)
	res := Search(context.Background(), diagnosis, o)

	if !res.Online || len(res.Queries) == 0 {
		t.Fatalf("not online: %+v", res.Notes)
	}
	if len(w.got) != 0 {
		t.Errorf("waited %v with no limit reached", w.got)
	}
	for i, a := range f.auth {
		if a != "Bearer "+testToken {
			t.Errorf("request %d: Authorization %q", i+1, a)
		}
	}
	for _, q := range f.calls {
		if !strings.Contains(q, "repo:anthropics/claude-ai-mcp is:issue") {
			t.Errorf("query %q not scoped", q)
		}
	}
	byNumber := map[int]Match{}
	for _, m := range res.Matches {
		if _, dup := byNumber[m.Number]; dup {
			t.Errorf("#%d listed twice", m.Number)
		}
		byNumber[m.Number] = m
	}
	// The issue holding the ofid leads, known to the index and found online.
	if res.Matches[0].Number != 905 || res.Matches[0].Source != "index+github" {
		t.Errorf("first match #%d (%s), want #905 from both", res.Matches[0].Number, res.Matches[0].Source)
	}
	if !slices.Contains(res.Matches[0].Why, "mentions your ofid (GitHub search)") {
		t.Errorf("#905 why: %v", res.Matches[0].Why)
	}
	// An issue newer than the index is found, with GitHub's details.
	m, ok := byNumber[1188]
	if !ok || m.Source != "github" || m.CreatedAt.IsZero() || m.URL == "" {
		t.Errorf("#1188 from GitHub: %+v", m)
	}
	if _, ok := byNumber[1201]; ok {
		t.Error("a pull request was listed")
	}
	// Known issues GitHub did not return still come from the index.
	for _, n := range ForMode("token_never_presented") {
		if _, ok := byNumber[n]; !ok {
			t.Errorf("index issue #%d of the mode missing from the merged answer", n)
		}
	}
	// GitHub's labels are fresher than the index's.
	if !slices.Contains(byNumber[125].Labels, "known-issue") {
		t.Errorf("#125 labels %v", byNumber[125].Labels)
	}
	noToken(t, res)
}

func TestOnlineSearchWithoutToken(t *testing.T) {
	f, srv := newFake(t, realistic)
	o, _ := newTestOnline(t, srv, "")
	res := Search(context.Background(), diagnosis, o)
	if !res.Online {
		t.Fatalf("not online: %v", res.Notes)
	}
	for _, a := range f.auth {
		if a != "" {
			t.Errorf("Authorization %q sent without a token", a)
		}
	}
}

func TestOnlineFaultsFallBackToTheIndex(t *testing.T) {
	reset := time.Now().Add(40 * time.Minute)
	resetHeader := strconv.FormatInt(reset.Unix(), 10)
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	}
	tests := []struct {
		name      string
		token     string
		steps     []func(w http.ResponseWriter, r *http.Request)
		wantNote  string
		wantWaits []time.Duration
		wantCalls int
		online    bool
	}{
		{name: "bad token", token: testToken,
			steps:    []func(http.ResponseWriter, *http.Request){status(401, nil, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`)},
			wantNote: "GitHub refused the token (401 Bad credentials): check GITHUB_TOKEN or GH_TOKEN", wantCalls: 1},
		{name: "primary limit, reset far away",
			steps:    []func(http.ResponseWriter, *http.Request){status(403, map[string]string{"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": resetHeader, "X-RateLimit-Resource": "search"}, `{"message":"API rate limit exceeded for 203.0.113.9."}`)},
			wantNote: "GitHub's search limit is spent until " + reset.UTC().Format("15:04:05Z") + "; without a token the limit is 10 searches a minute: set GITHUB_TOKEN", wantCalls: 1},
		{name: "secondary limit, then an answer", token: testToken,
			steps: []func(http.ResponseWriter, *http.Request){
				status(403, map[string]string{"Retry-After": "7"}, `{"message":"You have exceeded a secondary rate limit.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`),
				realistic},
			wantNote: "waited 7s once", wantWaits: []time.Duration{7 * time.Second}, wantCalls: 4, online: true},
		{name: "429 with Retry-After, then an answer",
			steps:    []func(http.ResponseWriter, *http.Request){status(429, map[string]string{"Retry-After": "3"}, `{"message":"Too many requests"}`), realistic},
			wantNote: "waited 3s once", wantWaits: []time.Duration{3 * time.Second}, wantCalls: 4, online: true},
		{name: "429 twice: one wait only",
			steps:    []func(http.ResponseWriter, *http.Request){status(429, map[string]string{"Retry-After": "3"}, `{"message":"Too many requests"}`)},
			wantNote: "GitHub's search limit is spent for 3s", wantWaits: []time.Duration{3 * time.Second}, wantCalls: 2},
		{name: "429 asking too long a wait",
			steps:    []func(http.ResponseWriter, *http.Request){status(429, map[string]string{"Retry-After": "600"}, `{"message":"Too many requests"}`)},
			wantNote: "GitHub's search limit is spent for 10m0s", wantCalls: 1},
		{name: "422 skips one search", token: testToken,
			steps: []func(http.ResponseWriter, *http.Request){
				status(422, nil, `{"message":"Validation Failed","errors":[{"message":"The listed users and repositories cannot be searched either because the resources do not exist or you do not have permission to view them.","resource":"Search","field":"q","code":"invalid"}]}`),
				realistic},
			wantNote: "GitHub would not run a search (422 The listed users and repositories cannot be searched", wantCalls: 3, online: true},
		{name: "server error",
			steps:    []func(http.ResponseWriter, *http.Request){status(502, nil, `{"message":"Server Error"}`)},
			wantNote: "GitHub's search failed on its side (502 Server Error); showing the built-in index instead", wantCalls: 1},
		{name: "slow reply",
			steps:    []func(http.ResponseWriter, *http.Request){slow},
			wantNote: "GitHub did not answer within 200ms", wantCalls: 1},
		{name: "JSON cut short",
			steps:    []func(http.ResponseWriter, *http.Request){status(200, nil, `{"total_count": 1, "items": [{"number": 9`)},
			wantNote: "GitHub's answer was cut short or was not the JSON of a search result", wantCalls: 1},
		{name: "JSON of another shape",
			steps:    []func(http.ResponseWriter, *http.Request){status(200, nil, `{"total_count": 1, "items": [{"number": "nine"}]}`)},
			wantNote: "GitHub's answer was cut short or was not the JSON of a search result", wantCalls: 1},
		{name: "HTML instead of JSON",
			steps:    []func(http.ResponseWriter, *http.Request){status(200, map[string]string{"Content-Type": "text/html"}, `<html><body>Sign in to your network</body></html>`)},
			wantNote: "GitHub's answer was cut short or was not the JSON of a search result", wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t, tt.steps...)
			o, w := newTestOnline(t, srv, tt.token)
			if tt.name == "slow reply" {
				o.Timeout = 200 * time.Millisecond
			}
			res := Search(context.Background(), diagnosis, o)
			notes := strings.Join(res.Notes, "\n")
			if !strings.Contains(notes, tt.wantNote) {
				t.Errorf("notes:\n%s\nwant %q", notes, tt.wantNote)
			}
			if !slices.Equal(w.got, tt.wantWaits) {
				t.Errorf("waits %v, want %v", w.got, tt.wantWaits)
			}
			if len(f.calls) != tt.wantCalls {
				t.Errorf("%d calls, want %d: %q", len(f.calls), tt.wantCalls, f.calls)
			}
			if res.Online != tt.online {
				t.Errorf("online %v, want %v", res.Online, tt.online)
			}
			// Whatever happened, the diagnosis's known issues are listed.
			if len(res.Matches) == 0 || !slices.Contains(res.Matches[0].Modes, "token_never_presented") && res.Matches[0].Number != 905 {
				t.Errorf("no useful fallback: %+v", res.Matches)
			}
			noToken(t, res)
		})
	}
}

func TestUnreachableGitHub(t *testing.T) {
	_, srv := newFake(t, realistic)
	srv.Close()
	o, _ := newTestOnline(t, srv, testToken)
	res := Search(context.Background(), diagnosis, o)
	notes := strings.Join(res.Notes, "\n")
	if res.Online || !strings.Contains(notes, "could not reach 127.0.0.1") || !strings.Contains(notes, "showing the built-in index instead") {
		t.Errorf("online %v, notes %q", res.Online, notes)
	}
	if len(res.Matches) == 0 {
		t.Error("no fallback matches")
	}
	noToken(t, res)
}

func TestCacheSparesTheLimit(t *testing.T) {
	f, srv := newFake(t, realistic)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	cache := &Cache{Dir: t.TempDir(), TTL: time.Hour, Now: func() time.Time { return now }}
	search := func(refresh bool) Result {
		o, _ := newTestOnline(t, srv, testToken)
		o.Cache, o.Refresh = cache, refresh
		return Search(context.Background(), diagnosis, o)
	}
	first := search(false)
	calls := len(f.calls)
	if calls == 0 || first.Cached {
		t.Fatalf("first search: %d calls, cached %v", calls, first.Cached)
	}
	second := search(false)
	if len(f.calls) != calls || !second.Cached {
		t.Errorf("second search made %d more calls (cached %v)", len(f.calls)-calls, second.Cached)
	}
	if !slices.EqualFunc(first.Matches, second.Matches, func(a, b Match) bool { return a.Number == b.Number && a.Score == b.Score }) {
		t.Error("the cached answer ranks differently")
	}
	search(true)
	if len(f.calls) != 2*calls {
		t.Errorf("--refresh made %d calls, want %d", len(f.calls)-calls, calls)
	}
	now = now.Add(2 * time.Hour)
	search(false)
	if len(f.calls) != 3*calls {
		t.Errorf("a stale cache was used: %d calls", len(f.calls))
	}
}

func TestCacheToleratesDamage(t *testing.T) {
	c := &Cache{Dir: t.TempDir(), TTL: time.Hour}
	if err := c.Put("api", "q", []Issue{{Number: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(c.path("api", "q"), "{not json"); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := c.Get("api", "q"); ok {
		t.Error("a damaged entry was used")
	}
	bad := &Cache{Dir: "/proc/mcptriage-cannot-write", TTL: time.Hour}
	if err := bad.Put("api", "q", nil); err == nil {
		t.Error("writing where one cannot: no error")
	}
	var none *Cache
	if _, _, ok := none.Get("api", "q"); ok || none.Put("api", "q", nil) != nil {
		t.Error("a nil cache is not a no-op")
	}
}

func TestNewOnlineRefusesABadAPIAddress(t *testing.T) {
	for _, api := range []string{"ftp://example.com", "not a url", "://x"} {
		if _, err := NewOnline(api, ""); err == nil || !strings.Contains(err.Error(), "is not an http(s) URL") {
			t.Errorf("NewOnline(%q): %v", api, err)
		}
	}
}

func noToken(t *testing.T, res Result) {
	t.Helper()
	b, _ := json.Marshal(res)
	if strings.Contains(string(b), testToken) || strings.Contains(string(b), "PLANTEDtoken") {
		t.Errorf("the token leaked into the result: %s", b)
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

// A primary limit that resets soon is waited for once, until its reset.
func TestPrimaryLimitResettingSoonIsWaitedFor(t *testing.T) {
	for _, code := range []int{403, 429} {
		reset := time.Now().Add(5 * time.Second)
		f, srv := newFake(t,
			status(code, map[string]string{"X-RateLimit-Limit": "30", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10)}, `{"message":"API rate limit exceeded"}`),
			realistic)
		o, w := newTestOnline(t, srv, testToken)
		res := Search(context.Background(), diagnosis, o)
		if len(w.got) != 1 || w.got[0] < 3*time.Second || w.got[0] > 7*time.Second {
			t.Errorf("%d: waits %v, want one of about 5s", code, w.got)
		}
		if !res.Online || len(f.calls) != 4 {
			t.Errorf("%d: online %v after %d calls; notes %v", code, res.Online, len(f.calls), res.Notes)
		}
	}
}
