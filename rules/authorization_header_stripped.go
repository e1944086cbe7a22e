package rules

import (
	"fmt"

	"github.com/mcptriage/mcptriage/parse"
)

var AuthorizationHeaderStripped = &Rule{
	ID:      "authorization_header_stripped",
	Title:   "a proxy in front of the application drops the Authorization header",
	Symptom: "token issued, but the Authorization header is lost before the application",
	Stage:   StageMCP,
	Side:    SideInfra,
	Doc: `The connector's authenticated request reaches the front server with its
Authorization header (the access log of nginx, Caddy or the edge shows
it), but the application behind says no token came and answers 401. The
header is lost on the way: Apache in front of PHP-FPM or CGI without
CGIPassAuth, nginx in front of Apache (Plesk, cPanel) not forwarding it,
an API gateway that consumes it, a redirect to another origin.

It takes two logs to see: the front's, recording that the header was
there, and the application's own words that it was not.

Look-alikes: token_never_presented (no header even at the front);
server_rejects_token (the application saw the token and refused it).`,
	Fix: "Forward Authorization to the application: CGIPassAuth On or SetEnvIf Authorization \"(.*)\" HTTP_AUTHORIZATION=$1 (Apache), proxy_set_header Authorization $http_authorization; or fastcgi_param HTTP_AUTHORIZATION $http_authorization; (nginx).",
	Run: func(a *Attempt) *Finding {
		if a.Outcome == OutcomeConnected {
			return nil
		}
		reqs, _, _ := a.AuthenticatedRequests()
		for _, e := range withStatus(reqs, 401, 403) {
			said := saying(a, parse.SigBearerMissing, e, 5e9)
			if said == nil {
				continue
			}
			if frontSawAuthorization([]*Ev{e}) {
				return found(High, fmt.Sprintf("The front server logged %s with an Authorization header, and your application says it had none: %q. Something between them drops the header.", req(e), said.Message), e, said)
			}
			if e.Layer != parse.LayerApp && e.Authorization == parse.Unknown {
				return found(Medium, fmt.Sprintf("Your application says %s came without a token (%q); if the front server received one, a proxy in between dropped it.", req(e), said.Message), e, said).WithNext(headerReachesNext)
			}
		}
		return nil
	},
}

// headerReachesNext decides between a token the connector never sent and
// one a proxy dropped: whether the front server receives the header.
const headerReachesNext = "Whether the front server receives the Authorization header decides it: send one yourself (curl -si -X POST -H 'Authorization: Bearer test' <URL>) and see what the application logs, or log its presence (never its value) at the front:\n" + AuthLogSnippet
