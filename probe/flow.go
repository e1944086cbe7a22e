package probe

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mcptriage/mcptriage/parse"
	"github.com/mcptriage/mcptriage/rules"
)

var initializeBody = []byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"Anthropic/ClaudeAI","version":"1.0.0"}}}`)

func mcpHeaders() http.Header {
	return http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json, text/event-stream"}}
}

// checkProbe: the unauthenticated initialize, as the broker and as
// Claude-User and with no user agent. It says whether the connector goes
// on from there: after a 401, a 200, or a 404 (it still tries discovery).
func (p *prober) checkProbe(ctx context.Context) bool {
	x := p.c.do(ctx, "POST", p.target, brokerUA, initializeBody, mcpHeaders(), p.o.Timeout)
	c := Check{ID: "probe", Title: "unauthenticated initialize", Stage: rules.StageProbe, Exchange: x}
	switch {
	case !x.ok():
		c.Status, c.Summary = Fail, "no answer: "+x.Error
	case x.Status/100 == 3:
		c.Status, c.Mode = Fail, rules.ModeRedirectOnMCPEndpoint
		c.Summary = fmt.Sprintf("answered %d to %s: the connector does not follow redirects on the MCP endpoint.", x.Status, x.Location)
	case x.Status == http.StatusUnauthorized:
		c.Status, c.Mode, c.Summary = p.judgeChallenge(x)
	case x.Status == http.StatusOK:
		p.res.Authless = true
		c.Status, c.Summary = Pass, "answered 200: an authless server (discovery paths must then all answer 404)"
		if !x.isJSON() && !strings.Contains(x.ContentType, "event-stream") {
			c.Status, c.Summary = Warn, fmt.Sprintf("answered 200 as %s, not a JSON-RPC result (JSON or an event stream).", orNone(x.ContentType))
		}
	case x.Status == 421 || x.Status == http.StatusForbidden && strings.Contains(strings.ToLower(string(x.raw)), "host"):
		c.Status, c.Mode = Fail, rules.ModeHostHeaderRejected
		c.Summary = fmt.Sprintf("answered %d (%s): the MCP SDK's DNS-rebinding protection refuses this Host.", x.Status, x.Body)
	case x.fromCDN() != "":
		c.Status, c.Mode = Fail, rules.ModeWAFBlocksBackchannel
		c.Summary = fmt.Sprintf("answered %d by %s to the connector's back-channel user agent (%s).", x.Status, x.fromCDN(), brokerUA)
	case (x.Status == 404 || x.Status == 405 || x.Status == 400) && strings.HasSuffix(strings.TrimRight(p.u.Path, "/"), "/sse"):
		c.Status, c.Mode = Fail, rules.ModeLegacySSETransport
		c.Summary = fmt.Sprintf("answered %d to POST on an SSE URL: the connector speaks Streamable HTTP.", x.Status)
	case x.Status == 404 || x.Status == 405:
		c.Status, c.Mode = Fail, rules.ModeWrongConnectorURL
		c.Summary = fmt.Sprintf("answered %d: nothing at %s handles MCP.", x.Status, pathOrRoot(p.u.Path))
	default:
		c.Status, c.Summary = Fail, fmt.Sprintf("answered %d: an MCP endpoint answers 401 (with a challenge) or 200.", x.Status)
	}
	p.add(c)
	if !x.ok() {
		return false
	}
	// The same request as Claude-User, and with no user agent: a bot rule
	// shows as a different answer.
	for _, v := range []struct {
		id, ua string
		mode   rules.Mode
		who    string
	}{
		{"probe.claude-user", mcpUA, rules.ModeEdgeBlocksClaudeUser, "Claude-User (the user agent of the authenticated MCP requests)"},
		{"probe.no-user-agent", "", rules.ModeWAFBlocksBackchannel, "no User-Agent (some of the connector's requests carry none)"},
	} {
		y := p.c.do(ctx, "POST", p.target, v.ua, initializeBody, mcpHeaders(), p.o.Timeout)
		c := Check{ID: v.id, Title: "the same as " + strings.Split(v.who, " (")[0], Stage: rules.StageProbe, Exchange: y}
		switch {
		case !y.ok():
			c.Status, c.Mode, c.Summary = Fail, v.mode, "no answer as "+v.who+": "+y.Error
		case y.Status == x.Status:
			c.Status, c.Summary = Pass, fmt.Sprintf("the same answer (%d) as %s", y.Status, v.who)
		default:
			c.Status, c.Mode = Fail, v.mode
			by := y.fromCDN()
			if by == "" {
				by = "something in front of or inside the server"
			}
			c.Summary = fmt.Sprintf("answered %d as %s, but %d as the broker: %s treats them differently.", y.Status, v.who, x.Status, by)
		}
		p.add(c)
	}
	return x.Status == http.StatusUnauthorized || x.Status == http.StatusOK || x.Status == http.StatusNotFound
}

// judgeChallenge checks the 401's WWW-Authenticate header.
func (p *prober) judgeChallenge(x *Exchange) (Status, rules.Mode, string) {
	ch := x.WWWAuthenticate
	if ch == "" {
		return Fail, rules.ModeMissingWWWAuthenticate, "answered 401 without WWW-Authenticate: the connector has nothing to discover from."
	}
	rm := challengeParam(ch, "resource_metadata")
	if rm == "" {
		return Fail, rules.ModeMissingWWWAuthenticate, fmt.Sprintf("answered 401 with WWW-Authenticate: %s, which has no resource_metadata.", ch)
	}
	mu, err := url.Parse(rm)
	switch {
	case err != nil || !mu.IsAbs():
		return Fail, rules.ModeResourceMetadataInvalid, fmt.Sprintf("resource_metadata %q is not an absolute URL.", rm)
	case mu.Scheme != "https":
		return Fail, rules.ModeResourceMetadataInvalid, fmt.Sprintf("resource_metadata %q is not https.", rm)
	case !strings.EqualFold(mu.Hostname(), p.u.Host) && (mu.Hostname() == "localhost" || strings.HasPrefix(mu.Hostname(), "127.")):
		return Fail, rules.ModeResourceMetadataInvalid, fmt.Sprintf("resource_metadata %q names a local host: the server does not know its public URL.", rm)
	}
	p.prmHint = rm
	if strings.HasPrefix(rm, p.origin()+"/") {
		// The path is what matters on the same origin (and it fits a line).
		return Pass, "", fmt.Sprintf("answered 401 with resource_metadata at %s on this host", strings.TrimPrefix(rm, p.origin()))
	}
	return Pass, "", fmt.Sprintf("answered 401 with resource_metadata=%s", rm)
}

// challengeParam reads one parameter of a Bearer challenge.
func challengeParam(h, name string) string {
	low := strings.ToLower(h)
	i := strings.Index(low, strings.ToLower(name)+"=")
	if i < 0 {
		return ""
	}
	v := h[i+len(name)+1:]
	if strings.HasPrefix(v, `"`) {
		if j := strings.Index(v[1:], `"`); j >= 0 {
			return v[1 : j+1]
		}
		return strings.Trim(v, `"`)
	}
	if j := strings.IndexAny(v, ", "); j >= 0 {
		return v[:j]
	}
	return v
}

func orNone(s string) string {
	if s == "" {
		return "no content type"
	}
	return s
}

func (p *prober) origin() string {
	u, _ := url.Parse(p.mcpURL)
	return u.Scheme + "://" + u.Host
}

// checkDiscovery fetches the metadata in the connector's order.
func (p *prober) checkDiscovery(ctx context.Context) {
	origin := p.origin()
	root := origin + "/.well-known/oauth-protected-resource"
	var urls []string
	if p.prmHint != "" {
		urls = append(urls, p.prmHint)
	}
	if path := strings.TrimRight(p.u.Path, "/"); path != "" {
		urls = append(urls, root+path)
	}
	urls = append(urls, root)
	urls = dedupe(urls)

	if p.res.Authless {
		p.checkAuthlessDiscovery(ctx, append(urls, origin+"/.well-known/oauth-authorization-server"))
		return
	}
	var last *Exchange
	for _, u := range urls {
		x := p.c.do(ctx, "GET", u, brokerUA, nil, nil, p.o.Timeout)
		last = x
		if !x.ok() {
			continue
		}
		if x.Status == 200 && x.isHTML() {
			p.add(Check{ID: "discovery.prm", Title: "protected-resource metadata", Stage: rules.StageDiscovery, Status: Fail,
				Mode: rules.ModeWellKnownHTMLCatchall, Exchange: x,
				Summary: fmt.Sprintf("GET %s answered 200 with a web page (%s), not JSON.", pathOf(u), orNone(x.ContentType))})
			return
		}
		if x.Status == 200 && x.doc != nil {
			p.prm = x.doc
			p.add(Check{ID: "discovery.prm", Title: "protected-resource metadata", Stage: rules.StageDiscovery, Status: Pass, Exchange: x,
				Summary: fmt.Sprintf("GET %s answered 200 with JSON", pathOf(u))})
			break
		}
	}
	if p.prm == nil {
		p.add(Check{ID: "discovery.prm", Title: "protected-resource metadata", Stage: rules.StageDiscovery, Status: Fail, Mode: rules.ModePRMNotFound, Exchange: last,
			Summary: fmt.Sprintf("no protected-resource metadata at %s: the connector falls back to /authorize, /token and /register at %s.", strings.Join(pathsOf(urls), " or "), origin)})
		return
	}
	p.checkPRM()
	p.checkASMetadata(ctx)
}

func (p *prober) checkAuthlessDiscovery(ctx context.Context, urls []string) {
	var odd []string
	var last *Exchange
	for _, u := range urls {
		x := p.c.do(ctx, "GET", u, brokerUA, nil, nil, p.o.Timeout)
		last = x
		if x.ok() && x.Status != 404 {
			odd = append(odd, fmt.Sprintf("GET %s → %d", pathOf(u), x.Status))
		}
	}
	if len(odd) > 0 {
		p.add(Check{ID: "discovery.authless", Title: "discovery on an authless server", Stage: rules.StageDiscovery, Status: Fail,
			Mode: rules.ModeAuthlessDiscoveryNot404, Exchange: last, Summary: strings.Join(odd, ", ") + ": anything but 404 makes the connector attempt OAuth."})
		return
	}
	p.add(Check{ID: "discovery.authless", Title: "discovery on an authless server", Stage: rules.StageDiscovery, Status: Pass,
		Summary: fmt.Sprintf("every discovery path answered 404 (%d paths)", len(urls))})
}

// checkPRM: the document's resource and servers.
func (p *prober) checkPRM() {
	res, _ := p.prm["resource"].(string)
	c := Check{ID: "discovery.resource", Title: "the metadata's resource", Stage: rules.StageDiscovery}
	switch {
	case res == "":
		c.Status, c.Mode, c.Summary = Fail, rules.ModeResourceMetadataInvalid, "the metadata has no resource."
		c.Fix = fmt.Sprintf("Set resource in the protected-resource metadata to the connector URL, %s, byte for byte.", p.mcpURL)
	case res == p.mcpURL:
		c.Status, c.Summary = Pass, "resource is the URL, byte for byte"
	case strings.TrimRight(res, "/") == strings.TrimRight(p.mcpURL, "/"):
		c.Status, c.Mode, c.Summary = Warn, rules.ModePRMResourceMismatch, fmt.Sprintf("resource %q differs from the URL %q by a trailing slash.", res, p.mcpURL)
	default:
		c.Status, c.Mode, c.Summary = Fail, rules.ModePRMResourceMismatch, fmt.Sprintf("resource %q is not the URL %q: the connector stops there.", res, p.mcpURL)
	}
	p.add(c)
	servers, _ := p.prm["authorization_servers"].([]any)
	issuer := ""
	if len(servers) > 0 {
		issuer, _ = servers[0].(string)
	}
	iu, err := url.Parse(issuer)
	switch {
	case issuer == "":
		p.add(Check{ID: "discovery.issuer", Title: "the authorization server", Stage: rules.StageDiscovery, Status: Fail, Mode: rules.ModeResourceMetadataInvalid,
			Summary: "the metadata names no authorization_servers.",
			Fix:     "List the authorization server's issuer, an absolute https URL, in authorization_servers."})
	case err != nil || !iu.IsAbs() || iu.Scheme != "https":
		p.add(Check{ID: "discovery.issuer", Title: "the authorization server", Stage: rules.StageDiscovery, Status: Fail, Mode: rules.ModeResourceMetadataInvalid,
			Summary: fmt.Sprintf("authorization server %q is not an absolute https URL.", issuer),
			Fix:     "List the issuer as its absolute https URL on the public host, as the authorization server's metadata gives it."})
	default:
		p.asURL = issuer
	}
}

// checkASMetadata: RFC 8414's path-aware URL for the issuer (the only one
// the connector tries for an issuer with a path), then what it says.
func (p *prober) checkASMetadata(ctx context.Context) {
	if p.asURL == "" {
		return
	}
	iu, _ := url.Parse(p.asURL)
	ipath := strings.TrimRight(iu.Path, "/")
	meta := iu.Scheme + "://" + iu.Host + "/.well-known/oauth-authorization-server" + ipath
	x := p.c.do(ctx, "GET", meta, brokerUA, nil, nil, p.o.Timeout)
	c := Check{ID: "discovery.as", Title: "authorization-server metadata", Stage: rules.StageDiscovery, Exchange: x}
	switch {
	case !x.ok():
		c.Status, c.Summary = Fail, "no answer: "+x.Error
	case x.Status == 200 && x.isHTML():
		c.Status, c.Mode, c.Summary = Fail, rules.ModeWellKnownHTMLCatchall, fmt.Sprintf("GET %s answered 200 with a web page, not JSON.", pathOf(meta))
	case x.Status == 200 && x.doc != nil:
		p.as = x.doc
		c.Status, c.Summary = Pass, fmt.Sprintf("GET %s answered 200 with JSON", pathOf(meta))
	default:
		// Where does it live, then? Worth saying.
		where := ""
		if ipath != "" {
			for _, alt := range []string{p.asURL + "/.well-known/oauth-authorization-server", iu.Scheme + "://" + iu.Host + "/.well-known/openid-configuration" + ipath, p.asURL + "/.well-known/openid-configuration"} {
				if y := p.c.do(ctx, "GET", alt, brokerUA, nil, nil, p.o.Timeout); y.ok() && y.Status == 200 && y.doc != nil {
					where = fmt.Sprintf(" The metadata is at %s, where the connector does not look.", alt)
					break
				}
			}
		}
		c.Status, c.Mode = Fail, rules.ModeASPathIssuerOriginFallback
		c.Summary = fmt.Sprintf("GET %s answered %d: the connector then sends the browser to %s/authorize and registers at %s/register.%s", pathOf(meta), x.Status, p.origin(), p.origin(), where)
	}
	p.add(c)
	if p.as == nil {
		return
	}
	p.checkASDocument()
}

// checkASDocument: what the metadata promises, against what the
// connector needs.
func (p *prober) checkASDocument() {
	var bad []string
	for _, k := range []string{"authorization_endpoint", "token_endpoint", "registration_endpoint"} {
		v, _ := p.as[k].(string)
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || !u.IsAbs() || u.Scheme != "https" {
			bad = append(bad, fmt.Sprintf("%s %q", k, v))
		}
	}
	if p.str("authorization_endpoint") == "" || p.str("token_endpoint") == "" {
		bad = append(bad, "authorization_endpoint or token_endpoint missing")
	}
	if len(bad) > 0 {
		p.add(Check{ID: "discovery.endpoints", Title: "the endpoints", Stage: rules.StageDiscovery, Status: Fail,
			Summary: "the metadata's endpoints are not absolute https URLs: " + strings.Join(bad, "; ") + ".",
			Fix:     "Publish absolute https URLs on the public host for every endpoint."})
	} else {
		p.add(Check{ID: "discovery.endpoints", Title: "the endpoints", Stage: rules.StageDiscovery, Status: Pass,
			Summary: "authorization and token endpoints are absolute https URLs"})
	}
	if !slices.Contains(p.list("code_challenge_methods_supported"), "S256") {
		p.add(Check{ID: "discovery.pkce", Title: "PKCE", Stage: rules.StageDiscovery, Status: Fail, Mode: rules.ModeIdPRejectsAuthorize,
			Summary: fmt.Sprintf("code_challenge_methods_supported is %v: the connector uses S256 and requires it to be advertised.", p.list("code_challenge_methods_supported")),
			Fix:     `Support S256 PKCE and advertise it: "code_challenge_methods_supported": ["S256"] in the authorization-server metadata.`})
	} else {
		p.add(Check{ID: "discovery.pkce", Title: "PKCE", Stage: rules.StageDiscovery, Status: Pass, Summary: "S256 is supported"})
	}
	methods := p.list("token_endpoint_auth_methods_supported")
	cimd, _ := p.as["client_id_metadata_document_supported"].(bool)
	reg := Check{ID: "discovery.registration", Title: "how Claude gets a client", Stage: rules.StageRegistration}
	switch {
	case cimd && slices.Contains(methods, "none"):
		reg.Status, reg.Summary = Pass, "client ID metadata documents (CIMD) with \"none\": Claude uses its hosted client metadata"
	case p.str("registration_endpoint") != "":
		reg.Status, reg.Summary = Pass, "dynamic client registration at "+pathOf(p.str("registration_endpoint"))
		if cimd {
			reg.Status, reg.Mode = Warn, rules.ModeCIMDNotSelected
			reg.Summary += `; CIMD is advertised without "none" in token_endpoint_auth_methods_supported, so Claude will not use it`
		}
	case cimd:
		reg.Status, reg.Mode, reg.Summary = Fail, rules.ModeCIMDNotSelected, `CIMD is advertised but "none" is missing from token_endpoint_auth_methods_supported, and there is no registration_endpoint: Claude has no way to get a client.`
	default:
		reg.Status, reg.Mode, reg.Summary = Warn, rules.ModeDCRNotSupported, "no registration_endpoint and no CIMD: each user must enter a client ID by hand in the connector's advanced settings."
	}
	p.add(reg)
	if len(methods) > 0 && !slices.Contains(methods, "client_secret_post") && !slices.Contains(methods, "none") {
		p.add(Check{ID: "discovery.auth-methods", Title: "client authentication", Stage: rules.StageRegistration, Status: Warn, Mode: rules.ModeTokenClientAuthMismatch,
			Summary: fmt.Sprintf("token_endpoint_auth_methods_supported is %v: the connector registers for client_secret_post, and uses what the registration answer says.", methods)})
	}
}

func (p *prober) str(k string) string {
	s, _ := p.as[k].(string)
	return s
}

func (p *prober) list(k string) []string {
	var out []string
	if arr, ok := p.as[k].([]any); ok {
		for _, v := range arr {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// endpoint is what the connector uses: the metadata's, else the default
// it synthesises on the MCP server's origin.
func (p *prober) endpoint(key, fallback string) (string, bool) {
	if s := p.str(key); s != "" {
		return s, false
	}
	return p.origin() + fallback, true
}

// fallbackMode names why the connector uses an endpoint it made up at
// the MCP server's origin: no protected-resource metadata at all, or an
// issuer whose metadata is not where the connector looks.
func (p *prober) fallbackMode() rules.Mode {
	switch {
	case p.prm == nil:
		return rules.ModePRMNotFound
	case p.asURL != "" && p.as == nil:
		return rules.ModeASPathIssuerOriginFallback
	}
	return ""
}

// checkRegistration sends the connector's registration, when allowed.
func (p *prober) checkRegistration(ctx context.Context) {
	ep, synthesised := p.endpoint("registration_endpoint", "/register")
	if !p.o.Register {
		p.add(Check{ID: "register", Title: "client registration", Stage: rules.StageRegistration, Status: Skip,
			Summary: "not tried: it creates a client on your server (--register tries it)"})
		return
	}
	if p.as != nil && p.str("registration_endpoint") == "" {
		p.add(Check{ID: "register", Title: "client registration", Stage: rules.StageRegistration, Status: Skip,
			Summary: "the metadata offers no registration endpoint"})
		return
	}
	body, _ := json.Marshal(map[string]any{
		"client_name": "Claude", "redirect_uris": []string{callback},
		"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"},
		"token_endpoint_auth_method": "client_secret_post",
	})
	x := p.c.do(ctx, "POST", ep, brokerUA, body, http.Header{"Content-Type": {"application/json"}}, p.o.Timeout)
	c := Check{ID: "register", Title: "client registration", Stage: rules.StageRegistration, Exchange: x}
	switch {
	case !x.ok():
		c.Status, c.Mode, c.Summary = Fail, rules.ModeDCREndpointBroken, "no answer: "+x.Error
	case (x.Status == 201 || x.Status == 200) && x.str("client_id") != "":
		p.client, p.secret = x.str("client_id"), x.str("client_secret")
		method := x.str("token_endpoint_auth_method")
		if method == "" {
			method = "not stated; RFC 7591's default is client_secret_basic"
		}
		c.Status, c.Summary = Pass, fmt.Sprintf("answered %d with a client (token_endpoint_auth_method %s)", x.Status, method)
		if uris, ok := x.doc["redirect_uris"].([]any); ok && !slices.Contains(uris, any(callback)) {
			c.Status, c.Mode = Fail, rules.ModeDCRRedirectURIRejected
			c.Summary = fmt.Sprintf("answered %d, but the client's redirect_uris %v leave out %s: the authorization will be refused.", x.Status, uris, callback)
			break
		}
		if m := x.str("token_endpoint_auth_method"); m != "" && len(p.list("token_endpoint_auth_methods_supported")) > 0 && !slices.Contains(p.list("token_endpoint_auth_methods_supported"), m) {
			c.Status, c.Mode = Warn, rules.ModeTokenClientAuthMismatch
			c.Summary += fmt.Sprintf(", which the metadata does not list (%v)", p.list("token_endpoint_auth_methods_supported"))
		}
	case x.Status == 404 && synthesised:
		c.Status, c.Mode, c.Summary = Fail, p.fallbackMode(), fmt.Sprintf("POST %s answered 404: there is no registration where the connector falls back to.", pathOf(ep))
	case x.Status >= 400 && x.Status < 500 && x.Status != 404:
		sig := parse.SignalsOf(string(x.raw))
		switch {
		case sig.Has(parse.SigRedirectURI):
			c.Mode = rules.ModeDCRRedirectURIRejected
		case sig.Has(parse.SigAuthMethod):
			c.Mode = rules.ModeDCRAuthMethodRejected
		case sig.Has(parse.SigGrantOrScope):
			c.Mode = rules.ModeDCRGrantOrScopeRejected
		}
		c.Status = Fail
		c.Summary = fmt.Sprintf("answered %d (%s): the connector's registration was refused.", x.Status, x.Body)
	default:
		c.Status, c.Mode, c.Summary = Fail, rules.ModeDCREndpointBroken, fmt.Sprintf("answered %d: the registration endpoint fails.", x.Status)
	}
	p.add(c)
}

// checkAuthorize opens the authorization URL as the user's browser would,
// and stops at whatever page comes back.
func (p *prober) checkAuthorize(ctx context.Context) {
	ep, synthesised := p.endpoint("authorization_endpoint", "/authorize")
	clientID := p.client
	if clientID == "" {
		clientID = "mcptriage-probe"
	}
	scope := strings.Join(p.scopes(), " ")
	x := p.c.do(ctx, "GET", authorizeURL(ep, clientID, scope, p.mcpURL), BrowserUA, nil, http.Header{"Referer": {"https://claude.ai/"}, "Accept": {"text/html"}}, p.o.Timeout)
	c := Check{ID: "authorize", Title: "browser authorization", Stage: rules.StageAuthorization, Exchange: x}
	loc, _ := url.Parse(x.Location)
	switch {
	case !x.ok():
		c.Status, c.Summary = Fail, "no answer: "+x.Error
	case x.Status == 404:
		c.Status, c.Summary = Fail, fmt.Sprintf("GET %s answered 404.", pathOf(ep))
		switch {
		case synthesised:
			c.Mode = p.fallbackMode()
		case strings.HasPrefix(ep, p.origin()+"/authorize") && p.asURL != "" && !strings.HasPrefix(p.asURL, p.origin()+"/") && p.asURL != p.origin():
			c.Mode = rules.ModeASPathIssuerOriginFallback
		}
	case x.Status/100 == 3 && loc != nil && strings.HasPrefix(x.Location, callback) && loc.Query().Get("error") != "":
		e := loc.Query().Get("error")
		if p.client == "" {
			c.Status, c.Summary = Pass, fmt.Sprintf("redirected to Claude's callback with error=%s for the probe's unregistered client: the endpoint works (--register checks it with a real client).", e)
		} else {
			c.Status, c.Mode, c.Summary = Fail, rules.ModeIdPRejectsAuthorize, fmt.Sprintf("redirected to Claude's callback with error=%s.", e)
		}
	case x.Status/100 == 3:
		c.Status, c.Summary = Pass, fmt.Sprintf("answered %d to %s (a login step)", x.Status, hostPath(x.Location))
	case x.Status == 200:
		c.Status, c.Summary = Pass, fmt.Sprintf("answered 200 (%s): a login or consent page", orNone(x.ContentType))
	case x.Status == 400 && p.client == "":
		c.Status, c.Summary = Pass, "answered 400 for the probe's unregistered client: the endpoint exists and checks clients (--register checks it with a real client)."
	default:
		c.Status, c.Summary = Fail, fmt.Sprintf("answered %d (%s).", x.Status, x.Body)
		if p.client != "" {
			c.Mode = rules.ModeIdPRejectsAuthorize
		}
	}
	p.add(c)

	// The scope as the connector has been seen to send it: a leading space.
	sc := Check{ID: "authorize.scope", Title: "the scope as sent", Stage: rules.StageAuthorization}
	if p.client == "" || c.Status != Pass {
		sc.Status, sc.Summary = Skip, "needs a registered client (--register) and a working authorize"
		p.add(sc)
		return
	}
	y := p.c.do(ctx, "GET", authorizeURL(ep, clientID, " offline_access", p.mcpURL), BrowserUA, nil, http.Header{"Referer": {"https://claude.ai/"}}, p.o.Timeout)
	sc.Exchange = y
	ly, _ := url.Parse(y.Location)
	switch {
	case !y.ok():
		sc.Status, sc.Summary = Fail, "no answer: "+y.Error
	case y.Status == 400 && strings.Contains(strings.ToLower(string(y.raw)), "scope"),
		ly != nil && ly.Query().Get("error") == "invalid_scope":
		sc.Status, sc.Mode, sc.Summary = Fail, rules.ModeOfflineAccessLeadingSpace, `scope=" offline_access" (a leading space, as the connector has sent it) is refused as invalid_scope.`
	default:
		sc.Status, sc.Summary = Pass, fmt.Sprintf(`scope=" offline_access" is accepted (%d)`, y.Status)
	}
	p.add(sc)
}

func (p *prober) scopes() []string {
	if s, ok := p.prm["scopes_supported"].([]any); ok && len(s) > 0 {
		var out []string
		for _, v := range s {
			if str, ok := v.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return p.list("scopes_supported")
}

func authorizeURL(ep, clientID, scope, resource string) string {
	verifier := randomHex(32)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {callback},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"state": {"mcptriage-" + randomHex(6)}, "resource": {resource},
	}
	if scope != "" {
		q.Set("scope", scope)
	}
	sep := "?"
	if strings.Contains(ep, "?") {
		sep = "&"
	}
	return ep + sep + q.Encode()
}

// checkToken sends a token request with a code that cannot be valid: a
// fast JSON error is right; a refusal of the format, a missing endpoint
// or a slow answer is what breaks the connector.
func (p *prober) checkToken(ctx context.Context) {
	ep, synthesised := p.endpoint("token_endpoint", "/token")
	clientID := p.client
	if clientID == "" {
		clientID = "mcptriage-probe"
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {"mcptriage-probe-" + randomHex(8)}, "redirect_uri": {callback},
		"code_verifier": {randomHex(32)}, "client_id": {clientID}, "resource": {p.mcpURL}}
	if p.secret != "" {
		form.Set("client_secret", p.secret)
	}
	x := p.c.do(ctx, "POST", ep, brokerUA, []byte(form.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}}, p.o.Deadline)
	c := Check{ID: "token", Title: "token endpoint", Stage: rules.StageToken, Exchange: x}
	switch {
	case !x.ok() && strings.HasPrefix(x.Error, "no answer within"):
		c.Status, c.Mode, c.Summary = Fail, rules.ModeTokenEndpointSlow, fmt.Sprintf("no answer within %s: the connector gives up at about 10 s.", p.o.Deadline)
	case !x.ok():
		c.Status, c.Summary = Fail, "no answer: "+x.Error
	case x.took > p.o.Deadline*7/10:
		c.Status, c.Mode, c.Summary = Warn, rules.ModeTokenEndpointSlow, fmt.Sprintf("answered in %s, close to the connector's %s limit.", x.took.Round(time.Millisecond), p.o.Deadline)
	case x.Status == http.StatusUnsupportedMediaType || parse.SignalsOf(string(x.raw)).Has(parse.SigJSONOnly):
		c.Status, c.Mode, c.Summary = Fail, rules.ModeTokenEndpointJSONOnly, fmt.Sprintf("answered %d to a form-encoded request (%s): the connector sends application/x-www-form-urlencoded, as OAuth requires.", x.Status, x.Body)
	case x.Status == 404:
		c.Status, c.Summary = Fail, fmt.Sprintf("POST %s answered 404.", pathOf(ep))
		if synthesised {
			c.Mode = p.fallbackMode()
		}
	case x.Status/100 == 5:
		c.Status, c.Summary = Fail, fmt.Sprintf("answered %d to an invalid code: it should be a 400 invalid_grant.", x.Status)
	case !x.isJSON():
		c.Status, c.Mode, c.Summary = Warn, rules.ModeTokenResponseInvalid, fmt.Sprintf("answered %d as %s: token responses, errors included, must be JSON.", x.Status, orNone(x.ContentType))
	case x.Status/100 == 2:
		c.Status, c.Summary = Warn, fmt.Sprintf("answered %d to a code that cannot be valid.", x.Status)
	default:
		c.Status, c.Summary = Pass, fmt.Sprintf("answered %d with JSON error %s, in time (the probe's code is bogus, so an error is right)", x.Status, orNone(x.str("error")))
	}
	p.add(c)
}

// checkMCP sends the authenticated initialize with a token the server
// cannot know: it must be refused by the server itself, at the URL and
// at the variants the connector has been seen to send.
func (p *prober) checkMCP(ctx context.Context) {
	h := mcpHeaders()
	if !p.res.Authless {
		h.Set("Authorization", "Bearer mcptriage-probe-"+randomHex(12))
	}
	x := p.c.do(ctx, "POST", p.target, mcpUA, initializeBody, h, p.o.Deadline)
	c := Check{ID: "mcp", Title: "authenticated initialize", Stage: rules.StageMCP, Exchange: x}
	want := 401
	if p.res.Authless {
		want = 200
	}
	switch {
	case !x.ok() && strings.HasPrefix(x.Error, "no answer within"):
		c.Status, c.Mode, c.Summary = Fail, rules.ModeInitializeSlow, fmt.Sprintf("no answer within %s: the connector gives up there.", p.o.Deadline)
	case !x.ok():
		c.Status, c.Summary = Fail, "no answer: "+x.Error
	case x.fromCDN() != "":
		c.Status, c.Mode, c.Summary = Fail, rules.ModeEdgeBlocksClaudeUser, fmt.Sprintf("answered %d by %s, not by your server.", x.Status, x.fromCDN())
	case x.Status/100 == 3:
		c.Status, c.Mode, c.Summary = Fail, rules.ModeRedirectOnMCPEndpoint, fmt.Sprintf("answered %d to %s: the connector does not follow it.", x.Status, x.Location)
	case x.Status == want && want == 401:
		c.Status, c.Summary = Pass, "a bogus bearer token is refused with 401 by the server itself"
	case x.Status == want:
		c.Status, c.Summary = Pass, "answered 200 as Claude-User"
	case x.Status == 200:
		c.Status, c.Summary = Warn, "a bogus bearer token was accepted: the server does not check tokens."
	default:
		c.Status, c.Summary = Fail, fmt.Sprintf("answered %d (%s) as Claude-User.", x.Status, x.Body)
		if x.Status == 403 {
			// Not a CDN's page: the server itself, or something without a
			// name, refuses Claude-User or answers a bad token with 403.
			c.Mode = rules.ModeEdgeBlocksClaudeUser
			c.Fix = "Find what answers 403 to Claude-User on the MCP path (a bot rule, a WAF, a user-agent check in the app) and let it through; a token the server does not accept must get 401 with a WWW-Authenticate challenge, not 403."
		}
	}
	p.add(c)
	if c.Status != Pass {
		for _, v := range []struct{ id, title string }{{"mcp.case", "the path title-cased"}, {"mcp.slash", "the path without its slash"}} {
			p.add(Check{ID: v.id, Title: v.title, Stage: rules.StageMCP, Status: Skip, Summary: "needs the authenticated initialize to reach the server first"})
		}
		return
	}
	// The connector has been seen to title-case path segments and to strip
	// a trailing slash: does the server answer the same there?
	variant := func(id, title string, mode rules.Mode, target, why string) {
		if target == p.target {
			p.add(Check{ID: id, Title: title, Stage: rules.StageMCP, Status: Skip, Summary: "the URL is the same either way"})
			return
		}
		y := p.c.do(ctx, "POST", target, mcpUA, initializeBody, h, p.o.Timeout)
		vc := Check{ID: id, Title: title, Stage: rules.StageMCP, Exchange: y}
		switch {
		case y.ok() && y.Status == x.Status:
			vc.Status, vc.Summary = Pass, fmt.Sprintf("%s answers the same (%d)", pathOf(target), y.Status)
		case y.ok():
			vc.Status, vc.Mode, vc.Summary = Warn, mode, fmt.Sprintf("%s answers %d, not %d: %s", pathOf(target), y.Status, x.Status, why)
		default:
			vc.Status, vc.Mode, vc.Summary = Warn, mode, fmt.Sprintf("%s: %s", pathOf(target), y.Error)
		}
		p.add(vc)
	}
	variant("mcp.case", "the path title-cased", rules.ModeURLCaseMangled, titleCased(p.target),
		"the connector has been seen to save /mcp as /Mcp; match paths without case to survive it.")
	if strings.HasSuffix(p.u.Path, "/") && p.u.Path != "/" {
		variant("mcp.slash", "the path without its slash", rules.ModeURLTrailingSlashStripped, withPath(p.target, strings.TrimSuffix(p.u.Path, "/")),
			"the connector strips the trailing slash you typed; serve both forms.")
	} else {
		p.add(Check{ID: "mcp.slash", Title: "the path without its slash", Stage: rules.StageMCP, Status: Skip, Summary: "the URL has no trailing slash to strip"})
	}
}

func titleCased(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	segs := strings.Split(u.Path, "/")
	for i, s := range segs {
		if s != "" {
			segs[i] = strings.ToUpper(s[:1]) + s[1:]
		}
	}
	u.Path = strings.Join(segs, "/")
	u.RawPath = ""
	return u.String()
}

// withPath is raw with another path (given escaped), its query kept.
func withPath(raw, escaped string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	path, err := url.PathUnescape(escaped)
	if err != nil {
		return raw
	}
	u.Path, u.RawPath = path, escaped
	return u.String()
}

func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.Path
}

func pathsOf(urls []string) []string {
	var out []string
	for _, u := range urls {
		out = append(out, pathOf(u))
	}
	return out
}

func hostPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Host + u.Path
}

func dedupe(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
