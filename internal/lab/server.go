// Package lab stages Claude.ai's connector flow for real: a scenario server
// (an OAuth-protected MCP server built on the official Go MCP SDK, with a
// switch per failure mode), a replayer that makes the connector's requests
// the way Claude does, and real nginx and Caddy in front, so that mcptriage
// is tested on what real servers write.
package lab

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// PublicHost is the name the lab server is reached by: the Host header
// every request carries, and the host of every URL it publishes.
const PublicHost = "mcp.example.com"

// Faults are what a scenario breaks on the server side. The zero value is
// a healthy OAuth-protected server at /mcp.
type Faults struct {
	// NoPRM serves no protected-resource metadata at all.
	NoPRM bool
	// OAuthUnderPrefix moves the authorization server under /oauth/ with
	// that path in its issuer, and publishes its metadata only where a
	// path-aware RFC 8414 lookup does not find it.
	OAuthUnderPrefix bool
	// DCRReject makes registration fail: "grant" (no refresh_token grant),
	// "redirect_uri" (claude.ai not allowed), "auth_method"
	// (client_secret_post refused), "broken" (a 500).
	DCRReject string
	// ConsentRedirect is the status of the consent POST's redirect to the
	// callback (default 303).
	ConsentRedirect int
	// StrictScope rejects a scope with stray whitespace at /authorize.
	StrictScope bool
	// TokenJSONOnly answers a form-encoded token request with 415.
	TokenJSONOnly bool
	// TokenDelay holds every token response this long.
	TokenDelay time.Duration
	// TokenBasicOnly registers clients for client_secret_post but accepts
	// only client_secret_basic at /token.
	TokenBasicOnly bool
	// TokenAsHTML serves the token response as text/html (a framework's
	// default for a string body).
	TokenAsHTML bool
	// RejectTokens answers every bearer token with 401 (an audience check
	// that never passes).
	RejectTokens bool
	// ColdStart holds the first authenticated MCP request made with each
	// new token this long (the user's index is loaded on first use);
	// later ones are fast. Per token, so that other clients of a busy
	// server do not warm it for the connector.
	ColdStart time.Duration
	// SlowMCP holds every authenticated MCP request this long: the
	// connector's tries of initialize all run out of time.
	SlowMCP time.Duration
	// PRMResource overrides the resource the metadata names.
	PRMResource string
	// NoWWWAuthenticate answers the unauthenticated probe 401 without the
	// challenge header.
	NoWWWAuthenticate bool
	// Authless serves MCP with no authorization; discovery paths 404.
	Authless bool
	// AuthlessStub is Authless with an empty metadata stub at the
	// protected-resource path (any non-404 there).
	AuthlessStub bool
	// HTMLCatchAll answers every unknown GET, /.well-known/* included,
	// with a single-page app's index.html.
	HTMLCatchAll bool
	// RedirectMCP answers /mcp with a 308 to /mcp/.
	RedirectMCP bool
	// SlashOnly serves MCP only at /mcp/ (and 404s /mcp).
	SlashOnly bool
	// SSEOnly serves only the legacy HTTP+SSE transport at /sse.
	SSEOnly bool
	// HostCheck keeps the MCP SDK's protection that refuses a Host other
	// than localhost.
	HostCheck bool
	// CaseSensitive routes paths by exact case (most routers do); a
	// healthy lab server forgives case, as the connector needs.
	CaseSensitive bool
}

// Server is a scenario server. Its faults can be changed between attempts
// (the owner fixing things); requests in flight keep the faults they began with.
type Server struct {
	mu     sync.Mutex
	faults Faults
	log    *slog.Logger

	clients  map[string]client
	codes    map[string]grant
	tokens   map[string]bool
	refresh  map[string]string // refresh token → client id
	warm     map[string]bool   // tokens whose first MCP request was served
	mcp      http.Handler
	mcpLocal http.Handler // with the SDK's localhost-only Host check
	sse      http.Handler
	sseLocal http.Handler

	// busy counts requests in progress, streams aside.
	busy atomic.Int64
}

// StaticTokens are API keys the server accepts without OAuth, as a
// server that also serves scripts and services does: other clients'
// authenticated traffic that never went through an authorization.
var StaticTokens = []string{"sk_live_lab_5f2c9e0a7d41b3e8", "sk_live_lab_8b1d4a6f0c93e275"}

type client struct {
	secret string
	// public clients (token_endpoint_auth_method none) authenticate
	// with PKCE only.
	public bool
}

type grant struct {
	clientID  string
	challenge string
	redirect  string
}

// NewServer returns a server with the given faults that writes its own
// JSON log (as a Go service with log/slog would) to appLog.
func NewServer(f Faults, appLog io.Writer) *Server {
	s := &Server{
		faults:  f,
		log:     slog.New(slog.NewJSONHandler(appLog, nil)),
		clients: map[string]client{},
		codes:   map[string]grant{},
		tokens:  map[string]bool{},
		refresh: map[string]string{},
		warm:    map[string]bool{},
	}
	for _, t := range StaticTokens {
		s.tokens[t], s.warm[t] = true, true
	}
	mcpServer := mcp.NewServer(&mcp.Implementation{Name: "lab-notes", Version: "1.0.0"}, nil)
	type noteArgs struct {
		Text string `json:"text" jsonschema:"the note"`
	}
	mcp.AddTool(mcpServer, &mcp.Tool{Name: "add_note", Description: "Store a note"},
		func(ctx context.Context, req *mcp.CallToolRequest, a noteArgs) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "stored"}}}, nil, nil
		})
	mcp.AddTool(mcpServer, &mcp.Tool{Name: "list_notes", Description: "List the notes"},
		func(ctx context.Context, req *mcp.CallToolRequest, a struct{}) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "[]"}}}, nil, nil
		})
	get := func(*http.Request) *mcp.Server { return mcpServer }
	// Both flavours of each handler, so that the owner can switch the Host
	// check on and off between presses.
	s.mcp = mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{JSONResponse: true, DisableLocalhostProtection: true})
	s.mcpLocal = mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{JSONResponse: true})
	s.sse = mcp.NewSSEHandler(get, &mcp.SSEOptions{DisableLocalhostProtection: true})
	s.sseLocal = mcp.NewSSEHandler(get, nil)
	return s
}

// SetFaults changes the server's behaviour for the next requests.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

func (s *Server) current() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

const base = "https://" + PublicHost

// ServeHTTP routes as a real service would, with the current faults.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := s.current()
	if !isStream(r) {
		s.busy.Add(1)
		defer s.busy.Add(-1)
	}
	rec := &statusRecorder{ResponseWriter: w, status: 200}
	start := time.Now()
	s.route(f, rec, r)
	s.log.Info("request",
		"method", r.Method, "path", r.URL.Path, "status", rec.status,
		"duration_ms", time.Since(start).Milliseconds(),
		"remote_ip", clientIP(r), "user_agent", r.UserAgent(),
		"authorization", r.Header.Get("Authorization") != "")
}

// isStream: a GET that opens an event stream, which lasts as long as its
// client stays.
func isStream(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// Settle waits, at most timeout, until no request is in progress (open
// streams aside): a slow answer the client gave up on still reaches a
// front that kept waiting for it, as on a real server that stays up.
func (s *Server) Settle(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for s.busy.Load() > 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

func (s *Server) route(f Faults, w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if !f.CaseSensitive {
		p = strings.ToLower(p)
	}
	asPrefix := ""
	if f.OAuthUnderPrefix {
		asPrefix = "/oauth"
	}
	oauth := !f.Authless && !f.AuthlessStub && !f.SSEOnly
	sse := s.sse
	if f.HostCheck {
		sse = s.sseLocal
	}
	switch {
	case f.SSEOnly && p == "/sse":
		sse.ServeHTTP(w, r)
	case f.SSEOnly && strings.HasPrefix(p, "/message"):
		sse.ServeHTTP(w, r)
	case p == "/mcp" && f.RedirectMCP:
		http.Redirect(w, r, "/mcp/", http.StatusPermanentRedirect)
	case p == "/mcp" && f.SlashOnly:
		s.notFound(f, w, r)
	case (p == "/mcp" || p == "/mcp/" && (f.RedirectMCP || f.SlashOnly)) && !f.SSEOnly:
		s.serveMCP(f, w, r)
	case p == "/.well-known/oauth-protected-resource/mcp" && oauth && !f.NoPRM,
		p == "/.well-known/oauth-protected-resource" && oauth && !f.NoPRM:
		resource := base + "/mcp"
		if f.PRMResource != "" {
			resource = f.PRMResource
		}
		s.writeJSON(w, 200, map[string]any{
			"resource":                 resource,
			"authorization_servers":    []string{base + asPrefix},
			"scopes_supported":         []string{"notes"},
			"bearer_methods_supported": []string{"header"},
		})
	case p == "/.well-known/oauth-protected-resource" && f.AuthlessStub:
		s.writeJSON(w, 200, map[string]any{})
	case oauth && !f.OAuthUnderPrefix && p == "/.well-known/oauth-authorization-server",
		oauth && f.OAuthUnderPrefix && p == "/oauth/.well-known/oauth-authorization-server":
		s.writeJSON(w, 200, s.asMetadata(asPrefix))
	case oauth && p == asPrefix+"/register" && r.Method == http.MethodPost:
		s.register(f, w, r)
	case oauth && p == asPrefix+"/authorize" && r.Method == http.MethodGet:
		s.authorize(f, w, r)
	case oauth && p == asPrefix+"/authorize/consent" && r.Method == http.MethodPost:
		s.consent(f, w, r)
	case oauth && p == asPrefix+"/token" && r.Method == http.MethodPost:
		s.token(f, w, r)
	case p == "/healthz":
		io.WriteString(w, "ok\n")
	case strings.HasPrefix(p, "/api/"):
		s.api(w, r)
	default:
		s.notFound(f, w, r)
	}
}

func (s *Server) notFound(f Faults, w http.ResponseWriter, r *http.Request) {
	if f.HTMLCatchAll && r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, spaIndex)
		return
	}
	s.writeJSON(w, 404, map[string]string{"error": "not_found"})
}

func (s *Server) asMetadata(prefix string) map[string]any {
	return map[string]any{
		"issuer":                                base + prefix,
		"authorization_endpoint":                base + prefix + "/authorize",
		"token_endpoint":                        base + prefix + "/token",
		"registration_endpoint":                 base + prefix + "/register",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic", "none"},
		"scopes_supported":                      []string{"notes", "offline_access"},
	}
}

func (s *Server) serveMCP(f Faults, w http.ResponseWriter, r *http.Request) {
	// The SDK's DNS-rebinding protection, when kept, runs before anything
	// else, as it does in servers that mount it as middleware.
	if f.HostCheck {
		s.mcpLocal.ServeHTTP(w, r)
		return
	}
	if f.Authless || f.AuthlessStub {
		s.mcp.ServeHTTP(w, r)
		return
	}
	opts := &auth.RequireBearerTokenOptions{ResourceMetadataURL: base + "/.well-known/oauth-protected-resource/mcp", AllowMissingExpiration: true}
	if f.NoWWWAuthenticate {
		opts = nil
	}
	verify := func(ctx context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
		s.mu.Lock()
		ok := s.tokens[token]
		s.mu.Unlock()
		if !ok || f.RejectTokens {
			s.log.Warn("invalid_token: the bearer token was not accepted", "reason", "audience mismatch")
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{Expiration: time.Now().Add(time.Hour)}, nil
	}
	if r.Header.Get("Authorization") == "" && r.Method == http.MethodPost {
		s.log.Info("no bearer token on the MCP request")
	}
	handler := http.Handler(s.mcp)
	if f.SlowMCP > 0 {
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "" {
				select {
				case <-time.After(f.SlowMCP):
				case <-r.Context().Done():
					s.log.Warn("client went away while the request was held")
					return
				}
			}
			s.mcp.ServeHTTP(w, r)
		})
	}
	if f.ColdStart > 0 {
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			s.mu.Lock()
			cold := !s.warm[token]
			s.warm[token] = true
			s.mu.Unlock()
			if cold {
				s.log.Info("cold start: loading the notes index")
				select {
				case <-time.After(f.ColdStart):
				case <-r.Context().Done():
					s.log.Warn("client went away during the cold start")
					return
				}
			}
			s.mcp.ServeHTTP(w, r)
		})
	}
	auth.RequireBearerToken(verify, opts)(handler).ServeHTTP(w, r)
}

func (s *Server) register(f Faults, w http.ResponseWriter, r *http.Request) {
	var req struct {
		RedirectURIs []string `json:"redirect_uris"`
		GrantTypes   []string `json:"grant_types"`
		AuthMethod   string   `json:"token_endpoint_auth_method"`
		ClientName   string   `json:"client_name"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
		s.oauthError(w, 400, "invalid_client_metadata", "the body is not JSON")
		return
	}
	reject := func(code, desc string) {
		s.log.Warn("client registration rejected", "error", code, "error_description", desc)
		s.oauthError(w, 400, code, desc)
	}
	switch f.DCRReject {
	case "grant":
		for _, g := range req.GrantTypes {
			if g == "refresh_token" {
				reject("invalid_client_metadata", "grant_types: refresh_token is not allowed for dynamic clients")
				return
			}
		}
	case "redirect_uri":
		for _, u := range req.RedirectURIs {
			if strings.Contains(u, "claude.ai") {
				reject("invalid_redirect_uri", "redirect_uris: host not allowed")
				return
			}
		}
	case "auth_method":
		if req.AuthMethod != "none" {
			reject("invalid_client_metadata", "token_endpoint_auth_method: only none is supported")
			return
		}
	case "broken":
		s.log.Error("registration failed", "error", "database is locked")
		http.Error(w, "internal error", 500)
		return
	}
	id := "c_" + randomHex(6)
	c := client{public: req.AuthMethod == "none"}
	resp := map[string]any{
		"client_id": id, "client_id_issued_at": time.Now().Unix(),
		"redirect_uris": req.RedirectURIs, "grant_types": req.GrantTypes,
		"token_endpoint_auth_method": "none", "response_types": []string{"code"},
	}
	if !c.public {
		c.secret = randomHex(16)
		resp["client_secret"], resp["token_endpoint_auth_method"] = c.secret, "client_secret_post"
	}
	s.mu.Lock()
	s.clients[id] = c
	s.mu.Unlock()
	s.log.Info("client registered", "client_id", id, "client_name", req.ClientName)
	s.writeJSON(w, 201, resp)
}

func (s *Server) authorize(f Faults, w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	_, known := s.clients[q.Get("client_id")]
	s.mu.Unlock()
	if !known || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" {
		http.Error(w, "invalid authorization request", 400)
		return
	}
	if scope := q.Get("scope"); f.StrictScope && scope != strings.TrimSpace(scope) {
		s.log.Warn("authorization rejected", "error", "invalid_scope", "scope", scope)
		u, _ := url.Parse(q.Get("redirect_uri"))
		v := url.Values{"error": {"invalid_scope"}, "error_description": {"unknown scope"}, "state": {q.Get("state")}}
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html><body><form method="post" action="%s">`, html.EscapeString(r.URL.Path+"/consent"))
	for _, k := range []string{"client_id", "redirect_uri", "code_challenge", "state", "scope", "resource"} {
		fmt.Fprintf(w, `<input type="hidden" name="%s" value="%s">`, k, html.EscapeString(q.Get(k)))
	}
	io.WriteString(w, `<button>Allow</button></form></body></html>`)
}

func (s *Server) consent(f Faults, w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", 400)
		return
	}
	code := randomHex(16)
	s.mu.Lock()
	s.codes[code] = grant{clientID: r.PostForm.Get("client_id"), challenge: r.PostForm.Get("code_challenge"), redirect: r.PostForm.Get("redirect_uri")}
	s.mu.Unlock()
	u, err := url.Parse(r.PostForm.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", 400)
		return
	}
	u.RawQuery = url.Values{"code": {code}, "state": {r.PostForm.Get("state")}}.Encode()
	status := f.ConsentRedirect
	if status == 0 {
		status = http.StatusSeeOther
	}
	http.Redirect(w, r, u.String(), status)
}

func (s *Server) token(f Faults, w http.ResponseWriter, r *http.Request) {
	if f.TokenDelay > 0 {
		select {
		case <-time.After(f.TokenDelay):
		case <-r.Context().Done():
			s.log.Warn("token request abandoned by the client")
			return
		}
	}
	if f.TokenJSONOnly && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		s.log.Warn("token request rejected", "error", "unsupported content type", "content_type", r.Header.Get("Content-Type"))
		s.oauthError(w, http.StatusUnsupportedMediaType, "invalid_request", "Content-Type must be application/json")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.oauthError(w, 400, "invalid_request", "bad form")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
	case "refresh_token":
		s.refreshToken(w, r)
		return
	default:
		s.log.Warn("token request rejected", "error", "unsupported_grant_type", "grant_type", r.PostForm.Get("grant_type"))
		s.oauthError(w, 400, "unsupported_grant_type", "only authorization_code and refresh_token")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	s.mu.Lock()
	c, known := s.clients[id]
	g, haveCode := s.codes[r.PostForm.Get("code")]
	delete(s.codes, r.PostForm.Get("code"))
	s.mu.Unlock()
	badAuth := !known || c.secret != secret || (!c.public && f.TokenBasicOnly && !basic)
	if badAuth {
		s.log.Warn("token request rejected", "error", "invalid_client", "client_auth", map[bool]string{true: "basic", false: "post"}[basic])
		w.Header().Set("WWW-Authenticate", `Basic realm="token"`)
		s.oauthError(w, 401, "invalid_client", "client authentication failed")
		return
	}
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !haveCode || g.clientID != id || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		s.log.Warn("token request rejected", "error", "invalid_grant")
		s.oauthError(w, 400, "invalid_grant", "the code is not valid")
		return
	}
	tok, refresh := randomHex(24), randomHex(24)
	s.mu.Lock()
	s.tokens[tok] = true
	s.refresh[refresh] = id
	s.mu.Unlock()
	s.log.Info("token issued", "client_id", id)
	resp := map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600, "refresh_token": refresh, "scope": "notes"}
	if f.TokenAsHTML {
		b, _ := json.Marshal(resp)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b)
		return
	}
	s.writeJSON(w, 200, resp)
}

// refreshToken serves the refresh grant other clients of a busy server
// use all day.
func (s *Server) refreshToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	id, ok := s.refresh[r.PostForm.Get("refresh_token")]
	tok := randomHex(24)
	if ok {
		s.tokens[tok], s.warm[tok] = true, true
	}
	s.mu.Unlock()
	if !ok {
		s.log.Warn("token request rejected", "error", "invalid_grant", "grant_type", "refresh_token")
		s.oauthError(w, 400, "invalid_grant", "the refresh token is not valid")
		return
	}
	s.log.Info("token refreshed", "client_id", id)
	s.writeJSON(w, 200, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600, "scope": "notes"})
}

// api is the service's own REST API, used by scripts with an API key.
func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	ok := s.tokens[token]
	s.mu.Unlock()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
		s.writeJSON(w, 401, map[string]string{"error": "unauthorized"})
		return
	}
	if r.Method == http.MethodPost {
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<16))
		s.writeJSON(w, 201, map[string]any{"id": randomHex(4)})
		return
	}
	s.writeJSON(w, 200, map[string]any{"notes": []string{}})
}

func (s *Server) oauthError(w http.ResponseWriter, status int, code, desc string) {
	s.writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Flush keeps streaming responses (SSE) working through the recorder.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// clientIP is the first X-Forwarded-For address, as services behind a
// proxy log it.
func clientIP(r *http.Request) string {
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		return strings.TrimSpace(strings.Split(xff, ",")[0])
	}
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	return host
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// spaIndex is a single-page app's index.html, the size such pages are.
var spaIndex = func() string {
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<title>Notes</title>\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "<link rel=\"modulepreload\" href=\"/assets/chunk-%02d.3f9a7c1e.js\" crossorigin>\n", i)
	}
	b.WriteString("<link rel=\"stylesheet\" href=\"/assets/index.8c2d41b0.css\">\n<script type=\"module\" src=\"/assets/index.5e61a9d4.js\"></script>\n</head>\n<body><noscript>You need to enable JavaScript to run this app.</noscript><div id=\"root\"></div></body>\n</html>\n")
	return b.String()
}()
