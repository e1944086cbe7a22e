package parse

import (
	"strings"
	"testing"
)

// An application's words, in the shapes people's loggers write them.
func TestSignalsOf(t *testing.T) {
	tests := []struct {
		text string
		want Signal
		not  Signal
	}{
		{"auth header present: false", SigBearerMissing, 0},
		{"authorization_present=false path=/mcp", SigBearerMissing, 0},
		{"token is blank", SigBearerMissing, 0},
		{"Missing authentication token", SigBearerMissing, 0},
		{"request rejected: no bearer token", SigBearerMissing, 0},
		{"Authorization header not provided", SigBearerMissing, 0},
		{"refresh token is null, skipping rotation", 0, SigBearerMissing},
		{"auth header present: true", 0, SigBearerMissing},
		{"invalid_token: signature expired", SigTokenRejected, SigBearerMissing},
		{"Uvicorn running on http://0.0.0.0:8000/mcp (Press CTRL+C to quit)", SigServesAt, 0},
		{"MCP server listening at http://localhost:3000/api/mcp", SigServesAt, 0},
		{"Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)", 0, SigServesAt},
		{`registered client client_name="Claude" redirect_uris=[https://claude.ai/api/mcp/auth_callback]`, SigClaudeNamed, 0},
		{`initialize from clientInfo {"name":"claude-ai","version":"0.1.0"}`, SigClaudeNamed, 0},
		{"see ofid_0123456789abcdef", SigClaudeNamed, 0},
		{"client claude-code connected", 0, SigClaudeNamed},
		// Words people's servers use that the first patterns missed.
		{"rejecting unauthenticated request to /mcp", SigBearerMissing, 0},
		{"401: authentication required", SigBearerMissing, 0},
		{"request has no credentials", SigBearerMissing, 0},
		{"Could not validate credentials", SigTokenRejected, SigBearerMissing},
		{"JWT verification failed: kid not found", SigTokenRejected, 0},
		{"failed to verify access token: exp in the past", SigTokenRejected, 0},
		// A presented bearer, and the TypeScript SDK's challenge that names
		// invalid_token for a missing header.
		{"auth header present: true", SigBearerPresent, SigBearerMissing},
		{"got a bearer token, checking its audience", SigBearerPresent, 0},
		{`Bearer error="invalid_token", error_description="Missing Authorization header"`, SigBearerMissing | SigTokenRejected, SigBearerPresent},
		// Claude's client-metadata document could not be fetched.
		{"failed to fetch client metadata document for https://claude.ai/oauth/mcp-oauth-client-metadata: 403", SigCIMDFetchFailed | SigClaudeNamed, 0},
		{"client_id metadata document download returned 404", SigCIMDFetchFailed, 0},
		{"fetched client metadata document in 80ms", 0, SigCIMDFetchFailed},
		// Codes issued and never exchanged.
		{"authorization code ac_81 was never redeemed", SigCodeUnredeemed, 0},
		{"3 unused authorization codes purged", SigCodeUnredeemed, 0},
		{"code ac_81 expired unused", SigCodeUnredeemed, 0},
		{"authorization code redeemed by c_7Hq2xK9pLm", 0, SigCodeUnredeemed},
	}
	for _, tt := range tests {
		got := SignalsOf(tt.text)
		if tt.want != 0 && !got.Has(tt.want) {
			t.Errorf("SignalsOf(%q) = %v, lacks %v", tt.text, got.Names(), tt.want.Names())
		}
		if tt.not != 0 && got&tt.not != 0 {
			t.Errorf("SignalsOf(%q) = %v, must not have %v", tt.text, got.Names(), tt.not.Names())
		}
	}
}

func TestSignalsOfReasonsWithURLs(t *testing.T) {
	if got := SignalsOf("registration rejected: redirect_uri https://claude.ai/api/mcp/auth_callback is not allowed"); !got.Has(SigRedirectURI) {
		t.Errorf("a refused redirect URI named by its URL: got %v", got.Names())
	}
}

// A table of issued codes whose "redeemed" column is empty.
func TestCodeTableSignals(t *testing.T) {
	in := "| code | client_id | created_at | redeemed_at |\n|---|---|---|---|\n" +
		"| ac_9f2 | c_7Hq2xK9pLm | 2026-11-24 14:02:40 | NULL |\n" +
		"| ac_9f3 | c_7Hq2xK9pLm | 2026-11-24 14:05:12 | 2026-11-24 14:05:13 |\n"
	ps, _ := Parsers(Config{})
	s := NewScanner(strings.NewReader(in), "codes.md", ps, 0)
	var got []Signal
	for s.Next() {
		got = append(got, s.Event().Signals)
	}
	if len(got) != 1 || !got[0].Has(SigCodeUnredeemed) {
		t.Errorf("signals per row %v; want one row, a code never redeemed", got)
	}
}
