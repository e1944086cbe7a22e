package probe

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mcptriage/mcptriage/rules"
)

// fake is a hand-set OAuth-protected MCP server, for the faults the lab
// server has no switch for: what its metadata says, how its token and
// MCP endpoints answer.
type fake struct {
	challenge string
	prm       map[string]any // the protected-resource metadata (default: healthy)
	as        map[string]any
	register  func(w http.ResponseWriter)
	token     func(w http.ResponseWriter)
	mcp       func(w http.ResponseWriter, r *http.Request)
}

func healthyAS() map[string]any {
	return map[string]any{
		"issuer": "https://mcp.example.com", "authorization_endpoint": "https://mcp.example.com/authorize",
		"token_endpoint": "https://mcp.example.com/token", "registration_endpoint": "https://mcp.example.com/register",
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post"},
	}
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	writeJSON := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	switch r.URL.Path {
	case "/mcp":
		if r.Header.Get("Authorization") != "" && f.mcp != nil {
			f.mcp(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", f.challenge)
		writeJSON(401, map[string]string{"error": "invalid_token"})
	case "/.well-known/oauth-protected-resource/mcp":
		prm := f.prm
		if prm == nil {
			prm = map[string]any{"resource": "https://mcp.example.com/mcp", "authorization_servers": []string{"https://mcp.example.com"}}
		}
		writeJSON(200, prm)
	case "/.well-known/oauth-authorization-server":
		writeJSON(200, f.as)
	case "/register":
		if f.register != nil {
			f.register(w)
			return
		}
		writeJSON(201, map[string]any{"client_id": "c1", "redirect_uris": []string{callback}})
	case "/authorize":
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<form>consent</form>")
	case "/token":
		if f.token != nil {
			f.token(w)
			return
		}
		writeJSON(400, map[string]string{"error": "invalid_grant"})
	default:
		http.NotFound(w, r)
	}
}

func runFake(t *testing.T, f *fake, register bool, tlsConf func(*tls.Config)) *Result {
	t.Helper()
	ca := newPKI(t)
	if f.challenge == "" {
		f.challenge = `Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"`
	}
	if f.as == nil {
		f.as = healthyAS()
	}
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.Full}}
	if tlsConf != nil {
		tlsConf(srv.TLS)
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	res, err := Run(context.Background(), Options{URL: mcpURL, Register: register, Timeout: 5 * time.Second, Deadline: 2 * time.Second,
		Resolve: func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("203.0.113.10")}, nil
		},
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		RootCAs: ca.Roots})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestMetadataAndEndpointFaults(t *testing.T) {
	as := func(edit func(m map[string]any)) map[string]any {
		m := healthyAS()
		edit(m)
		return m
	}
	tests := []struct {
		name     string
		f        *fake
		register bool
		tls      func(*tls.Config)
		check    string
		status   Status
		mode     rules.Mode
	}{
		{name: "healthy fake", f: &fake{}, register: true, check: "register", status: Pass},
		{name: "challenge names localhost", f: &fake{challenge: `Bearer resource_metadata="https://localhost:3000/.well-known/oauth-protected-resource/mcp"`},
			check: "probe", status: Fail, mode: rules.ModeResourceMetadataInvalid},
		{name: "challenge over http", f: &fake{challenge: `Bearer resource_metadata="http://mcp.example.com/.well-known/oauth-protected-resource/mcp"`},
			check: "probe", status: Fail, mode: rules.ModeResourceMetadataInvalid},
		{name: "no S256", f: &fake{as: as(func(m map[string]any) { m["code_challenge_methods_supported"] = []string{"plain"} })},
			check: "discovery.pkce", status: Fail, mode: rules.ModeIdPRejectsAuthorize},
		{name: "relative endpoint", f: &fake{as: as(func(m map[string]any) { m["token_endpoint"] = "/token" })},
			check: "discovery.endpoints", status: Fail},
		{name: "CIMD without none", f: &fake{as: as(func(m map[string]any) {
			delete(m, "registration_endpoint")
			m["client_id_metadata_document_supported"] = true
		})}, check: "discovery.registration", status: Fail, mode: rules.ModeCIMDNotSelected},
		{name: "CIMD with none", f: &fake{as: as(func(m map[string]any) {
			delete(m, "registration_endpoint")
			m["client_id_metadata_document_supported"] = true
			m["token_endpoint_auth_methods_supported"] = []string{"none"}
		})}, check: "discovery.registration", status: Pass},
		{name: "no registration at all", f: &fake{as: as(func(m map[string]any) { delete(m, "registration_endpoint") })},
			check: "discovery.registration", status: Warn, mode: rules.ModeDCRNotSupported},
		{name: "basic auth only", f: &fake{as: as(func(m map[string]any) { m["token_endpoint_auth_methods_supported"] = []string{"client_secret_basic"} })},
			check: "discovery.auth-methods", status: Warn, mode: rules.ModeTokenClientAuthMismatch},
		{name: "registration drops the callback", f: &fake{register: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			io.WriteString(w, `{"client_id":"c1","redirect_uris":["https://app.example.com/cb"]}`)
		}}, register: true, check: "register", status: Fail, mode: rules.ModeDCRRedirectURIRejected},
		{name: "token errors as HTML", f: &fake{token: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(400)
			io.WriteString(w, "<h1>Bad Request</h1>")
		}}, check: "token", status: Warn, mode: rules.ModeTokenResponseInvalid},
		{name: "token endpoint missing", f: &fake{token: func(w http.ResponseWriter) { http.Error(w, "not found", 404) }},
			check: "token", status: Fail},
		{name: "bogus token accepted", f: &fake{mcp: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{}}`)
		}}, check: "mcp", status: Warn},
		{name: "TLS 1.1 only", f: &fake{}, tls: func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS10, tls.VersionTLS11 },
			check: "tls", status: Fail, mode: rules.ModeTLSHandshakeFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runFake(t, tt.f, tt.register, tt.tls)
			c := checkOf(res, tt.check)
			if c == nil {
				t.Fatalf("no check %s\n%s", tt.check, describe(res))
			}
			if c.Status != tt.status || c.Mode != tt.mode {
				t.Errorf("%s: %s %q (%s), want %s %q\n%s", tt.check, c.Status, c.Mode, c.Summary, tt.status, tt.mode, describe(res))
			}
			if strings.Contains(tt.name, "healthy") && res.Worst() == Fail {
				t.Errorf("the healthy fake fails:\n%s", describe(res))
			}
		})
	}
}
