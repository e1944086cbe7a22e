package lab

import "time"

// DefaultConnector is the URL a healthy scenario's user types into Claude.
const DefaultConnector = "https://" + PublicHost + "/mcp"

// Scenario is one staged failure: what the server (or the infrastructure,
// or the connector) does wrong, and what mcptriage must conclude from the
// logs it leaves.
type Scenario struct {
	Name string
	// Mode is the failure mode mcptriage must rank first ("" when the
	// attempt connects and nothing is wrong).
	Mode string
	// Stage is the last completed stage mcptriage must report, as
	// failure-modes.md gives it (the C of F/C); None where nothing
	// completes.
	Stage  int
	Faults Faults
	Bugs   Bugs
	// Connector is the URL as typed (default DefaultConnector).
	Connector string
	// Edge puts a proxy in front that answers 403 to Claude-User, with its
	// own log, as a CDN's AI-bot rule does.
	Edge bool
	// TypedURL passes the typed URL to mcptriage (--server): some modes
	// are told apart only by what the user typed.
	TypedURL bool
	// DecidedBy names the logs whose evidence decides the mode (base
	// names: "app.log", "caddy.log", "timing.log", "edge.log"); empty means
	// any log does. Where none of them is given, mcptriage must name the
	// mode among its candidates or claim nothing above low confidence.
	DecidedBy []string
	// Blind names the logs that cannot show the failure at all: neither
	// its stage nor its mode ("*": every log not in DecidedBy). A log set
	// made only of blind logs is held to the attempt count, and to naming
	// the mode among its candidates or claiming nothing above low.
	Blind []string
	// Error is the message Claude showed, passed as --error.
	Error string
	// Slow scenarios wait out the connector's 10-second deadlines.
	Slow bool
	// NoTraffic runs no attempt at all: only the noise.
	NoTraffic bool
}

// None is the stage where nothing completes (failure-modes.md's "–").
const None = -1

// URL is the connector URL as typed.
func (s Scenario) URL() string {
	if s.Connector != "" {
		return s.Connector
	}
	return DefaultConnector
}

// Scenarios are the stageable failure modes, and a healthy server.
var Scenarios = []Scenario{
	{Name: "healthy", Stage: 6},
	{Name: "prm_not_found", Mode: "prm_not_found", Stage: 1,
		Faults: Faults{NoPRM: true, OAuthUnderPrefix: true}},
	{Name: "as_path_issuer_origin_fallback", Mode: "as_path_issuer_origin_fallback", Stage: 2,
		Faults: Faults{OAuthUnderPrefix: true}},
	{Name: "prm_resource_mismatch", Mode: "prm_resource_mismatch", Stage: 2,
		Faults: Faults{PRMResource: "https://" + PublicHost + "/api/mcp"}},
	{Name: "missing_www_authenticate", Mode: "missing_www_authenticate", Stage: 0,
		Faults: Faults{NoWWWAuthenticate: true}},
	// A page served in place of the metadata shows only where the log
	// records the answer's type or size.
	{Name: "well_known_html_catchall", Mode: "well_known_html_catchall", Stage: 1,
		Faults:    Faults{NoPRM: true, HTMLCatchAll: true},
		DecidedBy: []string{"access.log", "json.log", "timing.log", "caddy.log", "haproxy.log", "apache.log", "pino.log"}, Blind: []string{"*"}},
	{Name: "authless_handshake_abandoned", Mode: "authless_handshake_abandoned", Stage: 1,
		Faults: Faults{Authless: true}, Bugs: Bugs{AbandonAuthless: true}},
	{Name: "authless_discovery_not_404", Mode: "authless_discovery_not_404", Stage: 1,
		Faults: Faults{AuthlessStub: true}},
	{Name: "redirect_on_mcp_endpoint", Mode: "redirect_on_mcp_endpoint", Stage: 0,
		Faults: Faults{RedirectMCP: true}},
	{Name: "host_header_rejected", Mode: "host_header_rejected", Stage: 0,
		Faults: Faults{HostCheck: true}},
	{Name: "legacy_sse_transport", Mode: "legacy_sse_transport", Stage: 0,
		Faults: Faults{SSEOnly: true}, Connector: "https://" + PublicHost + "/sse"},
	{Name: "wrong_connector_url", Mode: "wrong_connector_url", Stage: None,
		Connector: "https://" + PublicHost + "/", TypedURL: true},
	{Name: "url_case_mangled", Mode: "url_case_mangled", Stage: 5,
		Faults: Faults{CaseSensitive: true}, Bugs: Bugs{TitleCase: true}, TypedURL: true},
	{Name: "url_trailing_slash_stripped", Mode: "url_trailing_slash_stripped", Stage: 5,
		Faults: Faults{SlashOnly: true}, Bugs: Bugs{StripSlash: true},
		Connector: "https://" + PublicHost + "/mcp/", TypedURL: true},
	// A registration 400 whose reason only the server's own log holds: the
	// three dcr_* refusals tie on any other log.
	{Name: "dcr_auth_method_rejected", Mode: "dcr_auth_method_rejected", Stage: 2,
		Faults: Faults{DCRReject: "auth_method"}, DecidedBy: []string{"app.log"}},
	{Name: "dcr_redirect_uri_rejected", Mode: "dcr_redirect_uri_rejected", Stage: 2,
		Faults: Faults{DCRReject: "redirect_uri"}, DecidedBy: []string{"app.log"}},
	{Name: "dcr_grant_or_scope_rejected", Mode: "dcr_grant_or_scope_rejected", Stage: 2,
		Faults: Faults{DCRReject: "grant"}, DecidedBy: []string{"app.log"}},
	{Name: "dcr_endpoint_broken", Mode: "dcr_endpoint_broken", Stage: 2,
		Faults: Faults{DCRReject: "broken"}},
	{Name: "dcr_succeeded_then_abort", Mode: "dcr_succeeded_then_abort", Stage: 3,
		Bugs:  Bugs{AbortAfterRegister: true},
		Error: "Couldn't register with mcp.example.com's sign-in service. You can try again, or add an OAuth Client ID in the connector settings."},
	// The consent is answered with a redirect to Claude's callback: stage 4
	// completes; the 307 is the failure (4/4).
	{Name: "callback_redirect_307", Mode: "callback_redirect_307", Stage: 4,
		Faults: Faults{ConsentRedirect: 307}},
	{Name: "offline_access_leading_space", Mode: "offline_access_leading_space", Stage: 3,
		Faults: Faults{StrictScope: true}, Bugs: Bugs{LeadingSpaceScope: true}},
	{Name: "token_exchange_never_attempted", Mode: "token_exchange_never_attempted", Stage: 4,
		Bugs: Bugs{NoTokenExchange: true}},
	{Name: "token_endpoint_json_only", Mode: "token_endpoint_json_only", Stage: 4,
		Faults: Faults{TokenJSONOnly: true}},
	// Apache keeps waiting for the answer the connector gave up on and logs
	// it as an ordinary 200, with no duration in combined: on its own, a
	// token issued and never used.
	{Name: "token_endpoint_slow", Mode: "token_endpoint_slow", Stage: 4,
		Faults: Faults{TokenDelay: 12 * time.Second}, Slow: true, Blind: []string{"apache.log"}},
	{Name: "token_client_auth_mismatch", Mode: "token_client_auth_mismatch", Stage: 4,
		Faults: Faults{TokenBasicOnly: true}},
	{Name: "token_response_invalid", Mode: "token_response_invalid", Stage: 4,
		Faults: Faults{TokenAsHTML: true}, DecidedBy: []string{"caddy.log", "timing.log", "pino.log"}, Blind: []string{"*"}},
	{Name: "server_rejects_token", Mode: "server_rejects_token", Stage: 5,
		Faults: Faults{RejectTokens: true}},
	// Without a CDN's own log nothing tells a request the edge swallowed
	// from one never sent: mcptriage may only rank the two.
	{Name: "token_never_presented", Mode: "token_never_presented", Stage: 5,
		Bugs: Bugs{NoMCPAfterToken: true}, DecidedBy: []string{"none"}},
	{Name: "edge_blocks_claude_user", Mode: "edge_blocks_claude_user", Stage: 5, Edge: true},
	// 6/5: the first initialize is abandoned at the connector's 10 s. uvicorn
	// and gunicorn write nothing for an abandoned request and no times: on
	// their own they show a healthy session.
	// Every try of initialize runs past the connector's deadline: it
	// gives up (6/5).
	{Name: "initialize_slow", Mode: "initialize_slow", Stage: 5,
		Faults: Faults{SlowMCP: 11 * time.Second}, Slow: true, Blind: []string{"uvicorn.log", "gunicorn.log"}},
	// A cold start: the first try runs out of time, the retry connects.
	// The connection stands; the slow try is at most a low note.
	{Name: "initialize_cold_start", Stage: 6,
		Faults: Faults{ColdStart: 12 * time.Second}, Slow: true},
	{Name: "no_connector_traffic", Mode: "no_connector_traffic", Stage: 0, NoTraffic: true},
}
