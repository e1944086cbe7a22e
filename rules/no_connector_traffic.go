package rules

import (
	"fmt"
	"strings"
)

// stageZeroChecks lists what to rule out when nothing arrived, most
// common first.
const stageZeroChecks = `First make sure the log covers the minute of the attempt, in UTC. Then rule out, in order:
  1. a private, CGNAT or internal address: resolve the host from outside your network (public DNS must give a public address);
  2. a port other than 443 in the connector URL;
  3. a failing TLS handshake: an incomplete certificate chain, mTLS, a firewall resetting datacenter addresses;
  4. a firewall, WAF, CDN or geo rule dropping 160.79.104.0/21: the edge's own logs show what it stopped;
  5. a tunnel (cloudflared, Tailscale Funnel, ngrok) that is down;
  6. if the host is public, on 443, with a valid chain, and still nothing arrives: a Claude-side failure to start the flow; file it with the ofid.`

var NoConnectorTraffic = &Rule{
	ID:      "no_connector_traffic",
	Title:   "no request from Claude's connector reached these logs",
	Symptom: "no request from Claude's connector reaches the server",
	Stage:   StageReach,
	Side:    SideInfra,
	Doc: `Nothing in the logs came from Anthropic's egress range (160.79.104.0/21,
or the retired 34.162.x addresses), and no request on an MCP or OAuth path
carried the connector's user agents (python-httpx for OAuth, Claude-User
for MCP). Either the attempt never left Anthropic, or something in front of
this server stopped it before it was logged.

Stage-0 causes to rule out, roughly from most to least common:
  - the connector URL points at a private, CGNAT, link-local or .internal
    address, or a name that only resolves inside your network;
  - the URL has a port other than 443 (Claude's backend only uses 443);
  - the TLS handshake fails: an incomplete certificate chain, mTLS, or a
    firewall resetting connections from datacenter addresses;
  - a firewall, WAF, CDN or geo-block drops 160.79.104.0/21 (check the
    edge's own logs: an origin log cannot show what the edge stopped);
  - a tunnel (cloudflared, Tailscale Funnel, ngrok) is down;
  - a Claude-side failure to start the flow: the host is public, on 443,
    valid TLS, and still nothing arrives.
Make sure the log covers the minute of the attempt, in UTC.`,
	Fix: "Confirm the log covers the attempt's time, then check DNS, port 443, the TLS chain and your edge's logs for 160.79.104.0/21; if all are clean, file an issue with the ofid.",
	Check: func(r *Run) *Finding {
		if len(r.Attempts) > 0 {
			return nil
		}
		summary := fmt.Sprintf("None of the %s requests read came from Anthropic's egress range or looked like the connector's traffic.", Thousands(r.Requests))
		if r.Requests == 0 {
			summary = "The logs hold no requests at all."
		}
		if n, list := lookAlikeSummary(r.LookAlikes); n > 0 {
			summary = fmt.Sprintf("None of the %s requests read came from Anthropic's egress range. %s looked like the connector's (its user agents, or its endpoints) but came from other public addresses, so they are other clients': %s.", Thousands(r.Requests), plural(n, "One", Thousands(n)), list)
		}
		if r.HiddenClients && r.Requests > 0 {
			summary += " Every client address in these logs is a proxy's or missing, so Claude's requests cannot show their address here: log the forwarded client (nginx: set_real_ip_from <proxy> and real_ip_header X-Forwarded-For; or add $http_x_forwarded_for to the log_format)."
		}
		if r.Env != nil && r.Env.GCPInternalPeers > 0 {
			summary += fmt.Sprintf(" %s requests came from Google Cloud internal addresses (0.0.0.0 or fda3:e722:ac3::/48): on Google Cloud, Anthropic's traffic can arrive so; check them by path.", Thousands(r.Env.GCPInternalPeers))
		}
		if r.Env != nil && r.Env.BehindCloudflare {
			summary += " These requests reached the origin through Cloudflare: if the edge blocked Claude, only Cloudflare's own logs show it."
		}
		return found(Medium, summary).WithNext(stageZeroChecks)
	},
}

// lookAlikeSummary counts the look-alikes and names the commonest user
// agents: "python-httpx/0.28.1 (120), claude-code/2.1.3 (cli) (80)".
func lookAlikeSummary(las []LookAlike) (int, string) {
	n := 0
	var parts []string
	for i, la := range las {
		n += la.Requests
		if i < 4 {
			parts = append(parts, fmt.Sprintf("%s (%s)", la.UserAgent, Thousands(la.Requests)))
		}
	}
	if len(las) > 4 {
		parts = append(parts, "…")
	}
	return n, strings.Join(parts, ", ")
}
