package rules

import (
	"fmt"
	"time"
)

var TokenRefreshFailure = &Rule{
	ID:      "token_refresh_failure",
	Title:   "the connection dies when the access token expires",
	Symptom: "the connection dies when the access token expires",
	Stage:   StageMCP,
	Side:    SideServer,
	Doc: `The connector connected, and later its requests start getting 401 with no
refresh request (POST to the token endpoint with grant_type=refresh_token)
before or after: no refresh token was issued (the registration lacked the
refresh_token grant, or offline_access was required and never asked for),
or the refresh failed. Tools disappear until the user reconnects.`,
	Fix: "Issue refresh tokens to Claude's client whatever the scope, include refresh_token in its grant types, keep refresh fast, and answer a deleted client with 401 invalid_client so Claude registers again.",
	Run: func(a *Attempt) *Finding {
		var firstOK *Ev
		for _, e := range a.ByRole(RoleMCP) {
			if e.OK() && firstOK == nil {
				firstOK = e
			}
			if firstOK != nil && e.Status == 401 && e.Time.Sub(firstOK.Time) >= 5*time.Minute {
				for _, t := range a.ByRole(RoleToken) {
					if t.Time.After(firstOK.Time) {
						return nil
					}
				}
				return found(Medium, fmt.Sprintf("MCP requests worked from %s, then %s later got 401 (%s) with no token refresh in between.", clock(firstOK.Time), span(firstOK.Time, e.Time), req(e)), firstOK, e)
			}
		}
		return nil
	},
}
