package parse

import (
	"regexp"
	"strings"
	"testing"
)

// Secrets planted in every place a log line can carry them. Each case
// lists what must disappear and what must stay readable.
func TestRedact(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl"
	tests := []struct {
		name     string
		in       string
		secrets  []string
		keep     []string
		unchange bool
	}{
		{name: "callback query", in: `"GET /api/mcp/auth_callback?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj HTTP/1.1"`,
			secrets: []string{"SplxlOBeZQQYbYS6WxSbIA"}, keep: []string{"state=af0ifjsldkj", "code=" + Redacted}},
		{name: "token form body", in: `grant_type=authorization_code&code=Qcb0Orv1zh30vL1MPRsbm&redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback&code_verifier=dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk&client_id=c_1&client_secret=s3cr3t-Value-99`,
			secrets: []string{"Qcb0Orv1zh30vL1MPRsbm", "dBjftJeZ4CVP", "s3cr3t-Value-99"}, keep: []string{"grant_type=authorization_code", "client_id=c_1", "redirect_uri="}},
		{name: "authorize query keeps public values", in: `/authorize?response_type=code&client_id=abc&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&state=xyz`,
			unchange: true},
		{name: "bearer header", in: `Authorization: Bearer 2YotnFZFEjr1zCsicMWpAA`, secrets: []string{"2YotnFZFEjr1zCsicMWpAA"}, keep: []string{"Bearer " + Redacted}},
		{name: "basic header", in: `"authorization":"Basic dXNlcjpwYXNzd29yZA=="`, secrets: []string{"dXNlcjpwYXNzd29yZA"}},
		{name: "challenge is not a credential", in: `WWW-Authenticate: Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"`, unchange: true},
		{name: "challenge with error", in: `Bearer error="invalid_token", error_description="Missing Authorization header"`, unchange: true},
		{name: "jwt anywhere", in: "token minted " + jwt + " for client c_1", secrets: []string{jwt, "c2lnbmF0dXJl"}, keep: []string{"for client c_1"}},
		{name: "json token response", in: `{"access_token":"at_9f8e7d6c5b4a","token_type":"Bearer","refresh_token":"rt_1a2b3c4d","expires_in":3600}`,
			secrets: []string{"at_9f8e7d6c5b4a", "rt_1a2b3c4d"}, keep: []string{`"token_type":"Bearer"`, `"expires_in":3600`}},
		{name: "caddy header arrays", in: `"headers":{"Authorization":["Bearer abc123def456ghi"],"Cookie":["session=9f8e7d6c"],"User-Agent":["Claude-User"]}`,
			secrets: []string{"abc123def456ghi", "9f8e7d6c"}, keep: []string{`"User-Agent":["Claude-User"]`}},
		{name: "nginx-escaped json body", in: `{\x22client_secret\x22:\x22cs_live_77aa88bb\x22,\x22client_name\x22:\x22Claude\x22}`,
			secrets: []string{"cs_live_77aa88bb"}, keep: []string{"client_name"}},
		{name: "json inside json", in: `"body":"{\"code_verifier\":\"v3r1f13r-s3cr3t\"}"`, secrets: []string{"v3r1f13r-s3cr3t"}},
		{name: "cookie header line", in: `Cookie: sid=abc123; theme=dark`, secrets: []string{"abc123", "theme=dark"}},
		{name: "api key in url", in: `POST /mcp?apiKey=sk_live_51HqLyxA8Rn3Vw9T&tenant=acme`, secrets: []string{"sk_live_51HqLyxA8Rn3Vw9T"}, keep: []string{"tenant=acme"}},
		{name: "location header with code", in: `"Location":["https://claude.ai/api/mcp/auth_callback?code=ac_55ff66&state=st_1"]`, secrets: []string{"ac_55ff66"}, keep: []string{"state=st_1"}},
		{name: "credentials known by their shape", in: `"logs":[{"message":["stripe key","sk_live_51HqLyxA8Rn3Vw9TzZ","gh token ghp_0123456789abcdefghijABCDEFGHIJ","ya29.a0AfH6SMBx3bWQxYZ-123456789abc"]}]`,
			secrets: []string{"51HqLyxA8Rn3Vw9TzZ", "ghp_0123456789", "ya29.a0AfH6SMBx"}, keep: []string{"stripe key"}},
		{name: "presence words stay", in: `rt=0.012 auth=present token=- code=absent`, unchange: true},
		{name: "ordinary line", in: `160.79.106.35 - - [18/Nov/2026:09:14:02 +0000] "POST /mcp HTTP/1.1" 401 68 "-" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"`, unchange: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RedactString(tt.in)
			if tt.unchange && got != tt.in {
				t.Errorf("changed a line without secrets:\n in: %s\nout: %s", tt.in, got)
			}
			for _, s := range tt.secrets {
				if strings.Contains(got, s) {
					t.Errorf("secret %q survived: %s", s, got)
				}
			}
			for _, k := range tt.keep {
				if !strings.Contains(got, k) {
					t.Errorf("lost %q: %s", k, got)
				}
			}
			if again := RedactString(got); again != got {
				t.Errorf("not idempotent:\n once: %s\ntwice: %s", got, again)
			}
		})
	}
}

func TestIndexFold(t *testing.T) {
	for _, tt := range []struct {
		s, needle string
		want      int
	}{
		{"xxBEARER y", "bearer", 2}, {"Bearer", "bearer", 0}, {"bea", "bearer", -1}, {"", "a", -1}, {"aXcode", "code", 2},
	} {
		if got := indexFold([]byte(tt.s), []byte(tt.needle)); got != tt.want {
			t.Errorf("indexFold(%q, %q) = %d, want %d", tt.s, tt.needle, got, tt.want)
		}
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("code=abc&state=x")
	f.Add(`{"access_token":"x"}`)
	f.Add("Bearer abcdefghijklmnop")
	f.Fuzz(func(t *testing.T, s string) {
		once := Redact([]byte(s))
		if twice := Redact(once); string(twice) != string(once) {
			t.Errorf("not idempotent: %q -> %q -> %q", s, once, twice)
		}
	})
}

// The prefilter only saves time: whatever it lets through unredacted, the
// full set of patterns leaves unchanged too.
func FuzzRedactPrefilterAgrees(f *testing.F) {
	for _, s := range []string{"code=abc", `{"access_token" : "x"}`, `{\x22client_secret\x22 :\x22v\x22}`, "Basic dXNlcjpwYXNzd29yZA==",
		"Cookie: a=b", `"body":"{\"refresh_token\":\"r\"}"`, "x-api-key: k", "GET /?apikey=1&q=2", "eyJabcdef.eyJabcdef.sig"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(Redact([]byte(s))), string(redactAll([]byte(s))); got != want {
			t.Errorf("prefilter skipped a line the patterns change:\n in: %q\nout: %q\nwant: %q", s, got, want)
		}
	})
}

// The marker keeps a fingerprint: the same token reads the same in two
// lines, a different one differently, and neither shows the value.
func TestRedactFingerprint(t *testing.T) {
	a := RedactString(`Authorization: Bearer tok_AAAAAAAAAAAA1`)
	b := RedactString(`GET /cb?access_token=tok_AAAAAAAAAAAA1`)
	c := RedactString(`Authorization: Bearer tok_BBBBBBBBBBBB2`)
	fp := regexp.MustCompile(`\[redacted:([0-9a-f]{6})\]`)
	ma, mb, mc := fp.FindStringSubmatch(a), fp.FindStringSubmatch(b), fp.FindStringSubmatch(c)
	if ma == nil || mb == nil || mc == nil {
		t.Fatalf("markers missing: %q %q %q", a, b, c)
	}
	if ma[1] != mb[1] {
		t.Errorf("the same token got two fingerprints: %s %s", ma[1], mb[1])
	}
	if ma[1] == mc[1] {
		t.Errorf("two tokens got one fingerprint: %s", ma[1])
	}
	if strings.Contains(a+b+c, "tok_") {
		t.Errorf("a value survived: %s %s %s", a, b, c)
	}
}
