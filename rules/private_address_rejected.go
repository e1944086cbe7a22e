package rules

import (
	"fmt"
	"strings"

	"github.com/mcptriage/mcptriage/rules/engine"
)

var PrivateAddressRejected = &Rule{
	ID:      "private_address_rejected",
	Title:   "the connector URL names a private or internal host",
	Symptom: "a URL with an internal host is never contacted",
	Stage:   StageReach,
	Side:    SideInfra,
	Doc: `Claude connects from Anthropic's cloud for every client, desktop and
mobile included. It resolves the host and refuses private (RFC 1918),
CGNAT (100.64.0.0/10), link-local and loopback addresses before sending
anything, and names such as .internal, .local or a bare hostname cannot be
resolved from outside at all. The logs then hold nothing.

mcptriage checks the URL as written; it does not resolve names. A public
name whose DNS answer is private (split horizon) fails the same way.`,
	Fix: "Publish the server at a globally routable address on 443 (a reverse proxy, Cloudflare Tunnel, Tailscale Funnel) and use that public name in the connector.",
	Check: func(r *Run) *Finding {
		u := r.URL
		if u == nil {
			return nil
		}
		if a := u.HostAddr(); a.IsValid() {
			if engine.IsNonPublic(a) || a.IsMulticast() {
				return found(High, fmt.Sprintf("The connector URL's host %s is not a public address; Claude refuses to connect to it.", u.Host))
			}
			return nil
		}
		for _, suffix := range []string{".internal", ".local", ".lan", ".home.arpa", ".localhost", ".intranet", ".corp"} {
			if strings.HasSuffix(u.Host, suffix) {
				return found(High, fmt.Sprintf("The connector URL's host %s is an internal name (%s); Claude's backend cannot resolve it.", u.Host, suffix))
			}
		}
		if u.Host == "localhost" || !strings.Contains(u.Host, ".") {
			return found(High, fmt.Sprintf("The connector URL's host %s is not a public DNS name; Claude's backend cannot resolve it.", u.Host))
		}
		return nil
	},
}
