package parse

import (
	"bytes"
	"fmt"
	"net/url"
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
		{"bbbbBbbBEARER", "bearer", 7}, {"beare", "bearer", -1}, {"xbearer", "bearer", 1}, {"123", "", 0},
	} {
		if got := indexFold([]byte(tt.s), []byte(tt.needle)); got != tt.want {
			t.Errorf("indexFold(%q, %q) = %d, want %d", tt.s, tt.needle, got, tt.want)
		}
	}
}

// The search reads each byte a bounded number of times whatever the
// line: the inputs that made it quadratic (many lower-case first letters
// and no upper-case one, and the reverse) included.
func TestIndexFoldIsLinear(t *testing.T) {
	const n = 1 << 20
	for name, s := range map[string][]byte{
		"lower first letters": bytes.Repeat([]byte("b"), n),
		"upper first letters": bytes.Repeat([]byte("B"), n),
		"near misses":         bytes.Repeat([]byte("beareX"), n/6),
		"mixed":               bytes.Repeat([]byte("bBeEaArR"), n/8),
		"hex":                 []byte(strings.Repeat("0123456789abcdef", n/16)),
	} {
		_, scanned := indexFoldScanned(s, []byte("bearer"))
		if limit := (2 + len("bearer")) * len(s); scanned > limit {
			t.Errorf("%s: read %d bytes of a %d-byte line (limit %d)", name, scanned, len(s), limit)
		}
	}
}

// hostileLines are long lines of the shapes that made redaction
// quadratic or that every finder looks at: one per finder's trigger.
func hostileLines(n int) map[string][]byte {
	hex := strings.Repeat("0123456789abcdef", n/16)
	return map[string][]byte{
		"letters":         bytes.Repeat([]byte("b"), n),
		"hex query":       []byte(`203.0.113.9 - - [24/Nov/2026:08:52:49 +0000] "GET /search?q=` + hex + ` HTTP/1.1" 200 5 "-" "curl/8"`),
		"secret names":    bytes.Repeat([]byte("key=key="), n/8),
		"empty values":    bytes.Repeat([]byte("token=&"), n/7),
		"colons":          bytes.Repeat([]byte("token: "), n/7),
		"quotes":          bytes.Repeat([]byte(`"secret":"`), n/10),
		"encoded":         bytes.Repeat([]byte("%41"), n/3),
		"encoded names":   bytes.Repeat([]byte("code%3D"), n/7),
		"schemes":         bytes.Repeat([]byte("Bearer "), n/7),
		"urls":            bytes.Repeat([]byte("https://a:"), n/10),
		"slashes":         bytes.Repeat([]byte("/"), n),
		"path segments":   bytes.Repeat([]byte("/a1b2c3d4e5f6a7b8c9d0e1f2g3"), n/27),
		"prefixes":        bytes.Repeat([]byte("sk-ghp_eyJAIzaSG.gl"), n/19),
		"one long secret": []byte("access_token=" + strings.Repeat("A", n)),
	}
}

// Redaction ends on every hostile line of a few megabytes (a quadratic
// search took minutes on one; BenchmarkRedactLongLine measures the time),
// and masks what it must.
func TestRedactHostileLines(t *testing.T) {
	for name, line := range hostileLines(4 << 20) {
		out := Redact(line)
		if name == "one long secret" && bytes.Contains(out, []byte("AAAA")) {
			t.Errorf("%s: the value survived", name)
		}
	}
}

func BenchmarkRedactLongLine(b *testing.B) {
	for _, n := range []int{1 << 20, 4 << 20, 16 << 20} {
		for name, line := range hostileLines(n) {
			b.Run(fmt.Sprintf("%s/%dMB", strings.ReplaceAll(name, " ", "_"), n>>20), func(b *testing.B) {
				b.SetBytes(int64(len(line)))
				for b.Loop() {
					Redact(line)
				}
			})
		}
	}
}

// Every credential family, in every position a log gives it: bare, after
// a name, as a path segment, encoded inside another parameter, in JSON,
// in a header, followed by whatever comes next.
func TestRedactFamilies(t *testing.T) {
	families := map[string]string{
		"google":       "AIzaSyD4f9XkQ2mL8vN3pR7tW1yB6cH0jE5gK2s",
		"gitlab":       "glpat-x7Kq2mNp9vRt4wYz6bCd",
		"huggingface":  "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",
		"sendgrid":     "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",
		"anthropic":    "sk-ant-api03-Zq7Xk2Pm9Lw4Rt8Nv3Bc6Hy1Jd5Fg0Ks",
		"openai":       "sk-proj-Tq8Wv3Xn6Yp1Zr4As7Bd0Ce2Df5Eg9",
		"openai-older": "sk-Tq8Wv3Xn6Yp1Zr4As7Bd0Ce2Df5Eg9Hk2Jm5",
		"github":       "ghp_R4tY7uI0oP3aS5dF7gH9jK1lZ3xC5vB8nM2q",
		"stripe":       "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
		"slack":        "xoxb-1234567890-AbCdEfGhIjKl",
		"aws":          "AKIAIOSFODNN7QWERTYU",
		"npm":          "npm_4xq8wv3xn6yp1zr4as7bd0ce2df5eg9hk2jm5",
		"jwt":          "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
	}
	positions := map[string]string{
		"bare":             "key is %s here",
		"query then &":     "GET /mcp?k=%s&tenant=acme HTTP/1.1",
		"path segment":     "GET /v1/%s/sse HTTP/1.1",
		"end of path":      "POST /mcp/%s HTTP/1.1",
		"json":             `{"message":"using %s"}`,
		"glued":            "x%s)",
		"encoded in param": "GET /cb?redirect_uri=" + url.QueryEscape("https://claude.ai/cb?key=%s&x=1") + " HTTP/1.1",
		"after encoded =":  "GET /cb?next=a%%3D%s HTTP/1.1",
		"nginx-escaped":    `"k":"%s"`,
		"json in json":     `"body":"{"k":"%s"}"`,
		"after newline esc": `"stack":"line1
%s"`,
	}
	for fam, secret := range families {
		for pos, format := range positions {
			line := strings.Replace(format, "%25s", "%s", 1)
			line = fmt.Sprintf(line, secret)
			got := RedactString(line)
			if strings.Contains(got, secret[4:]) || strings.Contains(got, url.QueryEscape(secret)[4:]) {
				t.Errorf("%s %s survived: %s", fam, pos, got)
			}
			if !strings.Contains(got, Redacted) {
				t.Errorf("%s %s: no marker: %s", fam, pos, got)
			}
		}
	}
}

// Secrets found by their name, however the name is written.
func TestRedactByName(t *testing.T) {
	tests := []struct{ in, secret, keep string }{
		{`{"accessToken":"at9f8e7d6c5b4a"}`, "at9f8e7d6c5b4a", `"accessToken":"`},
		{`{"refreshToken": "rt1a2b3c4d5e"}`, "rt1a2b3c4d5e", ""},
		{`{"clientSecret":"cs77aa88bb99"}`, "cs77aa88bb99", ""},
		{`x-auth-token: 7f3a9c1e2b4d4e6f`, "7f3a9c1e2b4d4e6f", "x-auth-token: "},
		{`X-Auth-Token=7f3a9c1e2b4d4e6f rt=0.01`, "7f3a9c1e2b4d4e6f", "rt=0.01"},
		{`Authorization: Token 9a8b7c6d5e4f3a2b`, "9a8b7c6d5e4f3a2b", "Authorization: Token "},
		{`authorization: Token 9a8b7c6d5e4f3a2b`, "9a8b7c6d5e4f3a2b", ""},
		{`"authorization":"Token 9a8b7c6d5e4f3a2b"`, "9a8b7c6d5e4f3a2b", ""},
		{`X-Acme-Auth: Zm9vYmFyYmF6cXV4`, "Zm9vYmFyYmF6cXV4", "X-Acme-Auth: "},
		{`aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQw8Rt5Yp2Lk`, "wJalrXUtnFEMI", ""},
		{`AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQw8Rt5Yp2Lk`, "wJalrXUtnFEMI", ""},
		{`POST /login password=hunter2&user=ann`, "hunter2", "user=ann"},
		{`GET /x?pwd=hunter2 HTTP/1.1`, "hunter2", ""},
		{`GET /x?sessionid=s3ss10n99 HTTP/1.1`, "s3ss10n99", ""},
		{`"Referer":"https://ann:Sup3rS3cret@mcp.example.com/authorize"`, "Sup3rS3cret", "https://ann:"},
		{`203.0.113.5 - - [24/Nov/2026:08:52:49 +0000] "GET / HTTP/1.1" 200 5 "https://ann:Sup3rS3cret@mcp.example.com/" "curl/8"`, "Sup3rS3cret", "@mcp.example.com/"},
		{`upstream: "postgres://app:Pg-Pass-42@db.internal:5432/app"`, "Pg-Pass-42", ""},
		{"GET /cb?redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback%3Fcode%3DSplxlOBeZQQYbYS6WxSbIA%26state%3Dst1 HTTP/1.1", "SplxlOBeZQQYbYS6WxSbIA", "state%3Dst1"},
		{"GET /cb?u=https%253A%252F%252Fx%252Fcb%253Fcode%253DSplxlOBeZQQYbYS6WxSbIA HTTP/1.1", "SplxlOBeZQQYbYS6WxSbIA", ""},
		{"Authorization%3A%20Bearer%20abcdef1234567890", "abcdef1234567890", ""},
		{"GET /mcp/8f3a9c1e2b4d4e6f8a0b1c2d3e4f5a6b/sse HTTP/1.1", "8f3a9c1e2b4d4e6f8a0b1c2d3e4f5a6b", "/sse"},
		{"-----BEGIN RSA PRIVATE KEY-----MIIEpAIBAAKCAQEA7bq-----END RSA PRIVATE KEY-----", "MIIEpAIBAAKCAQEA7bq", ""},
	}
	for _, tt := range tests {
		got := RedactString(tt.in)
		if strings.Contains(got, tt.secret) {
			t.Errorf("secret %q survived: %s", tt.secret, got)
		}
		if !strings.Contains(got, tt.keep) {
			t.Errorf("lost %q: %s", tt.keep, got)
		}
		if again := RedactString(got); again != got {
			t.Errorf("not idempotent:\n once: %s\ntwice: %s", got, again)
		}
	}
}

// Public values of the flow and the app's own words stay as they are.
func TestRedactKeepsPublicValues(t *testing.T) {
	for _, line := range []string{
		`GET /authorize?response_type=code&client_id=c_2mQ8vT1xR4&redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback&code_challenge=Q0f4xV1pWm8nR2tY6uI0oP3aS5dF7gH9jK1lZ3xC5vB&code_challenge_method=S256&state=st_4kR9wQ2mN8&scope=mcp&resource=https%3A%2F%2Fmcp.example.com%2Fmcp HTTP/1.1`,
		`GET /.well-known/oauth-protected-resource/mcp HTTP/1.1`,
		`GET /.well-known/oauth-authorization-server HTTP/1.1`,
		`mcptriage ofid_3b5554ba7fdde381 cf-ray: 8f1a2b3c4d5e6f72-AMS`,
		`{"time":"2026-11-24T09:14:02Z","msg":"request","path":"/mcp","status":401,"authorization":false,"code":401,"request_id":"7f3a9c1e"}`,
		`authn: rejected, no Authorization header or not a Bearer value`,
		`token: expired`,
		`Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36`,
		`"headers":{"Authorization":[],"User-Agent":["Claude-User"]}`,
		`WWW-Authenticate: Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"`,
		`upstream: "http://127.0.0.1:8000/mcp", host: "mcp.example.com"`,
		`2026/11/24 09:14:52 [error] 29#29: *1841 upstream timed out`,
	} {
		if got := RedactString(line); got != line {
			t.Errorf("changed a line without secrets:\n in: %s\nout: %s", line, got)
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
	for _, s := range []string{"code=abc", `{"access_token" : "x"}`, "a%3Dcode%3Dx", "https://u:p@h/", "/a1b2c3d4e5f6a7b8c9d0e1f2g3/", "x AIzaSyD4f9XkQ2mL8vN3pR7tW1yB6cH0jE5gK2s", "accessToken: abcdef123456", "X-Acme-Auth: Zm9vYmFyYmF6cXV4", `{\x22client_secret\x22 :\x22v\x22}`, "Basic dXNlcjpwYXNzd29yZA==",
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

func TestLooksRandom(t *testing.T) {
	for v, want := range map[string]bool{
		"ff09ce3533f345c637735c20447fb0d5":     true, // hex key, entropy 3.42
		"7f3a9c1e-2b4d-4e6f-8a0b-1c2d3e4f5a6b": true,
		"Zq7Xk2Pm9Lw4Rt8Nv3Bc6Hy1Jd5Fg0Ks":     true,
		"oauth-protected-resource":             false,
		"release-notes-2026-11-24-final":       false,
		"v1-2023-11-release-notes":             false,
		"aaaaaaaaaaaaaaaaaaaaaaaa1111":         false,
	} {
		if got := looksRandom([]byte(v)); got != want {
			t.Errorf("looksRandom(%q) = %v, want %v", v, got, want)
		}
	}
}

// Words that say whether a credential was there, and statuses, are not
// secrets: masking them hides the very facts the rules read.
func TestRedactKeepsPresenceAndStatus(t *testing.T) {
	for _, line := range []string{
		"method=POST path=/token status=400 code=400",
		"auth=absent", "auth=present", "auth=(none)", "auth=none", "has_auth=false", `"authorization": false`,
		"access_token=null", "authorization=missing",
	} {
		if got := RedactString(line); got != line {
			t.Errorf("Redact(%q) = %q: nothing there is secret", line, got)
		}
	}
	for _, line := range []string{"code=4fXk29Qa81Zr", "password=1234", "auth=Bearer abcdefghijklmnop"} {
		if got := RedactString(line); got == line {
			t.Errorf("Redact(%q) kept it: it is a credential", line)
		}
	}
}
