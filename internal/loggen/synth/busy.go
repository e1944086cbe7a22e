package synth

import (
	"container/heap"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"
)

// Kind is the client a line of a generated log belongs to.
type Kind uint8

// The kinds of client, as Truth.Mix counts their lines.
const (
	Web          Kind = iota // the site's ordinary traffic: pages, assets, crawlers, health checks, scanners, API
	OAuthBrowser             // other MCP clients' users' browsers: /authorize, sign-in, consent
	ClaudeAI                 // Claude.ai's connector: its backend and its user's browser
	ClaudeCode
	Cursor
	ChatGPT // ChatGPT's connector, server-side like Claude's
	Inspector
	MCPRemote
	HTTPXScript // people's own scripts on python-httpx
	PythonSDK   // the official Python SDK's client

	numKinds
)

var kindNames = [numKinds]string{"web", "browser-oauth", "claude.ai", "claude-code", "cursor", "chatgpt", "inspector", "mcp-remote", "python-httpx-script", "python-sdk"}

func (k Kind) String() string { return kindNames[k] }

// OtherMCPClient says whether the kind is an MCP client other than Claude.ai's connector.
func (k Kind) OtherMCPClient() bool { return k >= ClaudeCode && k < numKinds }

// The server the busy log belongs to.
const (
	mcpPath        = "/mcp"
	prmPathAware   = "/.well-known/oauth-protected-resource/mcp"
	prmRoot        = "/.well-known/oauth-protected-resource"
	asMeta         = "/.well-known/oauth-authorization-server"
	oidcConfig     = "/.well-known/openid-configuration"
	claudeCallback = "https://claude.ai/api/mcp/auth_callback"
	claudeBroker   = "python-httpx/0.28.1"
	claudeMCP      = "Claude-User"
	serverOrigin   = "https://mcp.example.com"
)

// Anthropic's egress addresses the connector's requests come from, each
// request from any of them.
var egress = []string{"160.79.106.35", "160.79.106.121", "160.79.107.8", "160.79.104.17", "160.79.105.200", "160.79.110.64"}

// The addresses of people's machines: the three IPv4 documentation ranges
// (hosts 1–229; the rest are kept for services below) and the IPv6 one.
const (
	v4Users = 3 * 229
	users   = 4000
)

func userAddr(i int) string {
	if i < v4Users {
		return [3]string{"192.0.2.", "198.51.100.", "203.0.113."}[i%3] + strconv.Itoa(1+i/3)
	}
	// A stable, scattered IPv6 address per user.
	h := uint32(i) * 2654435761
	return fmt.Sprintf("2001:db8:%x:%x::%x", h>>20, (h>>8)&0xfff, 1+h&0xff)
}

// Servers that call the MCP server on someone's behalf: ChatGPT's
// connector backend, and the hosts people's scripts run on.
var (
	chatgptBackend = []string{"192.0.2.240", "192.0.2.241", "192.0.2.242", "192.0.2.243", "192.0.2.244", "192.0.2.245"}
	scriptHosts    = []string{"198.51.100.240", "198.51.100.241", "198.51.100.242", "198.51.100.243", "198.51.100.244", "198.51.100.245"}
	scriptUAs      = []string{"python-httpx/0.28.1", "python-httpx/0.27.2", "python-httpx/0.28.1", "python-httpx/0.27.0", "python-httpx/0.28.1", "python-httpx/0.26.0"}
)

var (
	claudeCodeUAs = []string{"claude-code/2.0.14 (cli)", "claude-code/2.0.22 (cli)", "claude-code/2.0.31 (cli)", "claude-code/2.0.37 (cli)"}
	// Cursor's MCP client: the exact string varies by release and
	// platform; these stand in for it.
	cursorUAs = []string{"Cursor/1.7.52 (darwin arm64)", "Cursor/2.0.38 (win32 x64)", "Cursor/2.0.38 (darwin arm64)"}
)

const (
	chatgptUA       = "openai-mcp/1.0.0 (ChatGPT)"
	chatgptCallback = "https://chatgpt.com/connector_platform_oauth_redirect"
	inspectorOrigin = "http://localhost:6274"
)

// client is one MCP client program as the server sees it.
type client struct {
	kind    Kind
	ip      string // where its requests come from
	ua      string // the user agent of its MCP requests
	oauthUA string // of its OAuth requests ("" : none sent)
	referer string // sent on its own requests (a browser app)

	browserIP, browserUA string // its user's browser, for the authorization
	authReferer          string // the page the browser comes from to /authorize
	callback             string

	preflight bool    // a browser app: OPTIONS before cross-origin requests
	sse       int     // GET /mcp: 200 (a stream, logged when it closes), 405, or 0 (never)
	getFirst  bool    // GET /mcp before initialize (answered 405)
	deletes   bool    // ends its session with DELETE /mcp
	registers bool    // registers on each authorization (else it kept its client)
	oauthP    float64 // the share of its sessions that begin with an authorization (no token kept)
}

// flow writes one client's requests from a point in time on.
type flow struct {
	g       *gen
	at      time.Time
	attempt int
	use     bool
}

func (f *flow) wait(lo, hi time.Duration) {
	f.at = f.at.Add(lo + time.Duration(f.g.rnd.Int64N(int64(hi-lo)+1)))
}

// req queues a request answered at the flow's time.
func (f *flow) req(k Kind, ip, ua, method, uri string, status, size int, referer, ctype string) {
	f.g.push(request{t: f.at, kind: k, attempt: f.attempt, use: f.use, ip: ip, ua: ua, method: method, uri: uri, status: status, bytes: size, referer: referer, ctype: ctype, dur: 0.002 + f.g.rnd.Float64()*0.06})
	f.at = f.at.Add(time.Duration(2+f.g.rnd.IntN(40)) * time.Millisecond)
}

func (f *flow) backend(c *client, ua, method, uri string, status, size int, ctype string) {
	if c.preflight {
		f.req(c.kind, c.ip, ua, "OPTIONS", uri, 204, 0, c.referer, "")
	}
	f.req(c.kind, c.ip, ua, method, uri, status, size, c.referer, ctype)
}

// Busy writes a day of a public MCP server's access log: other MCP
// clients (Claude Code, Cursor, ChatGPT's connector, the MCP Inspector,
// mcp-remote, python-httpx scripts, the Python SDK's client) make most of
// its lines, on the same /mcp, /register, /authorize, /token and
// /.well-known paths, with their users' browsers, beside the site's
// ordinary traffic. Three Claude.ai attempts are in it: two presses of
// Connect 40 seconds apart that fail at registration (the server refuses
// client_secret_post with 401), and, hours later once that is fixed, one
// that connects and is then used. Options.Attempts is ignored.
func Busy(w io.Writer, o Options) (*Truth, error) {
	g, err := newGen(w, o)
	if err != nil {
		return nil, err
	}
	// The average line of each format in this profile, for the day's
	// pace when a size rather than a line count is asked for.
	target := o.Lines
	if target <= 0 {
		avg := map[string][2]int64{"nginx": {153, 89}, "caddy": {465, 401}, "cloudflare": {385, 312}}[o.Format]
		if g.noUA {
			target = o.Size / avg[1]
		} else {
			target = o.Size / avg[0]
		}
	}
	if target < 5000 {
		return nil, fmt.Errorf("the busy profile needs at least 5000 lines (about 1MB) to hold a day")
	}
	day := 24 * time.Hour
	perLine := float64(day) / float64(target)
	claudeUser := g.rnd.IntN(v4Users)
	plans := []struct {
		at  time.Time
		run func(t time.Time)
	}{
		{g.o.Start.Add(day*41/100 + time.Duration(g.rnd.Int64N(int64(time.Hour)))), func(t time.Time) {
			end := g.claudeAttempt(t, 1, claudeUser, false)
			g.claudeAttempt(end.Add(38*time.Second+time.Duration(g.rnd.IntN(5000))*time.Millisecond), 2, claudeUser, false)
		}},
		{g.o.Start.Add(day*76/100 + time.Duration(g.rnd.Int64N(int64(time.Hour)))), func(t time.Time) { g.claudeAttempt(t, 3, claudeUser, true) }},
	}
	g.planted = []Attempt{{Mode: "dcr_auth_method_rejected"}, {Mode: "dcr_auth_method_rejected"}, {Mode: ""}}

	var scheduled int64
	for !g.full() && g.err == nil {
		base := g.o.Start.Add(time.Duration(float64(scheduled) * perLine))
		for len(plans) > 0 && !base.Before(plans[0].at) {
			plans[0].run(plans[0].at)
			plans = plans[1:]
		}
		g.flushBefore(base)
		before := g.queued
		g.session(base.Add(time.Duration(g.rnd.Float64() * perLine)))
		scheduled += g.queued - before
	}
	// A log too short for its last requests still holds every attempt.
	for g.pendingClaude > 0 && g.err == nil {
		g.writeNext()
	}
	if err := g.bw.Flush(); err != nil {
		return nil, err
	}
	if g.err != nil {
		return nil, g.err
	}
	return g.truth("busy"), nil
}

// The queue of requests not yet written, by time: sessions overlap.
type queue []request

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if !q[i].t.Equal(q[j].t) {
		return q[i].t.Before(q[j].t)
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(request)) }
func (q *queue) Pop() any {
	old := *q
	r := old[len(old)-1]
	*q = old[:len(old)-1]
	return r
}

func (g *gen) push(r request) {
	g.queued++
	r.seq = g.queued
	if r.kind == ClaudeAI {
		g.pendingClaude++
	}
	heap.Push(&g.q, r)
}

func (g *gen) writeNext() {
	r := heap.Pop(&g.q).(request)
	if r.kind == ClaudeAI {
		g.pendingClaude--
	}
	g.write(r)
}

// flushBefore writes every queued request answered before t.
func (g *gen) flushBefore(t time.Time) {
	for len(g.q) > 0 && g.q[0].t.Before(t) && !g.full() && g.err == nil {
		g.writeNext()
	}
}

// session starts one client's visit at t. The weights set the mix of
// lines (Truth.Mix reports what came out): other MCP clients about two
// thirds, their users' browsers a few per cent, the site's ordinary
// traffic the rest.
func (g *gen) session(t time.Time) {
	f := &flow{g: g, at: t}
	switch x := g.rnd.IntN(1000); {
	case x < 805:
		g.push(g.ordinary(t))
	case x < 854:
		g.mcpClient(f, g.claudeCode())
	case x < 890:
		g.mcpClient(f, g.cursor())
	case x < 919:
		g.mcpClient(f, g.chatgpt())
	case x < 927:
		g.mcpClient(f, g.inspector())
	case x < 948:
		g.mcpClient(f, g.mcpRemote())
	case x < 975:
		g.script(f)
	default:
		g.mcpClient(f, g.pythonSDK())
	}
}

func (g *gen) user() (ip, browser string) {
	i := g.rnd.IntN(users)
	return userAddr(i), browsers[i%len(browsers)]
}

func (g *gen) claudeCode() *client {
	ip, b := g.user()
	ua := claudeCodeUAs[g.rnd.IntN(len(claudeCodeUAs))]
	return &client{kind: ClaudeCode, ip: ip, ua: ua, oauthUA: ua, browserIP: ip, browserUA: b,
		callback: "http://localhost:" + strconv.Itoa(49152+g.rnd.IntN(16000)) + "/callback",
		sse:      200, registers: g.rnd.IntN(2) == 0, oauthP: 0.06}
}

func (g *gen) cursor() *client {
	ip, b := g.user()
	ua := cursorUAs[g.rnd.IntN(len(cursorUAs))]
	return &client{kind: Cursor, ip: ip, ua: ua, oauthUA: ua, browserIP: ip, browserUA: b,
		callback: "cursor://anysphere.cursor-mcp/oauth/callback", sse: 405, getFirst: true, registers: true, oauthP: 0.07}
}

func (g *gen) chatgpt() *client {
	ip, b := g.user()
	return &client{kind: ChatGPT, ip: chatgptBackend[g.rnd.IntN(len(chatgptBackend))], ua: chatgptUA, oauthUA: chatgptUA,
		browserIP: ip, browserUA: b, authReferer: "https://chatgpt.com/", callback: chatgptCallback, registers: true, oauthP: 0.1}
}

func (g *gen) inspector() *client {
	ip, b := g.user()
	c := &client{kind: Inspector, ip: ip, browserIP: ip, browserUA: b, authReferer: inspectorOrigin + "/",
		callback: inspectorOrigin + "/oauth/callback", registers: true, deletes: true, oauthP: 0.5}
	if g.rnd.IntN(2) == 0 {
		// Direct connection: the Inspector's page itself calls the server.
		c.ua, c.oauthUA, c.referer, c.preflight, c.sse, c.getFirst = b, b, inspectorOrigin+"/", true, 405, true
	} else {
		// Through its local proxy, a node process.
		c.ua, c.oauthUA, c.sse = "node", "node", 200
	}
	return c
}

func (g *gen) mcpRemote() *client {
	ip, b := g.user()
	callback := "http://localhost:3334/oauth/callback"
	if g.rnd.IntN(3) == 0 {
		callback = "http://127.0.0.1:" + strconv.Itoa(10000+g.rnd.IntN(50000)) + "/oauth/callback"
	}
	return &client{kind: MCPRemote, ip: ip, ua: "node", oauthUA: "node", browserIP: ip, browserUA: b,
		callback: callback, sse: 200, deletes: true, registers: true, oauthP: 0.08}
}

func (g *gen) pythonSDK() *client {
	ip, b := g.user()
	// Its transport sends httpx's user agent; its OAuth requests none.
	return &client{kind: PythonSDK, ip: ip, ua: "python-httpx/0.28.1", oauthUA: "", browserIP: ip, browserUA: b,
		callback: "http://localhost:3030/callback", sse: 200, deletes: true, registers: true, oauthP: 0.3}
}

// mcpClient is one session of an MCP client: authorization first when
// it has no token, then MCP requests.
func (g *gen) mcpClient(f *flow, c *client) {
	if g.rnd.Float64() < c.oauthP {
		if !g.oauth(f, c) {
			return
		}
		f.wait(200*time.Millisecond, 900*time.Millisecond)
	}
	g.mcpSession(f, c)
}

// oauth is a client's own discovery, registration, its user's browser and
// the token exchange; false when the flow stops before a token.
func (g *gen) oauth(f *flow, c *client) bool {
	if c.getFirst {
		f.backend(c, c.ua, "GET", mcpPath, 405, 31, "application/json")
	}
	f.backend(c, c.ua, "POST", mcpPath, 401, 64, "application/json")
	f.wait(50*time.Millisecond, 400*time.Millisecond)
	if g.rnd.IntN(3) == 0 {
		f.backend(c, c.oauthUA, "GET", prmRoot, 200, 356, "application/json")
	} else {
		f.backend(c, c.oauthUA, "GET", prmPathAware, 200, 356, "application/json")
	}
	if g.rnd.IntN(7) == 0 {
		f.backend(c, c.oauthUA, "GET", oidcConfig, 404, 22, "application/json")
	}
	f.backend(c, c.oauthUA, "GET", asMeta, 200, 1184, "application/json")
	clientID := "c_" + g.token(10)
	if c.registers {
		f.wait(20*time.Millisecond, 300*time.Millisecond)
		if g.rnd.IntN(40) == 0 {
			f.backend(c, c.oauthUA, "POST", "/register", 400, 112, "application/json")
			return false
		}
		f.backend(c, c.oauthUA, "POST", "/register", 201, 380+g.rnd.IntN(120), "application/json")
	}
	f.wait(300*time.Millisecond, 2*time.Second)
	if !g.browserLeg(f, browserLeg{kind: OAuthBrowser, ip: c.browserIP, ua: c.browserUA, referer: c.authReferer, clientID: clientID, callback: c.callback,
		signIn: g.rnd.IntN(2) == 0, abandon: g.rnd.IntN(16) == 0}) {
		return false
	}
	f.wait(150*time.Millisecond, 1200*time.Millisecond)
	switch x := g.rnd.IntN(100); {
	case x < 4: // a code used twice, a PKCE verifier lost
		f.backend(c, c.oauthUA, "POST", "/token", 400, 87, "application/json")
		return false
	case x < 5:
		f.backend(c, c.oauthUA, "POST", "/token", 401, 74, "application/json")
		return false
	}
	f.backend(c, c.oauthUA, "POST", "/token", 200, 1100+g.rnd.IntN(200), "application/json")
	return true
}

// browserLeg is a user's browser through /authorize, sign-in and consent.
type browserLeg struct {
	kind               Kind
	ip, ua, referer    string
	clientID           string
	callback           string
	signIn, abandon    bool
	resource, scope    bool
	challenge, state   string
	thinkLo, thinkHi   time.Duration // consent page to consent
	signInLo, signInHi time.Duration // sign-in page to sign-in
}

// browserLeg writes it and says whether consent was given.
func (g *gen) browserLeg(f *flow, b browserLeg) bool {
	if b.challenge == "" {
		b.challenge, b.state = g.token(43), g.token(22)
		b.scope, b.resource = g.rnd.IntN(2) == 0, g.rnd.IntN(3) > 0
	}
	if b.thinkHi == 0 {
		b.thinkLo, b.thinkHi = 2*time.Second, 30*time.Second
		b.signInLo, b.signInHi = 5*time.Second, 45*time.Second
	}
	q := "response_type=code&client_id=" + b.clientID + "&redirect_uri=" + url.QueryEscape(b.callback) +
		"&code_challenge=" + b.challenge + "&code_challenge_method=S256&state=" + b.state
	if b.scope {
		q += "&scope=mcp"
	}
	if b.resource {
		q += "&resource=" + url.QueryEscape(serverOrigin+mcpPath)
	}
	authorize := "/authorize?" + q
	page := serverOrigin + authorize
	if b.signIn {
		f.req(b.kind, b.ip, b.ua, "GET", authorize, 302, 0, b.referer, "")
		login := "/login?next=" + url.QueryEscape(authorize)
		f.wait(40*time.Millisecond, 200*time.Millisecond)
		f.req(b.kind, b.ip, b.ua, "GET", login, 200, 5200+g.rnd.IntN(300), b.referer, "text/html; charset=utf-8")
		f.req(b.kind, b.ip, b.ua, "GET", "/assets/login.3f9a7c1e.css", 200, 8312, serverOrigin+login, "text/css")
		f.wait(b.signInLo, b.signInHi)
		f.req(b.kind, b.ip, b.ua, "POST", login, 302, 0, serverOrigin+login, "")
		f.wait(40*time.Millisecond, 200*time.Millisecond)
		f.req(b.kind, b.ip, b.ua, "GET", authorize, 200, 3921, serverOrigin+login, "text/html; charset=utf-8")
	} else {
		f.req(b.kind, b.ip, b.ua, "GET", authorize, 200, 3921, b.referer, "text/html; charset=utf-8")
	}
	if b.abandon {
		return false
	}
	f.wait(b.thinkLo, b.thinkHi)
	f.req(b.kind, b.ip, b.ua, "POST", "/authorize/consent", 302, 0, page, "")
	return true
}

// mcpSession is a client's use of the server with its token: initialize,
// the initialized notification, the tool list, tool calls over minutes.
func (g *gen) mcpSession(f *flow, c *client) {
	start := f.at
	if c.getFirst {
		f.backend(c, c.ua, "GET", mcpPath, 405, 31, "application/json")
	}
	if g.rnd.IntN(16) == 0 {
		// The token expired: refreshed, and the request sent again.
		f.backend(c, c.ua, "POST", mcpPath, 401, 88, "application/json")
		f.wait(30*time.Millisecond, 300*time.Millisecond)
		f.backend(c, c.oauthUA, "POST", "/token", 200, 1100+g.rnd.IntN(200), "application/json")
	}
	f.backend(c, c.ua, "POST", mcpPath, 200, 380+g.rnd.IntN(800), "application/json")
	f.backend(c, c.ua, "POST", mcpPath, 202, 0, "")
	if c.sse == 405 && !c.getFirst {
		f.backend(c, c.ua, "GET", mcpPath, 405, 31, "application/json")
	}
	f.backend(c, c.ua, "POST", mcpPath, 200, 2000+g.rnd.IntN(7000), "application/json")
	calls := 1
	for calls < 40 && g.rnd.IntN(5) > 0 {
		calls++
	}
	for range calls {
		f.wait(time.Second, 100*time.Second)
		switch x := g.rnd.IntN(200); {
		case x < 2: // the session was lost (a redeploy): initialize again
			f.backend(c, c.ua, "POST", mcpPath, 404, 56, "application/json")
			f.backend(c, c.ua, "POST", mcpPath, 200, 380+g.rnd.IntN(800), "application/json")
			f.backend(c, c.ua, "POST", mcpPath, 202, 0, "")
		case x < 5:
			f.backend(c, c.ua, "POST", mcpPath, 500, 71, "application/json")
		case x < 9:
			f.backend(c, c.ua, "POST", mcpPath, 400, 95, "application/json")
		default:
			f.backend(c, c.ua, "POST", mcpPath, 200, 90+g.rnd.IntN(30000), "application/json")
		}
	}
	if c.deletes {
		f.wait(100*time.Millisecond, 2*time.Second)
		f.backend(c, c.ua, "DELETE", mcpPath, 200, 0, "")
	}
	if c.sse == 200 {
		// The stream is logged when it closes, with everything it sent.
		held := f.at.Sub(start)
		f.at = f.at.Add(50 * time.Millisecond)
		g.push(request{t: f.at, kind: c.kind, ip: c.ip, ua: c.ua, method: "GET", uri: mcpPath, status: 200, bytes: 40 + g.rnd.IntN(4000), referer: c.referer, ctype: "text/event-stream", dur: held.Seconds()})
	}
}

// script is someone's own python-httpx program: a cron job with an API
// key, a client-credentials grant, a key that no longer works.
func (g *gen) script(f *flow) {
	h := g.rnd.IntN(len(scriptHosts))
	c := &client{kind: HTTPXScript, ip: scriptHosts[h], ua: scriptUAs[h], oauthUA: scriptUAs[h]}
	switch x := g.rnd.IntN(100); {
	case x < 40:
		if g.rnd.IntN(10) == 0 {
			f.backend(c, c.ua, "POST", "/token", 401, 74, "application/json")
			return
		}
		f.backend(c, c.ua, "POST", "/token", 200, 900+g.rnd.IntN(100), "application/json")
		fallthrough
	case x < 80:
		f.backend(c, c.ua, "POST", mcpPath, 200, 380+g.rnd.IntN(800), "application/json")
		f.backend(c, c.ua, "POST", mcpPath, 202, 0, "")
		for range 1 + g.rnd.IntN(4) {
			f.wait(100*time.Millisecond, 3*time.Second)
			f.backend(c, c.ua, "POST", mcpPath, 200, 90+g.rnd.IntN(12000), "application/json")
		}
	case x < 95:
		// A stale key: the challenge, sometimes its metadata, and nothing more.
		f.backend(c, c.ua, "POST", mcpPath, 401, 64, "application/json")
		if g.rnd.IntN(2) == 0 {
			f.wait(50*time.Millisecond, 300*time.Millisecond)
			f.backend(c, c.ua, "GET", prmRoot, 200, 356, "application/json")
		}
	default:
		// Someone trying the OAuth endpoints by hand.
		f.backend(c, c.ua, "GET", asMeta, 200, 1184, "application/json")
		f.wait(time.Second, 20*time.Second)
		f.backend(c, c.ua, "POST", "/register", 201, 410, "application/json")
		f.wait(time.Second, 20*time.Second)
		f.backend(c, c.ua, "POST", "/token", 400, 96, "application/json")
	}
}

// claudeAttempt queues Claude.ai's connector pressing Connect at t:
// failing at registration (refused with 401: the server does not accept
// client_secret_post), or connecting and being used minutes later. It
// returns the time of the attempt's last request.
func (g *gen) claudeAttempt(t time.Time, n, user int, connects bool) time.Time {
	f := &flow{g: g, at: t, attempt: n}
	e := func() string { return egress[g.rnd.IntN(len(egress))] }
	back := func(ua, method, uri string, status, size int, ctype string) {
		f.req(ClaudeAI, e(), ua, method, uri, status, size, "", ctype)
	}
	back(claudeBroker, "POST", mcpPath, 401, 64, "application/json")
	f.wait(150*time.Millisecond, 400*time.Millisecond)
	back(claudeBroker, "GET", prmPathAware, 200, 356, "application/json")
	f.wait(100*time.Millisecond, 300*time.Millisecond)
	back(claudeBroker, "GET", asMeta, 200, 1184, "application/json")
	f.wait(100*time.Millisecond, 400*time.Millisecond)
	if !connects {
		back(claudeBroker, "POST", "/register", 401, 74, "application/json")
		return f.at
	}
	back(claudeBroker, "POST", "/register", 201, 422, "application/json")
	f.wait(500*time.Millisecond, 900*time.Millisecond)
	g.browserLeg(f, browserLeg{kind: ClaudeAI, ip: userAddr(user), ua: browsers[user%len(browsers)], referer: "https://claude.ai/",
		clientID: "c_" + g.token(10), callback: claudeCallback, signIn: true, scope: true, resource: true,
		challenge: g.token(43), state: g.token(22),
		thinkLo: 3 * time.Second, thinkHi: 6 * time.Second, signInLo: 8 * time.Second, signInHi: 12 * time.Second})
	f.wait(400*time.Millisecond, 800*time.Millisecond)
	back(claudeBroker, "GET", asMeta, 200, 1184, "application/json")
	back(claudeBroker, "POST", "/token", 200, 1187, "application/json")
	f.wait(300*time.Millisecond, 500*time.Millisecond)
	back(claudeMCP, "POST", mcpPath, 200, 1043, "application/json")
	back(claudeMCP, "POST", mcpPath, 202, 0, "")
	back(claudeMCP, "POST", mcpPath, 200, 4817, "application/json")
	end := f.at
	// Minutes later the user asks Claude something that uses a tool: its
	// connection at work, not a new attempt.
	f.attempt, f.use = 0, true
	f.wait(4*time.Minute, 9*time.Minute)
	back(claudeMCP, "POST", mcpPath, 200, 1043, "application/json")
	back(claudeMCP, "POST", mcpPath, 202, 0, "")
	back(claudeMCP, "POST", mcpPath, 200, 4817, "application/json")
	f.wait(2*time.Second, 6*time.Second)
	back(claudeMCP, "POST", mcpPath, 200, 2210, "application/json")
	return end
}

// token is n random characters of the base64url alphabet.
func (g *gen) token(n int) string {
	const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, n)
	for i := range b {
		b[i] = abc[g.rnd.IntN(len(abc))]
	}
	return string(b)
}
