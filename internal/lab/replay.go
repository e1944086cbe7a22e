package lab

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// The connector's user agents: python-httpx for the OAuth broker's
// back-channel, Claude-User for authenticated MCP; the user's own browser
// for /authorize and consent.
const (
	BrokerUA  = "python-httpx/0.28.1"
	MCPUA     = "Claude-User"
	BrowserUA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"

	// Callback is Claude's OAuth callback; it accepts GET only.
	Callback = "https://claude.ai/api/mcp/auth_callback"
)

// NoUA sends a request without a User-Agent header (the MCP Python SDK's
// OAuth requests go out so; logs show "-").
const NoUA = "\x00none"

// Client is who makes a flow: Claude's connector, or another MCP client
// of the same server doing its own discovery, registration and OAuth.
type Client struct {
	Name string
	// ProbeUA, OAuthUA and MCPUA are the user agents of the unauthenticated
	// probe, the OAuth back-channel (metadata, registration, token) and
	// the MCP requests; BrowserUA the user's browser.
	ProbeUA, OAuthUA, MCPUA, BrowserUA string
	// Referer is what the browser sends on the authorization request.
	Referer string
	// Callback is the client's redirect_uri.
	Callback string
	// ClientName and AuthMethod go into the registration.
	ClientName, AuthMethod string
	// Scope is what the client asks for.
	Scope string
	// Info is the name in initialize's clientInfo.
	Info string
	// Egress are the back-channel's addresses; Browser the user's.
	Egress  []string
	Browser string
	// SSE opens the standalone GET stream after initialize, as most
	// clients other than Claude's connector do.
	SSE bool
}

// Claude is Claude.ai's connector: python-httpx for the OAuth broker,
// Claude-User for MCP, from Anthropic's egress range.
var Claude = Client{
	Name: "claude", ProbeUA: BrokerUA, OAuthUA: BrokerUA, MCPUA: MCPUA, BrowserUA: BrowserUA,
	Referer: "https://claude.ai/", Callback: Callback, ClientName: "Claude", AuthMethod: "client_secret_post",
	Scope: "notes offline_access", Info: "Anthropic/ClaudeAI",
	Egress: []string{"160.79.106.35", "160.79.106.121"}, Browser: "203.0.113.57",
}

// Bugs are the connector-side failures the replayer can stage, as Claude
// has been seen to do.
type Bugs struct {
	// TitleCase requests the path title-cased (/mcp becomes /Mcp).
	TitleCase bool
	// StripSlash requests the typed URL without its trailing slash.
	StripSlash bool
	// AbortAfterRegister stops after a successful registration.
	AbortAfterRegister bool
	// NoTokenExchange stops after the browser reached the callback.
	NoTokenExchange bool
	// NoMCPAfterToken stops after the token was issued.
	NoMCPAfterToken bool
	// AbandonAuthless stops an authless handshake after discovery.
	AbandonAuthless bool
	// LeadingSpaceScope sends the scope as " offline_access".
	LeadingSpaceScope bool
}

// Replayer performs one connect attempt the way Claude's connector does
// (or, with another Client, the way another MCP client does).
type Replayer struct {
	// Client is who connects (default Claude).
	Client *Client
	// NoForward sends no X-Forwarded-For: a front proxy that forwards no
	// address, so every client is the proxy's address in the logs.
	NoForward bool
	// Transport carries the requests (default http.DefaultTransport); a
	// case closes its idle connections so that the front can stop.
	Transport http.RoundTripper
	// Connector is the URL as typed into Claude.
	Connector string
	// Target receives every request for PublicHost (the proxy in front of
	// the lab server), e.g. http://127.0.0.1:8081.
	Target string
	// Egress are the connector's addresses (160.79.104.0/21), used in
	// X-Forwarded-For in turn; Browser is the user's address.
	Egress  []string
	Browser string
	Bugs    Bugs
	// Pace is the pause between back-channel steps (Claude's are 0.1-1 s).
	Pace time.Duration
	// TokenTimeout and InitTimeout are the connector's deadlines (10 s).
	TokenTimeout time.Duration
	InitTimeout  time.Duration

	client *http.Client
	next   int
}

// Step is one request the replayer made.
type Step struct {
	Method, URL, UA string
	Status          int
	Err             string
}

// Outcome says how far the attempt got.
type Outcome struct {
	// Stage is the last completed stage (0-6, as mcptriage numbers them).
	Stage int
	// Connected says the authenticated MCP session was set up.
	Connected bool
	// Stop says where and why the connector gave up.
	Stop  string
	Steps []Step

	// What a connected client keeps for its later requests.
	token, refresh, session, mcpURL, tokenURL, clientID string
}

// Run performs the attempt. It never follows a path the real connector
// would not, and it gives up where Claude gives up.
func (r *Replayer) Run(ctx context.Context) Outcome {
	r.init()
	var o Outcome
	stop := func(stage int, why string) Outcome {
		o.Stage, o.Stop = stage, why
		return o
	}
	mcpURL := r.requestedURL()

	// 1. The unauthenticated probe.
	c := r.who()
	resp, err := r.do(ctx, &o, "POST", mcpURL, c.ProbeUA, r.egress(), jsonBody(r.initialize(1)), nil, 10*time.Second)
	if err != nil {
		return stop(0, "probe: "+err.Error())
	}
	probe := resp.status
	challenge := resp.header.Get("WWW-Authenticate")
	authless := probe == http.StatusOK
	switch {
	case probe == http.StatusUnauthorized:
		if !strings.Contains(challenge, "resource_metadata=") {
			return stop(1, "401 without a resource_metadata challenge: nothing to discover")
		}
	case authless, probe == http.StatusNotFound:
	default:
		return stop(0, fmt.Sprintf("probe answered %d", probe))
	}
	probeDone := 1
	if probe == http.StatusNotFound {
		probeDone = 0
	}
	r.pause()

	// 2. Discovery: protected-resource metadata, path-aware then root.
	u, _ := url.Parse(mcpURL)
	origin := u.Scheme + "://" + u.Host
	var prm map[string]any
	notJSON := false
	for _, p := range prmURLs(u) {
		resp, err := r.do(ctx, &o, "GET", p, c.OAuthUA, r.egress(), nil, nil, 10*time.Second)
		r.pause()
		if err == nil && resp.status == 200 && resp.json != nil {
			prm = resp.json
			break
		}
		notJSON = notJSON || err == nil && resp.status == 200
	}
	if prm == nil && notJSON {
		// A success that is not a metadata document: nothing to fall back on.
		return stop(probeDone, "the protected-resource metadata is not JSON")
	}
	asBase := origin
	discovered := false
	var as map[string]any
	if prm != nil {
		// The resource must name the URL in use; case and a trailing slash
		// are not held against it (the connector's own mangling would
		// otherwise stop here, and reports show it does not).
		if res, _ := prm["resource"].(string); res != "" && !sameResource(res, mcpURL) {
			return stop(probeDone, "the metadata's resource is another URL")
		}
		if servers, _ := prm["authorization_servers"].([]any); len(servers) > 0 {
			asBase, _ = servers[0].(string)
		}
		as = r.asMetadata(ctx, &o, asBase)
		discovered = as != nil
	} else if authless {
		// An authless server gets the whole sequence too; every path must 404.
		r.asMetadata(ctx, &o, origin)
	}
	if authless && prm == nil && as == nil {
		resp, err := r.do(ctx, &o, "POST", origin+"/register", c.OAuthUA, r.egress(), jsonBody(r.dcrBody()), nil, 10*time.Second)
		if err == nil && resp.status == http.StatusNotFound {
			if r.Bugs.AbandonAuthless {
				return stop(1, "authless handshake abandoned after discovery")
			}
			return r.mcpSession(ctx, &o, mcpURL, "")
		}
		return stop(1, "registration on an authless server")
	}
	if authless && prm != nil {
		// Any metadata on an authless server means OAuth; it fails at registration.
		if as == nil {
			r.do(ctx, &o, "POST", origin+"/register", c.OAuthUA, r.egress(), jsonBody(r.dcrBody()), nil, 10*time.Second)
			return stop(1, "metadata on an authless server, no authorization server")
		}
	}
	stage := probeDone
	if discovered {
		stage = 2
	}

	// Where discovery did not resolve, Claude synthesises endpoints on the
	// MCP server's origin.
	endpoint := func(key, fallback string) string {
		if as != nil {
			if s, _ := as[key].(string); s != "" {
				return s
			}
		}
		return origin + fallback
	}

	// 3. Registration.
	resp, err = r.do(ctx, &o, "POST", endpoint("registration_endpoint", "/register"), c.OAuthUA, r.egress(), jsonBody(r.dcrBody()), nil, 10*time.Second)
	if err != nil || resp.status != http.StatusCreated && resp.status != http.StatusOK || resp.json == nil {
		if !discovered {
			// The fallback's browser leg still runs.
			r.browserAuthorizeWithVerifier(ctx, &o, endpoint("authorization_endpoint", "/authorize"), "c_unregistered", mcpURL, randomHex(32))
		}
		return stop(stage, "registration failed")
	}
	clientID, _ := resp.json["client_id"].(string)
	secret, _ := resp.json["client_secret"].(string)
	stage = 3
	if r.Bugs.AbortAfterRegister {
		return stop(stage, "the connector stopped after registering")
	}
	r.pause()

	// 4. The browser: authorize, consent, redirect to Claude's callback.
	verifier := randomHex(32)
	code, ok := r.browserAuthorizeWithVerifier(ctx, &o, endpoint("authorization_endpoint", "/authorize"), clientID, mcpURL, verifier)
	if !ok {
		return stop(stage, "authorization did not come back with a code")
	}
	stage = 4
	if r.Bugs.NoTokenExchange {
		return stop(stage, "the connector never exchanged the code")
	}
	r.pause()

	// 5. Token: the metadata again, then the exchange.
	if discovered {
		r.asMetadata(ctx, &o, asBase)
	}
	form := url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.Callback},
		"code_verifier": {verifier}, "client_id": {clientID}, "resource": {mcpURL},
	}
	if secret != "" {
		form.Set("client_secret", secret)
	}
	tokenURL := endpoint("token_endpoint", "/token")
	resp, err = r.do(ctx, &o, "POST", tokenURL, c.OAuthUA, r.egress(),
		strings.NewReader(form.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, r.TokenTimeout)
	if err != nil {
		return stop(stage, "token: "+err.Error())
	}
	// The broker reads the token response as JSON only when it says so.
	tok, _ := resp.json["access_token"].(string)
	typ, _ := resp.json["token_type"].(string)
	if resp.status != 200 || tok == "" || !strings.EqualFold(typ, "bearer") {
		return stop(stage, fmt.Sprintf("token answered %d", resp.status))
	}
	stage = 5
	o.token, o.tokenURL, o.clientID = tok, tokenURL, clientID
	o.refresh, _ = resp.json["refresh_token"].(string)
	if r.Bugs.NoMCPAfterToken {
		return stop(stage, "the token was never presented")
	}
	time.Sleep(r.Pace * 2)

	// 6. Authenticated MCP.
	out := r.mcpSession(ctx, &o, mcpURL, tok)
	return out
}

// mcpSession initializes as Claude-User (with up to three tries on a
// timeout), then lists the tools.
func (r *Replayer) mcpSession(ctx context.Context, o *Outcome, mcpURL, token string) Outcome {
	h := http.Header{"Accept": {"application/json, text/event-stream"}}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	from := r.egress()
	ua := r.who().MCPUA
	var resp *response
	var err error
	for try := 0; try < 3; try++ {
		resp, err = r.do(ctx, o, "POST", mcpURL, ua, from, jsonBody(r.initialize(1)), h, r.InitTimeout)
		if err == nil || !errors.Is(err, context.DeadlineExceeded) {
			break
		}
	}
	if err != nil {
		o.Stage, o.Stop = 5, "initialize: "+err.Error()
		return *o
	}
	if resp.status != 200 {
		o.Stage, o.Stop = 5, fmt.Sprintf("initialize answered %d", resp.status)
		if token == "" {
			o.Stage = 1
		}
		return *o
	}
	if sid := resp.header.Get("Mcp-Session-Id"); sid != "" {
		h.Set("Mcp-Session-Id", sid)
	}
	r.do(ctx, o, "POST", mcpURL, ua, from, jsonBody(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"}), h, r.InitTimeout)
	resp, err = r.do(ctx, o, "POST", mcpURL, ua, from, jsonBody(map[string]any{"jsonrpc": "2.0", "id": 2, "method": "tools/list"}), h, r.InitTimeout)
	if err != nil || resp.status != 200 {
		o.Stage, o.Stop = 5, "tools/list failed"
		return *o
	}
	o.Stage, o.Connected = 6, true
	o.session, o.mcpURL = h.Get("Mcp-Session-Id"), mcpURL
	if r.who().SSE {
		r.openStream(ctx, o)
	}
	return *o
}

// Use makes n tool calls in the session an earlier Run set up, as a
// connected client does all day.
func (r *Replayer) Use(ctx context.Context, o *Outcome, n int) {
	if !o.Connected {
		return
	}
	h := http.Header{"Accept": {"application/json, text/event-stream"}}
	if o.token != "" {
		h.Set("Authorization", "Bearer "+o.token)
	}
	if o.session != "" {
		h.Set("Mcp-Session-Id", o.session)
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		call := map[string]any{"jsonrpc": "2.0", "id": 10 + i, "method": "tools/call",
			"params": map[string]any{"name": "list_notes", "arguments": map[string]any{}}}
		r.do(ctx, o, "POST", o.mcpURL, r.who().MCPUA, r.egress(), jsonBody(call), h, 10*time.Second)
		r.pause()
	}
}

// Refresh trades the refresh token for a new access token, as clients do
// when theirs expires.
func (r *Replayer) Refresh(ctx context.Context, o *Outcome) {
	if o.refresh == "" {
		return
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {o.refresh}, "client_id": {o.clientID}}
	resp, err := r.do(ctx, o, "POST", o.tokenURL, r.who().OAuthUA, r.egress(), strings.NewReader(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, 10*time.Second)
	if err == nil && resp.json != nil {
		if tok, _ := resp.json["access_token"].(string); tok != "" {
			o.token = tok
		}
	}
}

// openStream opens the standalone SSE stream (GET on the MCP endpoint)
// and leaves it after a moment, as a client that moves on does.
func (r *Replayer) openStream(ctx context.Context, o *Outcome) {
	h := http.Header{"Accept": {"text/event-stream"}}
	if o.token != "" {
		h.Set("Authorization", "Bearer "+o.token)
	}
	if o.session != "" {
		h.Set("Mcp-Session-Id", o.session)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", o.mcpURL, nil)
	if err != nil {
		return
	}
	r.prepare(req, r.who().MCPUA, r.egress(), h)
	resp, err := r.client.Do(req)
	step := Step{Method: "GET", URL: o.mcpURL, UA: r.who().MCPUA}
	if err != nil {
		step.Err = err.Error()
		o.Steps = append(o.Steps, step)
		return
	}
	step.Status = resp.StatusCode
	o.Steps = append(o.Steps, step)
	// Read what comes for a moment, then hang up.
	timer := time.AfterFunc(3*r.Pace, cancel)
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	timer.Stop()
	resp.Body.Close()
}

func (r *Replayer) asMetadata(ctx context.Context, o *Outcome, issuer string) map[string]any {
	iu, err := url.Parse(issuer)
	if err != nil {
		return nil
	}
	// RFC 8414: the well-known segment goes between the host and the
	// issuer's path. For an issuer with a path only that form is tried.
	meta := iu.Scheme + "://" + iu.Host + "/.well-known/oauth-authorization-server" + strings.TrimRight(iu.Path, "/")
	resp, err := r.do(ctx, o, "GET", meta, r.who().OAuthUA, r.egress(), nil, nil, 10*time.Second)
	r.pause()
	if err != nil || resp.status != 200 || resp.json == nil {
		return nil
	}
	return resp.json
}

var formAction = regexp.MustCompile(`<form[^>]*action="([^"]+)"`)
var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// browserAuthorizeWithVerifier is the user's browser: it opens the
// authorization URL, submits the consent form, and follows the redirect
// to Claude's callback, which only a GET reaches.
func (r *Replayer) browserAuthorizeWithVerifier(ctx context.Context, o *Outcome, endpoint, clientID, resource, verifier string) (code string, ok bool) {
	c := r.who()
	sum := sha256.Sum256([]byte(verifier))
	scope := c.Scope
	if r.Bugs.LeadingSpaceScope {
		scope = " offline_access"
	}
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {c.Callback},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"state": {randomHex(8)}, "scope": {scope}, "resource": {resource},
	}
	browser := http.Header{"Accept": {"text/html,application/xhtml+xml"}}
	if c.Referer != "" {
		browser.Set("Referer", c.Referer)
	}
	resp, err := r.do(ctx, o, "GET", endpoint+"?"+q.Encode(), c.BrowserUA, r.Browser, nil, browser, 10*time.Second)
	if err != nil {
		return "", false
	}
	if loc := resp.header.Get("Location"); resp.status/100 == 3 {
		return callbackCode(c.Callback, loc, resp.status, "GET")
	}
	m := formAction.FindStringSubmatch(resp.body)
	if resp.status != 200 || m == nil {
		return "", false
	}
	time.Sleep(r.Pace * 3) // the user reads the consent page
	form := url.Values{}
	for _, f := range hiddenInput.FindAllStringSubmatch(resp.body, -1) {
		form.Set(f[1], htmlUnescape(f[2]))
	}
	eu, _ := url.Parse(endpoint)
	action := eu.Scheme + "://" + eu.Host + htmlUnescape(m[1])
	h := browser.Clone()
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	// The consent page's own URL, query included: browsers send the full
	// URL on a same-origin request (strict-origin-when-cross-origin).
	h.Set("Referer", endpoint+"?"+q.Encode())
	resp, err = r.do(ctx, o, "POST", action, c.BrowserUA, r.Browser, strings.NewReader(form.Encode()), h, 10*time.Second)
	if err != nil || resp.status/100 != 3 {
		return "", false
	}
	return callbackCode(c.Callback, resp.header.Get("Location"), resp.status, "POST")
}

// callbackCode is what the client's callback does with the browser's
// request. Claude's accepts GET only: a 307 or 308 after a POST keeps the
// POST, which it refuses. A local client's loopback listener takes any.
func callbackCode(callback, location string, status int, method string) (string, bool) {
	if !strings.HasPrefix(location, callback) {
		return "", false
	}
	if callback == Callback && method == "POST" && (status == http.StatusTemporaryRedirect || status == http.StatusPermanentRedirect) {
		return "", false
	}
	u, err := url.Parse(location)
	if err != nil || u.Query().Get("code") == "" {
		return "", false
	}
	return u.Query().Get("code"), true
}

func htmlUnescape(s string) string {
	r := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`)
	return r.Replace(s)
}

func (r *Replayer) requestedURL() string {
	u, err := url.Parse(r.Connector)
	if err != nil {
		return r.Connector
	}
	if r.Bugs.StripSlash {
		u.Path = strings.TrimRight(u.Path, "/")
	}
	if r.Bugs.TitleCase {
		segs := strings.Split(u.Path, "/")
		for i, s := range segs {
			if s != "" {
				segs[i] = strings.ToUpper(s[:1]) + s[1:]
			}
		}
		u.Path = strings.Join(segs, "/")
	}
	return u.String()
}

func sameResource(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}

func prmURLs(u *url.URL) []string {
	origin := u.Scheme + "://" + u.Host
	root := origin + "/.well-known/oauth-protected-resource"
	if p := strings.TrimRight(u.Path, "/"); p != "" {
		return []string{root + p, root}
	}
	return []string{root}
}

func (r *Replayer) initialize(id int) map[string]any {
	return map[string]any{"jsonrpc": "2.0", "id": id, "method": "initialize", "params": map[string]any{
		"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": r.who().Info, "version": "1.0.0"},
	}}
}

// dcrBody is the registration the client sends (Claude's: a confidential
// client with client_secret_post).
func (r *Replayer) dcrBody() map[string]any {
	c := r.who()
	return map[string]any{
		"client_name":                c.ClientName,
		"redirect_uris":              []string{c.Callback},
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": c.AuthMethod,
	}
}

func (r *Replayer) who() *Client {
	if r.Client == nil {
		return &Claude
	}
	return r.Client
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

func (r *Replayer) init() {
	if r.client == nil {
		target, _ := url.Parse(r.Target)
		base := r.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		r.client = &http.Client{
			Transport: &rewrite{target: target, base: base},
			// The connector follows no redirect; the browser's are handled
			// by hand, since one of them goes to Claude.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if r.Pace == 0 {
		r.Pace = 150 * time.Millisecond
	}
	if r.TokenTimeout == 0 {
		r.TokenTimeout = 10 * time.Second
	}
	if r.InitTimeout == 0 {
		r.InitTimeout = 10 * time.Second
	}
	if len(r.Egress) == 0 {
		r.Egress = r.who().Egress
	}
	if r.Browser == "" {
		r.Browser = r.who().Browser
	}
}

func (r *Replayer) egress() string {
	ip := r.Egress[r.next%len(r.Egress)]
	r.next++
	return ip
}

func (r *Replayer) pause() { time.Sleep(r.Pace) }

type response struct {
	status int
	header http.Header
	body   string
	json   map[string]any
}

// do sends one request as the given client, with a deadline.
func (r *Replayer) do(ctx context.Context, o *Outcome, method, u, ua, from string, body io.Reader, h http.Header, timeout time.Duration) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	r.prepare(req, ua, from, h)
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	step := Step{Method: method, URL: u, UA: ua}
	resp, err := r.client.Do(req)
	if err != nil {
		step.Err = err.Error()
		o.Steps = append(o.Steps, step)
		if ctx.Err() != nil {
			return nil, context.DeadlineExceeded
		}
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	step.Status = resp.StatusCode
	o.Steps = append(o.Steps, step)
	out := &response{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if strings.Contains(resp.Header.Get("Content-Type"), "json") {
		var m map[string]any
		if json.Unmarshal(b, &m) == nil {
			out.json = m
		}
	}
	return out, nil
}

// prepare sets a request's headers as the client sends them.
func (r *Replayer) prepare(req *http.Request, ua, from string, h http.Header) {
	for k, v := range h {
		req.Header[k] = v
	}
	if ua == NoUA {
		// An empty value makes net/http send no User-Agent at all.
		req.Header["User-Agent"] = []string{""}
	} else {
		req.Header.Set("User-Agent", ua)
	}
	if !r.NoForward && from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json, text/event-stream")
	}
}

// rewrite sends requests for the public host to the lab's address,
// keeping the Host header, as DNS would for the real server.
type rewrite struct {
	target *url.URL
	base   http.RoundTripper
}

func (t *rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Hostname() != PublicHost {
		return nil, fmt.Errorf("the replayer only talks to %s, not %s", PublicHost, req.URL.Host)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host = t.target.Scheme, t.target.Host
	out.Host = PublicHost
	return t.base.RoundTrip(out)
}
