package parse

import "testing"

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
