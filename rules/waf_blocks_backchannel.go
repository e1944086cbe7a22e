package rules

import (
	"fmt"

	"github.com/mcptriage/mcptriage/rules/engine"
)

var WAFBlocksBackchannel = &Rule{
	ID:      "waf_blocks_backchannel",
	Title:   "a WAF or bot rule blocks the connector's OAuth requests",
	Symptom: "the OAuth back-channel requests are blocked by a WAF or bot rule",
	Stage:   StageDiscovery,
	Side:    SideInfra,
	Doc: `The connector's server-to-server OAuth requests (discovery, registration,
token; user agent python-httpx, or none at all) are answered 403, 429 or
503 by a bot-management or WAF layer: Bot Fight Mode, a managed challenge,
a "block empty user agent" rule, a rate limit. The same paths work from a
browser, which is why the server looks fine when tested by hand.

Look-alikes: edge_blocks_claude_user (only the Claude-User MCP calls after
the token are blocked); wrong_connector_url (every path fails for everyone).`,
	Fix: "Exempt /.well-known/*, the registration, token and MCP paths from bot rules, challenges and empty-user-agent blocks, or allow 160.79.104.0/21.",
	Run: func(a *Attempt) *Finding {
		if a.Outcome == OutcomeConnected {
			return nil
		}
		// The edge's log names the rule.
		for _, e := range a.Events {
			v := e.EdgeView()
			if v == nil || !v.EdgeBlocked || engine.IsClaudeUserUA(e.UserAgent) {
				continue
			}
			switch e.Role {
			case RolePRM, RoleASMeta, RoleRegister, RoleToken, RoleProbe:
				ua := e.UserAgent
				if ua == "" {
					ua = "no user agent"
				}
				return found(High, fmt.Sprintf("The edge answered %d to the connector's %s %s (%s)%s by %s (%s); your origin never saw it.", v.Status, v.Method, v.Path, ua, at(e.Time), ruleName(v), v.EdgeAction), e)
			}
		}
		var blocked []*Ev
		for _, e := range a.Events {
			if e.Browser {
				continue
			}
			switch e.Role {
			case RolePRM, RoleASMeta, RoleRegister, RoleToken:
				if e.Status == 403 || e.Status == 429 || e.Status == 503 {
					blocked = append(blocked, e)
				}
			}
		}
		if len(blocked) == 0 {
			return nil
		}
		e := blocked[0]
		if e.Role == RoleToken && a.AnyOK(RoleToken) || e.Role == RoleRegister && a.AnyOK(RoleRegister) {
			return nil
		}
		conf := Medium
		if e.Status == 429 || e.Status == 503 || e.UserAgent == "" || len(blocked) > 1 {
			conf = High
		}
		ua := e.UserAgent
		if ua == "" {
			ua = "no user agent"
		}
		return found(conf, fmt.Sprintf("The connector's server-to-server request %s (%s) was refused; %s is what a bot or WAF rule answers.", req(e), ua, engine.Describe(firstN(blocked, 3))), firstN(blocked, 3)...).WithNext(
			"Repeat it from outside with the connector's user agent: curl -si -A python-httpx/0.28.1 https://<host>" + e.Path + " — a challenge page or a CDN's 403 confirms it; your WAF's event log names the rule.")
	},
}
