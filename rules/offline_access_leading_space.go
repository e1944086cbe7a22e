package rules

import (
	"fmt"
	"net/url"
	"strings"
)

var OfflineAccessLeadingSpace = &Rule{
	ID:      "offline_access_leading_space",
	Title:   "the authorize request's scope starts with a space",
	Symptom: "the authorize request's scope starts with a space",
	Stage:   StageAuthorization,
	Side:    SideConnector,
	Doc: `The connector has been seen to send scope=+offline_access (decoded: a
leading space, that is an empty first scope). A strict authorization
server rejects the empty scope and redirects back with
error=invalid_scope, and Claude reports "Authorization … failed". The
authorize URL is in the access log, so this one is visible there.`,
	Fix: "Make the authorization server tolerant: split scope on runs of whitespace and drop empty entries; advertise your real scopes (scopes_supported, and scope= in the 401 challenge) so the list is not empty.",
	Run: func(a *Attempt) *Finding {
		if a.AnyOK(RoleToken) {
			return nil
		}
		for _, e := range a.ByRole(RoleAuthorize) {
			q, err := url.ParseQuery(e.RawQuery)
			if err != nil {
				continue
			}
			scope, ok := q["scope"]
			if !ok || len(scope) == 0 || !strings.HasPrefix(scope[0], " ") {
				continue
			}
			conf := Medium
			if strings.Contains(scope[0], "offline_access") {
				conf = High
			}
			return found(conf, fmt.Sprintf("The browser's authorize request%s carried scope=%q: a leading space, that is an empty first scope, which strict servers reject as invalid_scope. No token exchange followed.", at(e.Time), scope[0]), e).WithNotCompleted(StageAuthorization)
		}
		return nil
	},
}
