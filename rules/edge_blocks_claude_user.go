package rules

import (
	"fmt"
	"net/netip"

	"github.com/mcptriage/mcptriage/parse"
	"github.com/mcptriage/mcptriage/rules/engine"
)

var EdgeBlocksClaudeUser = &Rule{
	ID:      "edge_blocks_claude_user",
	Title:   "the CDN or WAF blocks the Claude-User MCP requests",
	Symptom: "token issued, then the authenticated MCP request is blocked at the edge",
	Stage:   StageMCP,
	Side:    SideInfra,
	Doc: `The whole OAuth flow succeeds (its server-to-server legs use the
python-httpx user agent), and then the first authenticated MCP request,
sent with user agent Claude-User within a second of the token, is blocked
at the edge: Cloudflare's "Block AI bots" / "Manage AI bots" / AI Crawl
Control treat Claude-User like a crawler. The origin log shows the token
exchange and then nothing; the CDN's security events show a 403 to POST
<mcp path> from 160.79.104.0/21. This is the most common cause of
"Authorization with the MCP server failed".

Look-alikes: server_rejects_token (the request reaches the origin and your
stack answers 401/403); token_never_presented (no request at the edge
either). Only the edge's logs decide between "blocked" and "never sent".`,
	Fix: "Allow Claude-User for the MCP path: turn off Block AI Bots or allow Claude-User in AI Crawl Control, or add a WAF rule that skips bot rules for 160.79.104.0/21 on the MCP path.",
	Run: func(a *Attempt) *Finding {
		// The edge's own log decides: it names the request it stopped.
		for _, e := range a.Events {
			v := e.EdgeView()
			if v == nil || !v.EdgeBlocked || (e.Role != RoleMCP && e.Role != RoleProbe) || !engine.IsClaudeUserUA(e.UserAgent) {
				continue
			}
			when := "after the token exchange"
			if e.Role == RoleProbe {
				when = "before any token"
			}
			return found(High, fmt.Sprintf("The edge answered %d to %s %s with user agent Claude-User from %s%s, %s, by %s (%s); your origin never saw it.",
				v.Status, v.Method, v.Path, addrOr(e.Client), at(e.Time), when, ruleName(v), v.EdgeAction), e)
		}

		// A Claude-User probe refused while python-httpx got the challenge.
		var uaBlocked, brokerOK *Ev
		for _, p := range a.ByRole(RoleProbe) {
			switch {
			case engine.IsClaudeUserUA(p.UserAgent) && (p.Status == 403 || p.Status == 444):
				if uaBlocked == nil {
					uaBlocked = p
				}
			case engine.IsBrokerUA(p.UserAgent) && p.Status == 401:
				brokerOK = p
			}
		}
		if uaBlocked != nil && brokerOK != nil && a.Outcome != OutcomeConnected {
			return found(High, fmt.Sprintf("The same endpoint answered python-httpx with 401 (%s) but Claude-User with %d (%s): something in front of the server blocks by user agent.", req(brokerOK), uaBlocked.Status, req(uaBlocked)), brokerOK, uaBlocked)
		}

		tok := a.TokenOK()
		if tok == nil || a.Outcome == OutcomeConnected {
			return nil
		}
		after := a.MCPAfter(tok)
		next := fmt.Sprintf("Open your CDN or WAF security events for %s to %s UTC: a blocked POST %s with user agent Claude-User from 160.79.104.0/21 decides it. Or test from outside: curl -si -X POST -A Claude-User https://<host>%s — a 403 from the CDN, not your server, is the block.",
			clock(tok.Time), clock(tok.Time.Add(15e9)), pathOr(a.ConnectorPath, "/mcp"), pathOr(a.ConnectorPath, "/mcp"))
		if len(after) == 0 {
			if elsewhereAfter(a, tok) != nil {
				return nil // the MCP client's requests arrived, at another path
			}
			if edgeCovers(a, tok.Time, tok.Time.Add(15e9)) {
				return nil // the edge saw nothing either: token_never_presented
			}
			conf := Low
			if a.Env != nil && a.Env.BehindCloudflare {
				conf = Medium
			}
			return found(conf, fmt.Sprintf("The token was issued%s (%s) and no MCP request reached this server afterwards, although the connector sends one within a second.%s", at(tok.Time), req(tok), cdnHint(a)), tok).WithNext(next)
		}
		// A 403 to Claude-User after the token may also be an edge rule
		// on the same host; server_rejects_token ranks it first.
		var blocked []*Ev
		for _, e := range after {
			if engine.IsClaudeUserUA(e.UserAgent) && (e.Status == 403 || e.Status == 444) && !e.OK() {
				blocked = append(blocked, e)
			}
		}
		if len(blocked) == 0 || len(blocked) < len(after) {
			return nil
		}
		if logsAuthorization(a) && blocked[0].Authorization == parse.Absent {
			return nil
		}
		return found(Low, fmt.Sprintf("After the token (%s), the Claude-User request was refused (%s); a bot rule in front of the application answers the same way.%s", req(tok), req(blocked[0]), cdnHint(a)), append([]*Ev{tok}, firstN(blocked, 2)...)...).WithNext(next)
	},
}

func addrOr(a netip.Addr) string {
	if a.IsValid() {
		return a.String()
	}
	return "an address not logged"
}

func pathOr(p, def string) string {
	if p == "" {
		return def
	}
	return p
}
