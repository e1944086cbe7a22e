package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mcptriage/mcptriage/probe"
	"github.com/mcptriage/mcptriage/rules"
)

// hostileResult is a probe result carrying what a hostile or broken
// server can send: terminal escapes, C1 controls, bidi overrides, bytes
// that are not UTF-8, wide characters and long unbroken words.
func hostileResult() *probe.Result {
	body := "gone \x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b]0;pwned\x07 \x00nul \x7fdel \u009b31m c1 \u202egnp.exe\u202c bad\xff\xfe utf8 " +
		strings.Repeat("日本語のエラー ", 12) + "x" + strings.Repeat("y", 70)
	return &probe.Result{
		URL: "https://mcp.example.com/mcp",
		Checks: []probe.Check{
			{ID: "url", Stage: rules.StageReach, Status: probe.Pass, Summary: "https on port 443 with the path /mcp"},
			{ID: "probe", Stage: rules.StageProbe, Status: probe.Fail, Mode: rules.ModeWrongConnectorURL,
				Summary: "answered 404 (" + body + "): nothing at /mcp handles MCP.", Fix: "Use the server's documented MCP endpoint.",
				Exchange: &probe.Exchange{Method: "POST", URL: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp", UserAgent: probe.BrowserUA,
					Status: 404, ContentType: "text/plain\x1b[5m", Server: "evil\x1b]8;;https://example.com/\x07", Location: "https://mcp.example.com/\x1b[2J", Body: body}},
			{ID: "discovery.registration", Stage: rules.StageRegistration, Status: probe.Skip, Summary: "not tried: it creates a client on your server (--register tries it)"},
		},
		Requests: 3,
	}
}

// Nothing a server sends reaches the terminal as a control character;
// the JSON keeps it exactly.
func TestProbeTextEscapesServerBytes(t *testing.T) {
	res := hostileResult()
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		if err := WriteProbe(&b, res, Style{Color: color, Width: 80}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if color {
			out = paintCodes.ReplaceAllString(out, "") // our own colours
		}
		for i, r := range out {
			if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x202e || r == 0x202c || r == 0xfffd {
				t.Fatalf("color=%v: %U at byte %d reaches the terminal:\n%q", color, r, i, out)
			}
		}
		for _, want := range []string{`\x1b]52;c;ZXZpbA==\x07`, `\x1b[2J`, `\x00nul`, `\x7fdel`, `\u009b31m`, `\u202egnp.exe\u202c`, `bad\xff\xfe`, `evil\x1b]8;;`} {
			if !strings.Contains(out, want) {
				t.Errorf("color=%v: %s not shown escaped:\n%s", color, want, out)
			}
		}
	}
	var j bytes.Buffer
	if err := WriteProbeJSON(&j, res); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Checks []struct {
			Exchange struct{ Body, Server string }
		}
	}
	if err := json.Unmarshal(j.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if got := back.Checks[1].Exchange.Server; got != "evil\x1b]8;;https://example.com/\x07" {
		t.Errorf("the JSON changed the server header: %q", got)
	}
	if got := back.Checks[1].Exchange.Body; !strings.HasPrefix(got, "gone \x1b]52;c;ZXZpbA==\x07\x1b[2J") {
		t.Errorf("the JSON changed the body: %q", got)
	}
}

// Lines fit the width by display width (a CJK character takes two
// columns), continuation lines are indented, and no word is cut: one
// longer than a line stands alone.
func TestProbeTextFitsTheWidth(t *testing.T) {
	res := hostileResult()
	var words []string
	for _, c := range res.Checks {
		words = append(words, strings.Fields(safe(c.Summary))...)
	}
	for _, width := range []int{80, 60, 120} {
		var b bytes.Buffer
		if err := WriteProbe(&b, res, Style{Width: width}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		funnel, _, _ := strings.Cut(out, "\n\n"+"0 pass") // the tally's lines start at the margin
		funnel, _, _ = strings.Cut(funnel, "\n\n1 pass")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		wide := false
		for i, line := range lines {
			w := textWidth(line)
			if w > width && len(strings.Fields(line)) > 1 {
				t.Errorf("width %d: line %d is %d columns:\n%s", width, i+1, w, line)
			}
			if strings.Contains(line, "日本語") && len(line) > width {
				wide = true // more bytes than columns: measured by display width
			}
			if i > 0 && i < strings.Count(funnel, "\n") && line != "" && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "0 ") && !strings.HasPrefix(line, "1 ") && !strings.HasPrefix(line, "3 ") {
				t.Errorf("width %d: line %d is not indented:\n%s", width, i+1, line)
			}
		}
		if !wide {
			t.Errorf("width %d: no line of CJK text took more bytes than columns:\n%s", width, out)
		}
		if long := "x" + strings.Repeat("y", 70); !strings.Contains(out, long) {
			t.Errorf("width %d: a long word was cut:\n%s", width, out)
		}
		for _, w := range words {
			if !strings.Contains(out, w) {
				t.Errorf("width %d: the word %q was cut", width, w)
			}
		}
	}
}

func TestWrap(t *testing.T) {
	for _, tt := range []struct {
		first, rest, text string
		width             int
		want              string
	}{
		{"a: ", "   ", "one two three four", 13, "a: one two\n   three four\n"},
		{"a: ", "   ", "one two three four", 12, "a: one two\n   three\n   four\n"},
		{"a: ", "   ", "one two three four", 0, "a: one two three four\n"},
		{"> ", "  ", "日本語 日本語 日本語", 9, "> 日本語\n  日本語\n  日本語\n"},
		{"> ", "    ", "short averyveryverylongword end", 10, "> short\n    averyveryverylongword\n    end\n"},
		{"> ", "  ", "", 10, ">\n"},
		{"\x1b[1mfix\x1b[0m ", "    ", "ab cd", 7, "\x1b[1mfix\x1b[0m ab\n    cd\n"},
	} {
		var b strings.Builder
		wrap(&b, tt.first, tt.rest, tt.text, tt.width, nil)
		if b.String() != tt.want {
			t.Errorf("wrap(%q, %q, %q, %d) =\n%q, want\n%q", tt.first, tt.rest, tt.text, tt.width, b.String(), tt.want)
		}
	}
}

// A private CA is said at the top, on the tls line and at the end.
func TestProbeTextSaysPrivateCALoudly(t *testing.T) {
	res := &probe.Result{URL: "https://staging.example.com/mcp", Requests: 1,
		PrivateCA: &probe.PrivateCA{File: "ca.pem", Issuer: "Staging CA", Warning: "the certificate for staging.example.com is from a private CA (\"Staging CA\"): Claude will not accept it."},
		Checks:    []probe.Check{{ID: "tls", Stage: rules.StageReach, Status: probe.Warn, Mode: rules.ModeTLSHandshakeFailure, Summary: "the certificate … private CA"}}}
	var b bytes.Buffer
	if err := WriteProbe(&b, res, Style{Width: 80}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if !strings.HasPrefix(lines[1], "! --cacert ca.pem: the certificate for staging.example.com is from a private CA") {
		t.Errorf("no banner under the title:\n%s", b.String())
	}
	if flat := strings.Join(strings.Fields(b.String()), " "); !strings.Contains(flat, "→ tls_handshake_failure · infrastructure") || !strings.HasSuffix(flat, "The certificate is from a private CA: Claude will not accept it.") {
		t.Errorf("the mode or the last line misses it:\n%s", b.String())
	}
}
