package scrub

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/zricethezav/gitleaks/v8/detect"
)

// Credentials of many vendors, as they reach a log line: bare, after a
// name, in a header, in JSON. Values are made up with the vendors' shapes.
var planted = []string{
	"key AIzaSyD4f9XkQ2mL8vN3pR7tW1yB6cH0jE5gK2s in the query",
	"GITLAB_TOKEN=glpat-x7Kq2mNp9vRt4wYz6bCd",
	"hub token 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 used",
	"sendgrid 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",
	"x-api-key: sk-ant-api03-" + mixed(93) + "AA",
	"OPENAI_API_KEY=sk-proj-" + mixed(74) + "T3BlbkFJ" + mixed(74)[3:] + "xyz",
	"npm token npm_" + strings.ToLower(mixed(36)),
	"shopify 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",
	"stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc",
	`{"aws_secret_access_key":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQw8Rt5Yp2Lk"}`,
	`password = "Xq3vR9tL2wN7pQ8z"`,
	"Authorization: token ghp_R4tY7uI0oP3aS5dF7gH9jK1lZ3xC5vB8nM2q",
	"xoxb-1234567890123-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
}

// Values a maintainer needs to trace an attempt; none is a secret.
var public = []string{
	`GET /authorize?response_type=code&client_id=c_2mQ8vT1xR4&redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback&code_challenge=Q0f4xV1pWm8nR2tY6uI0oP3aS5dF7gH9jK1lZ3xC5vB&code_challenge_method=S256&state=st_4kR9wQ2mN8&scope=mcp&resource=https%3A%2F%2Fmcp.example.com%2Fmcp`,
	`"authorization_endpoint":"https://mcp.example.com/authorize","token_endpoint":"https://mcp.example.com/token"`,
	`ofid_3b5554ba7fdde381 at 2026-11-24 08:55:20 UTC`,
	`cf-ray: 8f1a2b3c4d5e6f72-AMS x-request-id: 7f3a9c1e-2b4d-4e6f-8a0b-1c2d3e4f5a6b`,
	`Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36`,
	`auth=present token=[redacted:1a2b3c] "Authorization":["[redacted:9f8e7d]"]`,
	`160.79.106.35 - - [24/Nov/2026:08:52:49 +0000] "POST /token HTTP/1.1" 200 1187 "-" "python-httpx/0.28.1" rt=0.004`,
}

// mixed returns n letters and digits of a made-up token.
func mixed(n int) string {
	const alphabet = "Zq7Xk2Pm9Lw4Rt8Nv3Bc6Hy1Jd5Fg0Ks"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[(i*7+i/len(alphabet))%len(alphabet)]
	}
	return string(b)
}

func detector(t *testing.T) *detect.Detector {
	t.Helper()
	d, err := detect.NewDetectorDefaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// What scrub finds is what gitleaks' own detector finds, secret by
// secret: the two read the same rules the same way.
func TestAgreesWithGitleaksDetector(t *testing.T) {
	d := detector(t)
	for _, line := range append(slices.Clone(planted), public...) {
		var want []string
		for _, f := range d.DetectString(line) {
			want = append(want, f.Secret)
		}
		var got []string
		for _, sp := range find(line) {
			got = append(got, line[sp.start:sp.end])
		}
		slices.Sort(want)
		want = slices.Compact(want)
		if !slices.Equal(got, want) && !covers(got, want) {
			t.Errorf("%s\n scrub finds %q\n gitleaks finds %q", line, got, want)
		}
	}
}

// covers: every secret gitleaks reports lies inside one scrub masks (two
// rules that see one secret are masked as one span).
func covers(got, want []string) bool {
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, w) }) {
			return false
		}
	}
	return len(want) > 0
}

func TestStringMasksEveryPlantedSecret(t *testing.T) {
	d := detector(t)
	for _, line := range planted {
		out := String(line)
		if out == line {
			t.Errorf("nothing masked in %q", line)
			continue
		}
		if !strings.Contains(out, MarkerPrefix+":") {
			t.Errorf("no marker in %q", out)
		}
		if fs := d.DetectString(out); len(fs) > 0 {
			t.Errorf("gitleaks still finds %s in %q", fs[0].RuleID, out)
		}
		if again := String(out); again != out {
			t.Errorf("not idempotent: %q -> %q", out, again)
		}
	}
}

func TestStringKeepsPublicValues(t *testing.T) {
	for _, line := range public {
		if out := String(line); out != line {
			t.Errorf("changed a line without secrets:\n in: %s\nout: %s", line, out)
		}
	}
}

// A JSON document stays valid JSON, with the secrets gone, whatever
// escapes and quotes surround them.
func TestStringKeepsJSONValid(t *testing.T) {
	doc := map[string]any{"lines": planted, "evidence": `said "token=ghp_R4tY7uI0oP3aS5dF7gH9jK1lZ3xC5vB8nM2q\"" then`}
	for _, indent := range []string{"", "  "} {
		raw, err := json.MarshalIndent(doc, "", indent)
		if err != nil {
			t.Fatal(err)
		}
		out := String(string(raw))
		if !json.Valid([]byte(out)) {
			t.Fatalf("scrubbed JSON is not JSON:\n%s", out)
		}
		if strings.Contains(out, "ghp_R4tY7") || strings.Contains(out, "glpat-x7Kq") {
			t.Errorf("a secret survived in JSON:\n%s", out)
		}
	}
}

// Escapes are never split: a secret that ends in an escaped quote or
// backslash is masked with its escape.
func TestMaskSpansKeepsEscapesWhole(t *testing.T) {
	line := `{"m":"a\\\"SECRET\\\"b","n":"x"}`
	at := func(s string) int { return strings.Index(line, s) }
	for _, sp := range []span{
		{at(`\"SECRET`) + 1, at(`SECRET`) + 6}, // starts inside \\, ends before \\
		{at(`SECRET`) - 1, at(`SECRET`) + 7},   // starts and ends inside an escape
		{at(`SECRET`), at(`","n"`) + 2},        // runs over the closing quote
	} {
		out := maskSpans(line, []span{sp})
		var v map[string]string
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Errorf("span %q: %v: %s", line[sp.start:sp.end], err, out)
		}
	}
}

func TestWriterScrubsLineByLine(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	secret := "glpat-x7Kq2mNp9vRt4wYz6bCd"
	// Written in pieces that split the secret.
	for _, piece := range []string{"one GITLAB_TOKEN=", secret[:9], secret[9:], "\r", "progress 50%\rtwo ", "GITLAB_TOKEN=" + secret} {
		if _, err := w.Write([]byte(piece)); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Contains(buf.String(), "two") {
		t.Errorf("an unfinished line was written before Close: %q", buf.String())
	}
	if !strings.Contains(buf.String(), "progress 50%\r") {
		t.Errorf("a line ended by \\r waits: %q", buf.String())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "x7Kq2") || strings.Count(buf.String(), MarkerPrefix) != 2 {
		t.Errorf("secrets split across writes survived: %q", buf.String())
	}
	if !strings.HasSuffix(buf.String(), "two GITLAB_TOKEN="+Marker([]byte(secret))) {
		t.Errorf("Close did not write the last line: %q", buf.String())
	}
}

// A line with no end is written in bounded pieces, not held whole.
func TestWriterBoundsWhatItHolds(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	for range 3 * maxPending / len(chunk) {
		w.Write(chunk)
	}
	if len(w.pending) > maxPending {
		t.Errorf("holds %d bytes", len(w.pending))
	}
	w.Close()
	if buf.Len() != 3*maxPending {
		t.Errorf("wrote %d bytes, want %d", buf.Len(), 3*maxPending)
	}
}

func TestDisableForTest(t *testing.T) {
	restore := DisableForTest()
	if String(planted[0]) != planted[0] {
		t.Error("still scrubbing while disabled")
	}
	restore()
	if String(planted[0]) == planted[0] {
		t.Error("not scrubbing after restore")
	}
}

func BenchmarkString(b *testing.B) {
	text := strings.Repeat(public[0]+"\n"+public[4]+"\n", 50)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		String(text)
	}
}
