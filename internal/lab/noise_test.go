package lab

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// seen is one request as the server received it.
type seen struct {
	method, path, query, ua, from string
	auth                          bool
	hasUA                         bool
	status                        int
}

// recorder wraps the scenario server and keeps what it was sent.
type recorder struct {
	mu   sync.Mutex
	reqs []seen
	next http.Handler
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sr := &statusRecorder{ResponseWriter: w, status: 200}
	rc.next.ServeHTTP(sr, r)
	_, hasUA := r.Header["User-Agent"]
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.UserAgent(), r.Header.Get("X-Forwarded-For"),
		r.Header.Get("Authorization") != "", hasUA, sr.status})
	rc.mu.Unlock()
}

func (rc *recorder) any(f func(seen) bool) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, s := range rc.reqs {
		if f(s) {
			return true
		}
	}
	return false
}

// The crowd is what the issue asks of a busy server's traffic: other MCP
// clients with their own OAuth on the same endpoints, the Python SDK's
// OAuth without a user agent, a second browser on /authorize with a
// non-Claude callback, API-key clients on /mcp, scanners on login pages,
// and never an address in Anthropic's range.
func TestCrowdIsABusyServersTraffic(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the crowd runs for a few seconds")
	}
	rc := &recorder{next: NewServer(Faults{}, &lockedBuffer{})}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	c := &Crowd{Target: srv.URL, Seed: 1}
	c.Start(context.Background())
	time.Sleep(4 * time.Second)
	n := c.Stop()
	if n < 40 {
		t.Errorf("the crowd made %d requests in 4 s; a busy server sees more", n)
	}
	anthropic := netip.MustParsePrefix("160.79.104.0/21")
	rc.mu.Lock()
	for _, s := range rc.reqs {
		if a, err := netip.ParseAddr(s.from); err != nil || anthropic.Contains(a) {
			t.Errorf("crowd request %s %s from %q: not a documentation or private address", s.method, s.path, s.from)
			break
		}
	}
	rc.mu.Unlock()
	for _, cl := range OtherClients {
		if !rc.any(func(s seen) bool {
			return s.path == "/register" && slices.Contains(cl.Egress, s.from) && s.status == 201
		}) {
			t.Errorf("%s never registered", cl.Name)
		}
		if !rc.any(func(s seen) bool {
			return s.path == "/mcp" && s.method == "POST" && s.auth && s.status/100 == 2 && s.ua == cl.MCPUA
		}) {
			t.Errorf("%s made no authenticated MCP request", cl.Name)
		}
	}
	checks := []struct {
		what string
		f    func(seen) bool
	}{
		{"the Python SDK's token request without a user agent", func(s seen) bool { return s.path == "/token" && !s.hasUA && s.status == 200 }},
		{"a browser on /authorize with a loopback callback", func(s seen) bool {
			return s.path == "/authorize" && strings.Contains(s.query, "redirect_uri=http%3A%2F%2F127.0.0.1")
		}},
		{"Claude's user's very browser on another client's authorization", func(s seen) bool {
			return s.path == "/authorize" && s.ua == BrowserUA && !strings.Contains(s.query, "claude.ai")
		}},
		{"an open MCP stream", func(s seen) bool { return s.path == "/mcp" && s.method == "GET" && s.status == 200 }},
		{"python-httpx with an API key on /mcp", func(s seen) bool {
			return s.path == "/mcp" && s.ua == BrokerUA && s.auth && s.status == 200 && s.from == "198.51.100.61"
		}},
		{"a refresh", func(s seen) bool { return s.path == "/token" && s.status == 200 && s.from != "192.0.2.77" }},
		{"a scanner on a login page", func(s seen) bool { return strings.Contains(s.path, "login") }},
	}
	for _, c := range checks {
		if !rc.any(c.f) {
			t.Errorf("no %s", c.what)
		}
	}
}

// Behind a proxy that forwards no address, nobody's address is sent.
func TestCrowdWithoutForwardedAddresses(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	rc := &recorder{next: NewServer(Faults{}, &lockedBuffer{})}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	c := &Crowd{Target: srv.URL, Seed: 2, NoForward: true}
	c.Start(context.Background())
	r := &Replayer{Connector: DefaultConnector, Target: srv.URL, NoForward: true, Pace: time.Millisecond}
	out := r.Run(context.Background())
	time.Sleep(time.Second)
	c.Stop()
	if !out.Connected {
		t.Errorf("the connector did not connect among the crowd: %s\n%s", out.Stop, steps(out))
	}
	if rc.any(func(s seen) bool { return s.from != "" }) {
		t.Error("an X-Forwarded-For was sent")
	}
}
