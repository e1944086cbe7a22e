package rules

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

var QueryTokenAuthUnsupported = &Rule{
	ID:      "query_token_auth_unsupported",
	Title:   "the connector URL carries a credential in its query string",
	Symptom: "a server authenticated by a query-string key is probed and never authorized",
	Stage:   StageProbe,
	Side:    SideConfig,
	Doc: `Some servers expect their key in the URL (?token=, ?apiKey=, ?key=).
Claude does not support query-string credentials, and the MCP
authorization spec forbids them: the connector treats the server as an
OAuth server, probes it, and gives up when the probe is answered 401 or 403
without a usable challenge. The connector may also re-case parameter names
(apikey becomes apiKey).`,
	Fix: "Implement OAuth (dynamic client registration or a client ID metadata document) or make the server authless; remove the credential from the URL.",
	Check: func(r *Run) *Finding {
		if r.URL == nil || r.URL.RawQuery == "" {
			return nil
		}
		q, _ := url.ParseQuery(r.URL.RawQuery)
		var hits []string
		for k := range q {
			switch strings.ToLower(k) {
			case "token", "access_token", "key", "apikey", "api_key", "api-key", "auth", "secret", "password", "usertoken", "user_token", "jwt", "sig":
				hits = append(hits, k)
			}
		}
		if len(hits) == 0 {
			return nil
		}
		sort.Strings(hits)
		return found(High, fmt.Sprintf("The connector URL passes a credential in its query (%s); Claude does not send query-string credentials as authentication.", strings.Join(hits, ", ")))
	},
}
