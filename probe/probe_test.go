package probe

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcptriage/mcptriage/internal/lab"

	"github.com/mcptriage/mcptriage/rules"
)

func newPKI(t *testing.T) *lab.PKI {
	t.Helper()
	ca, err := lab.NewPKI()
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// server is the lab's scenario server behind TLS on loopback.
type server struct {
	srv      *httptest.Server
	requests atomic.Int32
}

type serverOpts struct {
	faults    lab.Faults
	wrap      func(http.Handler) http.Handler
	leafOnly  bool
	wrongHost bool
}

func startServer(t *testing.T, ca *lab.PKI, so serverOpts) *server {
	t.Helper()
	var h http.Handler = lab.NewServer(so.faults, io.Discard)
	if so.wrap != nil {
		h = so.wrap(h)
	}
	s := &server{}
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h.ServeHTTP(w, r)
	})
	cert := ca.Full
	switch {
	case so.leafOnly:
		cert = ca.LeafOnly
	case so.wrongHost:
		cert = ca.OtherHost
	}
	s.srv = lab.StartTLS(counted, cert)
	t.Cleanup(s.srv.Close)
	return s
}

// options point the probe's names and connections at the test server.
func (s *server) options(ca *lab.PKI, url string) Options {
	addr := s.srv.Listener.Addr().String()
	return Options{
		URL:      url,
		Timeout:  5 * time.Second,
		Deadline: 2 * time.Second,
		Resolve: func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("203.0.113.10")}, nil
		},
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		RootCAs: ca.Roots,
	}
}

const mcpURL = "https://" + lab.PublicHost + "/mcp"

func probeWith(t *testing.T, ca *lab.PKI, so serverOpts, mutate func(*Options)) (*Result, *server) {
	t.Helper()
	s := startServer(t, ca, so)
	o := s.options(ca, mcpURL)
	if mutate != nil {
		mutate(&o)
	}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return res, s
}

func checkOf(res *Result, id string) *Check {
	for i := range res.Checks {
		if res.Checks[i].ID == id {
			return &res.Checks[i]
		}
	}
	return nil
}

func describe(res *Result) string {
	var b strings.Builder
	for _, c := range res.Checks {
		b.WriteString("  " + c.ID + " " + string(c.Status) + " " + string(c.Mode) + ": " + c.Summary + "\n")
	}
	return b.String()
}

// A healthy scenario server passes every check; with --register it is
// tried all the way.
func TestHealthyServerPassesEveryCheck(t *testing.T) {
	ca := newPKI(t)
	for _, register := range []bool{false, true} {
		res, s := probeWith(t, ca, serverOpts{}, func(o *Options) { o.Register = register })
		if w := res.Worst(); w != Pass {
			t.Errorf("register=%v: worst %s\n%s", register, w, describe(res))
		}
		if len(res.Predicted()) != 0 {
			t.Errorf("register=%v: predicted %v", register, res.Predicted())
		}
		for _, id := range []string{"url", "dns", "tls", "probe", "probe.claude-user", "probe.no-user-agent", "discovery.prm", "discovery.resource",
			"discovery.as", "discovery.endpoints", "discovery.pkce", "discovery.registration", "register", "authorize", "token", "mcp", "mcp.case"} {
			if checkOf(res, id) == nil {
				t.Errorf("register=%v: no check %s\n%s", register, id, describe(res))
			}
		}
		if register && checkOf(res, "authorize.scope").Status != Pass {
			t.Errorf("the scope check did not run with a registered client\n%s", describe(res))
		}
		if res.Requests > maxRequests || int(s.requests.Load()) != res.Requests-0 && int(s.requests.Load()) > res.Requests {
			t.Errorf("%d requests counted, %d reached the server", res.Requests, s.requests.Load())
		}
	}
}

// Without --register nothing the probe sends creates anything.
func TestProbeChangesNothingUnlessAsked(t *testing.T) {
	ca := newPKI(t)
	var posts []string
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				posts = append(posts, r.URL.Path)
			}
			h.ServeHTTP(w, r)
		})
	}
	res, _ := probeWith(t, ca, serverOpts{wrap: wrap}, nil)
	for _, p := range posts {
		if p == "/register" || p == "/authorize/consent" {
			t.Errorf("POST %s sent without --register", p)
		}
	}
	if c := checkOf(res, "register"); c.Status != Skip {
		t.Errorf("register: %s", c.Status)
	}
}

// Each fault is named by the check that meets it, with the mode it
// predicts. The healthy test above shows each of these checks passing
// when the fault is removed.
func TestFaultsArePredicted(t *testing.T) {
	ca := newPKI(t)
	cloudflare := func(ua string) func(http.Handler) http.Handler {
		return func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("User-Agent") == ua {
					w.Header().Set("Server", "cloudflare")
					w.Header().Set("Cf-Ray", "8f1e2d3c4b5a6978-FRA")
					w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
					w.WriteHeader(403)
					io.WriteString(w, "Your request was blocked.\n")
					return
				}
				h.ServeHTTP(w, r)
			})
		}
	}
	tests := []struct {
		name   string
		so     serverOpts
		mutate func(*Options)
		check  string
		status Status
		mode   rules.Mode
		says   string
	}{
		{name: "incomplete chain", so: serverOpts{leafOnly: true}, check: "tls", status: Fail, mode: rules.ModeTLSHandshakeFailure, says: "only its own certificate"},
		{name: "certificate for another host", so: serverOpts{wrongHost: true}, check: "tls", status: Fail, mode: rules.ModeTLSHandshakeFailure, says: "not valid for mcp.example.com"},
		{name: "CDN blocks Claude-User", so: serverOpts{wrap: cloudflare("Claude-User")}, check: "probe.claude-user", status: Fail, mode: rules.ModeEdgeBlocksClaudeUser, says: "Cloudflare"},
		{name: "CDN blocks Claude-User after OAuth", so: serverOpts{wrap: cloudflare("Claude-User")}, check: "mcp", status: Fail, mode: rules.ModeEdgeBlocksClaudeUser, says: "not by your server"},
		{name: "WAF blocks the broker", so: serverOpts{wrap: cloudflare("python-httpx/0.28.1")}, check: "probe", status: Fail, mode: rules.ModeWAFBlocksBackchannel},
		{name: "WAF blocks an empty user agent", so: serverOpts{wrap: cloudflare("")}, check: "probe.no-user-agent", status: Fail, mode: rules.ModeWAFBlocksBackchannel},
		{name: "HTML on the well-known paths", so: serverOpts{faults: lab.Faults{NoPRM: true, HTMLCatchAll: true}}, check: "discovery.prm", status: Fail, mode: rules.ModeWellKnownHTMLCatchall},
		{name: "no metadata", so: serverOpts{faults: lab.Faults{NoPRM: true, OAuthUnderPrefix: true}}, check: "discovery.prm", status: Fail, mode: rules.ModePRMNotFound},
		{name: "issuer with a path", so: serverOpts{faults: lab.Faults{OAuthUnderPrefix: true}}, check: "discovery.as", status: Fail, mode: rules.ModeASPathIssuerOriginFallback, says: "where the connector does not look"},
		{name: "resource mismatch", so: serverOpts{faults: lab.Faults{PRMResource: "https://mcp.example.com/api/mcp"}}, check: "discovery.resource", status: Fail, mode: rules.ModePRMResourceMismatch},
		{name: "401 without a challenge", so: serverOpts{faults: lab.Faults{NoWWWAuthenticate: true}}, check: "probe", status: Fail, mode: rules.ModeMissingWWWAuthenticate},
		{name: "redirect on the MCP path", so: serverOpts{faults: lab.Faults{RedirectMCP: true}}, check: "probe", status: Fail, mode: rules.ModeRedirectOnMCPEndpoint},
		{name: "Host check", so: serverOpts{faults: lab.Faults{HostCheck: true}}, check: "probe", status: Fail, mode: rules.ModeHostHeaderRejected},
		{name: "authless with a metadata stub", so: serverOpts{faults: lab.Faults{AuthlessStub: true}}, check: "discovery.authless", status: Fail, mode: rules.ModeAuthlessDiscoveryNot404},
		{name: "authless done right", so: serverOpts{faults: lab.Faults{Authless: true}}, check: "discovery.authless", status: Pass},
		{name: "JSON-only token endpoint", so: serverOpts{faults: lab.Faults{TokenJSONOnly: true}}, check: "token", status: Fail, mode: rules.ModeTokenEndpointJSONOnly},
		{name: "slow token endpoint", so: serverOpts{faults: lab.Faults{TokenDelay: 3 * time.Second}}, mutate: func(o *Options) { o.Deadline = 300 * time.Millisecond },
			check: "token", status: Fail, mode: rules.ModeTokenEndpointSlow},
		{name: "case-sensitive router", so: serverOpts{faults: lab.Faults{CaseSensitive: true}}, check: "mcp.case", status: Warn, mode: rules.ModeURLCaseMangled, says: "/Mcp answers 404"},
		{name: "slash-only server", so: serverOpts{faults: lab.Faults{SlashOnly: true}}, mutate: func(o *Options) { o.URL = mcpURL + "/" },
			check: "mcp.slash", status: Warn, mode: rules.ModeURLTrailingSlashStripped},
		{name: "SSE only", so: serverOpts{faults: lab.Faults{SSEOnly: true}}, mutate: func(o *Options) { o.URL = "https://mcp.example.com/sse" },
			check: "probe", status: Fail, mode: rules.ModeLegacySSETransport},
		{name: "registration refuses claude.ai", so: serverOpts{faults: lab.Faults{DCRReject: "redirect_uri"}}, mutate: func(o *Options) { o.Register = true },
			check: "register", status: Fail, mode: rules.ModeDCRRedirectURIRejected},
		{name: "registration refuses refresh_token", so: serverOpts{faults: lab.Faults{DCRReject: "grant"}}, mutate: func(o *Options) { o.Register = true },
			check: "register", status: Fail, mode: rules.ModeDCRGrantOrScopeRejected},
		{name: "registration refuses client_secret_post", so: serverOpts{faults: lab.Faults{DCRReject: "auth_method"}}, mutate: func(o *Options) { o.Register = true },
			check: "register", status: Fail, mode: rules.ModeDCRAuthMethodRejected},
		{name: "registration broken", so: serverOpts{faults: lab.Faults{DCRReject: "broken"}}, mutate: func(o *Options) { o.Register = true },
			check: "register", status: Fail, mode: rules.ModeDCREndpointBroken},
		{name: "scope with a leading space", so: serverOpts{faults: lab.Faults{StrictScope: true}}, mutate: func(o *Options) { o.Register = true },
			check: "authorize.scope", status: Fail, mode: rules.ModeOfflineAccessLeadingSpace},
		{name: "private address", mutate: func(o *Options) {
			o.Resolve = func(context.Context, string) ([]netip.Addr, error) {
				return []netip.Addr{netip.MustParseAddr("10.1.2.3")}, nil
			}
		}, check: "dns", status: Fail, mode: rules.ModePrivateAddressRejected},
		{name: "IPv6 only", mutate: func(o *Options) {
			o.Resolve = func(context.Context, string) ([]netip.Addr, error) {
				return []netip.Addr{netip.MustParseAddr("2001:db8::10")}, nil
			}
		}, check: "dns", status: Fail, says: "IPv4 only"},
		{name: "a port other than 443", mutate: func(o *Options) { o.URL = "https://mcp.example.com:8443/mcp" }, check: "url", status: Fail, mode: rules.ModeNonStandardPort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, _ := probeWith(t, ca, tt.so, tt.mutate)
			c := checkOf(res, tt.check)
			if c == nil {
				t.Fatalf("no check %s\n%s", tt.check, describe(res))
			}
			if c.Status != tt.status || c.Mode != tt.mode || !strings.Contains(c.Summary, tt.says) {
				t.Errorf("%s: %s %q %q, want %s %q with %q\n%s", tt.check, c.Status, c.Mode, c.Summary, tt.status, tt.mode, tt.says, describe(res))
			}
			if tt.mode != "" && c.Fix == "" {
				t.Errorf("%s: no fix for %s", tt.check, tt.mode)
			}
			if tt.status == Fail && res.Worst() != Fail {
				t.Errorf("worst %s with a failing check", res.Worst())
			}
			if res.Requests > maxRequests {
				t.Errorf("%d requests", res.Requests)
			}
		})
	}
}

// Secrets in what the server answers (a registration's client_secret)
// never reach the result.
func TestProbeRedactsWhatItShows(t *testing.T) {
	ca := newPKI(t)
	res, _ := probeWith(t, ca, serverOpts{}, func(o *Options) { o.Register = true })
	b, _ := json.Marshal(res)
	reg := checkOf(res, "register")
	if reg == nil || reg.Exchange == nil || !strings.Contains(reg.Exchange.Body, "client_secret") {
		t.Fatalf("the registration answer is not shown: %+v", reg)
	}
	if !strings.Contains(reg.Exchange.Body, "[redacted") {
		t.Errorf("client_secret shown in clear: %s", reg.Exchange.Body)
	}
	if strings.Contains(string(b), `"client_secret":"`) && !strings.Contains(string(b), `[redacted`) {
		t.Error("a secret in the JSON result")
	}
}

func TestRunRefusesWhatIsNotAURL(t *testing.T) {
	for _, u := range []string{"mcp.example.com/mcp", "ftp://mcp.example.com/mcp", "https://"} {
		if _, err := Run(context.Background(), Options{URL: u}); err == nil {
			t.Errorf("Run(%q): no error", u)
		}
	}
}
