package lab

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The crowd: what a busy public MCP server sees besides Claude's
// connector, during the attempt and not only around it. Other MCP
// clients on the same endpoints doing their own discovery, registration,
// OAuth (their users' browsers included, at the same minute) and
// authenticated MCP; scripts and services with API keys; API clients on
// the API and OAuth paths; scanners on login pages; browsers and
// monitoring. Every address is in a documentation range (or private),
// never in Anthropic's 160.79.104.0/21.

// Other MCP clients, as they identify themselves.
var (
	ClaudeCode = Client{
		Name: "claude-code", ProbeUA: "claude-code/2.0.31 (cli)", OAuthUA: "claude-code/2.0.31 (cli)", MCPUA: "claude-code/2.0.31 (cli)",
		// The developer's browser is the same Chrome as Claude's user's.
		BrowserUA: BrowserUA, Callback: "http://localhost:54545/callback",
		ClientName: "Claude Code (lab-notes)", AuthMethod: "none", Scope: "notes", Info: "claude-code",
		Egress: []string{"198.51.100.14"}, Browser: "198.51.100.14", SSE: true,
	}
	Cursor = Client{
		Name: "cursor", ProbeUA: "Cursor/2.0.77 (darwin arm64)", OAuthUA: "node", MCPUA: "Cursor/2.0.77 (darwin arm64)",
		BrowserUA: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
		Callback:  "cursor://anysphere.cursor-mcp/oauth/callback", ClientName: "Cursor", AuthMethod: "none", Scope: "notes",
		Info: "cursor-vscode", Egress: []string{"203.0.113.88"}, Browser: "203.0.113.88", SSE: true,
	}
	ChatGPT = Client{
		Name: "chatgpt", ProbeUA: "openai-mcp/1.0.0 (ChatGPT)", OAuthUA: "openai-mcp/1.0.0 (ChatGPT)", MCPUA: "openai-mcp/1.0.0 (ChatGPT)",
		BrowserUA: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0",
		Referer:   "https://chatgpt.com/", Callback: "https://chatgpt.com/connector_platform_oauth_redirect",
		ClientName: "ChatGPT", AuthMethod: "client_secret_post", Scope: "notes", Info: "openai-mcp",
		Egress: []string{"198.51.100.201", "198.51.100.202"}, Browser: "192.0.2.150",
	}
	MCPRemote = Client{
		Name: "mcp-remote", ProbeUA: "node", OAuthUA: "node", MCPUA: "node",
		BrowserUA: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
		Callback:  "http://127.0.0.1:3334/oauth/callback", ClientName: "MCP CLI Proxy", AuthMethod: "none", Scope: "notes",
		Info: "mcp-remote", Egress: []string{"192.0.2.44"}, Browser: "192.0.2.44", SSE: true,
	}
	Inspector = Client{
		Name:    "inspector",
		ProbeUA: inspectorUA, OAuthUA: inspectorUA, MCPUA: inspectorUA, BrowserUA: inspectorUA,
		Referer: "http://localhost:6274/", Callback: "http://localhost:6274/oauth/callback",
		ClientName: "MCP Inspector", AuthMethod: "none", Scope: "notes", Info: "mcp-inspector",
		Egress: []string{"203.0.113.140"}, Browser: "203.0.113.140", SSE: true,
	}
	// The official Python SDK's client: its MCP requests carry the same
	// user agent as Claude's broker, its OAuth requests none at all.
	PythonSDK = Client{
		Name: "python-sdk", ProbeUA: BrokerUA, OAuthUA: NoUA, MCPUA: BrokerUA,
		BrowserUA: "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0",
		Callback:  "http://127.0.0.1:3030/callback", ClientName: "Simple Auth Client", AuthMethod: "none", Scope: "notes",
		Info: "mcp", Egress: []string{"192.0.2.77"}, Browser: "192.0.2.77", SSE: true,
	}
	// OtherClients are the MCP clients of the crowd that use OAuth.
	OtherClients = []Client{ClaudeCode, Cursor, ChatGPT, MCPRemote, Inspector, PythonSDK}
)

const inspectorUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36"

// keyed are clients with an API key and no OAuth: services and scripts
// on the MCP endpoint.
var keyed = []struct {
	ua, from, token string
}{
	{"Go-http-client/1.1", "198.51.100.60", StaticTokens[0]},
	{BrokerUA, "198.51.100.61", StaticTokens[1]}, // a python-httpx script, authenticated MCP
	{"axios/1.7.9", "203.0.113.30", StaticTokens[0]},
}

// plain are one-off requests by API clients, scanners, browsers and
// monitoring, each from its own address.
type plain struct {
	method, path, ua, from, auth, form string
}

var apiAndScanners = []plain{
	{"GET", "/api/v1/notes", "curl/8.5.0", "192.0.2.10", StaticTokens[0], ""},
	{"POST", "/token", "curl/8.5.0", "192.0.2.10", "", "grant_type=client_credentials&client_id=reporting&client_secret=x"},
	{"POST", "/api/v1/notes", BrokerUA, "198.51.100.62", StaticTokens[1], ""},
	{"GET", "/.well-known/oauth-authorization-server", BrokerUA, "198.51.100.62", "", ""},
	{"POST", "/token", BrokerUA, "198.51.100.62", "", "grant_type=refresh_token&refresh_token=expired0123&client_id=c_script"},
	{"POST", "/token", "axios/1.7.9", "203.0.113.31", "", "grant_type=client_credentials&client_id=n8n"},
	{"GET", "/api/v1/notes", "axios/1.7.9", "203.0.113.31", "", ""},
	{"POST", "/register", "axios/1.7.9", "203.0.113.31", "", ""},
	{"GET", "/.well-known/oauth-protected-resource", "Go-http-client/1.1", "198.51.100.63", "", ""},
	{"GET", "/healthz", "Go-http-client/1.1", "198.51.100.63", "", ""},
	{"GET", "/api/v1/notes", "Go-http-client/1.1", "198.51.100.63", StaticTokens[0], ""},
	{"GET", "/wp-login.php", "Mozilla/5.0 zgrab/0.x", "203.0.113.201", "", ""},
	{"GET", "/login", "Mozilla/5.0 zgrab/0.x", "203.0.113.201", "", ""},
	{"POST", "/login", "Mozilla/5.0 zgrab/0.x", "203.0.113.201", "", "username=admin&password=admin"},
	{"GET", "/.env", "Mozilla/5.0 zgrab/0.x", "203.0.113.201", "", ""},
	{"GET", "/admin/login", nucleiUA, "203.0.113.202", "", ""},
	{"GET", "/authorize", nucleiUA, "203.0.113.202", "", ""},
	{"GET", "/oauth/authorize?response_type=code&client_id=admin", nucleiUA, "203.0.113.202", "", ""},
	{"GET", "/user/login", nucleiUA, "203.0.113.202", "", ""},
	{"GET", "/.git/config", nucleiUA, "203.0.113.202", "", ""},
	{"GET", "/", BrowserUA, "198.51.100.23", "", ""},
	{"GET", "/favicon.ico", BrowserUA, "198.51.100.23", "", ""},
	{"GET", "/robots.txt", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "198.51.100.77", "", ""},
	{"GET", "/healthz", "kube-probe/1.31", "10.42.0.1", "", ""},
}

// quietOnes are the one-offs a private server sees.
var quietOnes = func() []plain {
	var out []plain
	for _, p := range apiAndScanners {
		if !strings.Contains(p.path, "token") && !strings.Contains(p.path, "authorize") && !strings.Contains(p.path, "register") &&
			!strings.HasPrefix(p.path, "/.well-known") && !strings.HasPrefix(p.path, "/api") {
			out = append(out, p)
		}
	}
	return out
}()

const nucleiUA = "Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))"

// Crowd is the rest of a busy server's traffic, run concurrently with the
// connector's attempts.
type Crowd struct {
	// Target is the front's URL.
	Target string
	// MCPPath is where the server's MCP endpoint really is (other
	// clients were set up with the right URL): "/mcp", "/mcp/", "/sse".
	MCPPath string
	// Legacy: the server speaks only the old HTTP+SSE transport; clients
	// open its stream.
	Legacy bool
	// NoForward: the front proxy forwards no address.
	NoForward bool
	// Quiet: a private server's day: only browsers, monitoring and
	// scanners, on paths that are neither MCP nor OAuth.
	Quiet bool
	// Seed makes the crowd's choices repeatable.
	Seed uint64
	// Transport carries the crowd's requests (default http.DefaultTransport).
	Transport http.RoundTripper

	requests atomic.Int64
	wg       sync.WaitGroup
	cancel   context.CancelFunc
}

// Start sets the crowd going until Stop.
func (c *Crowd) Start(ctx context.Context) {
	ctx, c.cancel = context.WithCancel(ctx)
	path := c.MCPPath
	if path == "" {
		path = "/mcp"
	}
	mcpURL := "https://" + PublicHost + path
	n := uint64(0)
	actor := func(f func(ctx context.Context, rng *rand.Rand)) {
		n++
		rng := rand.New(rand.NewPCG(c.Seed, n))
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			f(ctx, rng)
		}()
	}
	if c.Quiet {
		actor(func(ctx context.Context, rng *rand.Rand) { c.oneOffs(ctx, rng, quietOnes) })
		return
	}
	for i := range OtherClients {
		cl := OtherClients[i]
		actor(func(ctx context.Context, rng *rand.Rand) { c.oauthClient(ctx, rng, &cl, mcpURL) })
	}
	for _, k := range keyed {
		actor(func(ctx context.Context, rng *rand.Rand) { c.keyedClient(ctx, rng, k.ua, k.from, k.token, mcpURL) })
	}
	actor(func(ctx context.Context, rng *rand.Rand) { c.oneOffs(ctx, rng, apiAndScanners) })
}

// Stop ends the crowd and waits for its requests in flight; it returns
// how many requests the crowd made.
func (c *Crowd) Stop() int {
	c.cancel()
	c.wg.Wait()
	return int(c.requests.Load())
}

func (c *Crowd) replayer(cl *Client, mcpURL string, pace time.Duration) *Replayer {
	return &Replayer{Client: cl, Connector: mcpURL, Target: c.Target, NoForward: c.NoForward, Pace: pace, Transport: c.Transport}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func jitter(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int64N(int64(hi-lo)+1))
}

// oauthClient connects as another MCP client would (its own discovery,
// registration, its user's browser, token), then uses the session,
// refreshes, and now and then connects afresh.
func (c *Crowd) oauthClient(ctx context.Context, rng *rand.Rand, cl *Client, mcpURL string) {
	// Start at different moments, as independent clients do.
	if !sleep(ctx, jitter(rng, 0, 400*time.Millisecond)) {
		return
	}
	for ctx.Err() == nil {
		r := c.replayer(cl, mcpURL, jitter(rng, 30*time.Millisecond, 90*time.Millisecond))
		if c.Legacy {
			r.init()
			o := Outcome{mcpURL: mcpURL}
			r.openStream(ctx, &o)
			c.requests.Add(int64(len(o.Steps)))
		} else {
			o := r.Run(ctx)
			for i := 0; i < 1+rng.IntN(4) && ctx.Err() == nil; i++ {
				r.Use(ctx, &o, 1+rng.IntN(3))
				if rng.IntN(4) == 0 {
					r.Refresh(ctx, &o)
				}
				sleep(ctx, jitter(rng, 300*time.Millisecond, 1200*time.Millisecond))
			}
			c.requests.Add(int64(len(o.Steps)))
		}
		if !sleep(ctx, jitter(rng, 800*time.Millisecond, 2500*time.Millisecond)) {
			return
		}
	}
}

// keyedClient is a service with an API key: a session, then tool calls.
func (c *Crowd) keyedClient(ctx context.Context, rng *rand.Rand, ua, from, token, mcpURL string) {
	cl := &Client{Name: ua, ProbeUA: ua, OAuthUA: ua, MCPUA: ua, Info: strings.Fields(ua)[0], Egress: []string{from}}
	for ctx.Err() == nil {
		if !sleep(ctx, jitter(rng, 400*time.Millisecond, 1500*time.Millisecond)) {
			return
		}
		r := c.replayer(cl, mcpURL, jitter(rng, 60*time.Millisecond, 200*time.Millisecond))
		r.init()
		var o Outcome
		if c.Legacy {
			o.mcpURL = mcpURL
			r.openStream(ctx, &o)
		} else {
			o = r.mcpSession(ctx, &o, mcpURL, token)
			o.token = token
			r.Use(ctx, &o, 1+rng.IntN(4))
		}
		c.requests.Add(int64(len(o.Steps)))
	}
}

// oneOffs sends the API clients', scanners' and browsers' requests.
func (c *Crowd) oneOffs(ctx context.Context, rng *rand.Rand, from []plain) {
	tu, err := url.Parse(c.Target)
	if err != nil {
		return
	}
	hc := &http.Client{Transport: c.Transport, Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for ctx.Err() == nil {
		p := from[rng.IntN(len(from))]
		var body io.Reader
		if p.form != "" {
			body = strings.NewReader(p.form)
		}
		req, err := http.NewRequestWithContext(ctx, p.method, tu.Scheme+"://"+tu.Host+p.path, body)
		if err != nil {
			return
		}
		req.Host = PublicHost
		req.Header.Set("User-Agent", p.ua)
		if !c.NoForward {
			req.Header.Set("X-Forwarded-For", p.from)
		}
		if p.auth != "" {
			req.Header.Set("Authorization", "Bearer "+p.auth)
		}
		if p.form != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if resp, err := hc.Do(req); err == nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			c.requests.Add(1)
		}
		if !sleep(ctx, jitter(rng, 80*time.Millisecond, 400*time.Millisecond)) {
			return
		}
	}
}
