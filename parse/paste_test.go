package parse

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
)

// parseGeneric reads one line with the fallback reader, as a paste's.
func parseGeneric(t *testing.T, line string) (*Event, error) {
	t.Helper()
	p := &genericParser{}
	ev := &Event{}
	err := p.Parse(Redact([]byte(line)), ev)
	return ev, err
}

// Fields are found by their shape and their key, in any order and dress.
func TestPastedRequests(t *testing.T) {
	tests := []struct {
		line                 string
		method, path, status string // status "" for none expected
		ua, peer, host       string
		assumed              bool
	}{
		{line: "method=POST path=/mcp status=401", method: "POST", path: "/mcp", status: "401"},
		{line: "status=401 path=/mcp method=post", method: "POST", path: "/mcp", status: "401"},
		{line: `uri="/token" statusCode=400 verb=POST remote_ip=160.79.106.121 agent="python-httpx/0.28.1"`, method: "POST", path: "/token", status: "400", ua: "python-httpx/0.28.1", peer: "160.79.106.121"},
		{line: "POST 401 https://mcp.example.com/mcp", method: "POST", path: "/mcp", status: "401", host: "mcp.example.com"},
		{line: "/token – 404", method: "POST", path: "/token", status: "404", assumed: true},
		{line: "/.well-known/oauth-protected-resource returned 404", method: "GET", path: "/.well-known/oauth-protected-resource", status: "404", assumed: true},
		{line: "- `POST /mcp` → **401** (Claude-User, 160.79.107.8)", method: "POST", path: "/mcp", status: "401", ua: "Claude-User", peer: "160.79.107.8"},
		{line: "3. GET /oauth/<client_id>/authorize 302", method: "GET", path: "/oauth/<client_id>/authorize", status: "302"},
		{line: "POST /tenants/[redacted]/mcp 401", method: "POST", path: "/tenants/[redacted]/mcp", status: "401"},
		{line: "POST /api/…/mcp -> 401", method: "POST", path: "/api/…/mcp", status: "401"},
		{line: "Line 42: POST /register 201", method: "POST", path: "/register", status: "201"},
		{line: "\x1b[32mPOST\x1b[0m /mcp \x1b[33m401\x1b[0m", method: "POST", path: "/mcp", status: "401"},
		{line: "POST /mcp 401   ← initial probe", method: "POST", path: "/mcp", status: "401"},
		{line: "GET /.well-known/oauth-protected-resource // 404 here", method: "GET", path: "/.well-known/oauth-protected-resource", status: ""},
		{line: "POST /token 400 (never retried)", method: "POST", path: "/token", status: "400"},
		{line: `"POST /mcp HTTP/1.1" 401`, method: "POST", path: "/mcp", status: "401"},
		{line: "POST /mcp took 250 ms and returned 401", method: "POST", path: "/mcp", status: "401"},
		{line: "GET /authorize?client_id=c_1 302 Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36", method: "GET", path: "/authorize", status: "302", ua: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"},
		{line: "| POST | /mcp | 401 | 160.79.107.8 | Claude-User |", method: "POST", path: "/mcp", status: "401", ua: "Claude-User", peer: "160.79.107.8"},
		{line: "[GET] 302 mcp.example.com/authorize", method: "GET", path: "/authorize", status: "302", host: "mcp.example.com"},
		{line: "https://auth.example.com/authorize?response_type=code&client_id=c_1", method: "GET", path: "/authorize", host: "auth.example.com", assumed: true},
	}
	for _, tt := range tests {
		ev, err := parseGeneric(t, tt.line)
		if err != nil {
			t.Errorf("%q: not read as a request: %v", tt.line, err)
			continue
		}
		got := fmt.Sprintf("%s %s %d ua=%q peer=%v host=%q assumed=%v", ev.Method, ev.Path, ev.Status, ev.UserAgent, ev.Peer, ev.Host, ev.MethodAssumed)
		status := tt.status
		if status == "" {
			status = "0"
		}
		peer := tt.peer
		if peer == "" {
			peer = "invalid IP"
		}
		want := fmt.Sprintf("%s %s %s ua=%q peer=%v host=%q assumed=%v", tt.method, tt.path, status, tt.ua, peer, tt.host, tt.assumed)
		if got != want || !ev.IsRequest() {
			t.Errorf("%q:\n got %s (request %v)\nwant %s", tt.line, got, ev.IsRequest(), want)
		}
	}
}

// A line that mentions a request is not one: a note of absence where
// the status would stand, prose around a path, a URL typed alone.
func TestPastedNotRequests(t *testing.T) {
	for _, line := range []string{
		"POST /token — never called",
		"- POST /oauth/token -> (never called, nothing in the logs)",
		"Claude never retried POST /mcp after the 401",
		"the docs say to use /mcp",
		"GET /docs/setup.md in the README says to use /mcp",
		"https://mcp.example.com/mcp",
		`File "/app/server.py", line 404, in handle`,
		`160.79.106.35 - - [18/Nov/2026:09:14:03 +0000] "POST /mc`,
		"status=401 for the connector, path unknown",
		"| --- | :---: | ---: |",
		"```",
	} {
		ev, err := parseGeneric(t, line)
		if err == nil && ev.IsRequest() {
			t.Errorf("%q read as a request: %s %s %d", line, ev.Method, ev.Path, ev.Status)
		}
	}
}

// What a line names without recording it, and the server's own client,
// are never requests the server received.
func TestNamedAndOutbound(t *testing.T) {
	tests := []struct {
		line     string
		named    bool
		outbound bool
		rpc      string
		path     string
		sig      Signal
	}{
		{line: "INFO Processing request of type CallToolRequest", named: true, rpc: "tools/call"},
		{line: "handled tools/list in 3ms", named: true, rpc: "tools/list"},
		{line: "method=initialize status=200", named: true, rpc: "initialize", path: ""},
		{line: "token request failed: invalid_client", named: true, path: "/token", sig: SigInvalidClient},
		{line: "served authorization server metadata", named: true, path: "/.well-known/oauth-authorization-server"},
		{line: `HTTP Request: POST https://auth.example.com/oauth/token "HTTP/1.1 400 Bad Request"`, outbound: true, path: "/oauth/token"},
		{line: `https://idp.example.com:443 "GET /.well-known/openid-configuration HTTP/1.1" 200 1532`, outbound: true, path: "/.well-known/openid-configuration"},
		{line: `Post "https://auth.example.com/token": context deadline exceeded`, outbound: true, path: "/token", sig: SigTimeout},
		{line: `HTTP Request: GET https://claude.ai/oauth/mcp-oauth-client-metadata "HTTP/1.1 403 Forbidden"`, outbound: true, path: "/oauth/mcp-oauth-client-metadata", sig: SigCIMDFetchFailed},
		{line: "could not load client metadata: fetching https://claude.ai/oauth/mcp-oauth-client-metadata timed out", outbound: true, path: "/oauth/mcp-oauth-client-metadata", sig: SigCIMDFetchFailed},
	}
	for _, tt := range tests {
		ev, err := parseGeneric(t, tt.line)
		if err != nil {
			t.Errorf("%q: %v", tt.line, err)
			continue
		}
		if ev.IsRequest() || ev.Named != tt.named || ev.Outbound != tt.outbound || ev.RPCMethod != tt.rpc || ev.Path != tt.path || !ev.Signals.Has(tt.sig) {
			t.Errorf("%q: request=%v named=%v outbound=%v rpc=%q path=%q signals=%v", tt.line, ev.IsRequest(), ev.Named, ev.Outbound, ev.RPCMethod, ev.Path, ev.Signals.Names())
		}
	}
	for _, line := range []string{
		"initialize the database pool",
		"we should add a registration page some day",
		"token request never arrived after the callback",
		"Redirecting to https://claude.ai/api/mcp/auth_callback?code=abc&state=x",
	} {
		ev, err := parseGeneric(t, line)
		if err == nil && (ev.Named || ev.Outbound) {
			t.Errorf("%q read as named=%v outbound=%v", line, ev.Named, ev.Outbound)
		}
	}
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		in    string
		since time.Duration
		n     int
	}{
		{"14:02:11 POST", 14*time.Hour + 2*time.Minute + 11*time.Second, 8},
		{"9:05:03.123 x", 9*time.Hour + 5*time.Minute + 3*time.Second + 123*time.Millisecond, 11},
		{"14:02:11,5", 14*time.Hour + 2*time.Minute + 11*time.Second + 500*time.Millisecond, 10},
		{"12:00:09 AM", 9 * time.Second, 11},
		{"1:00:00 PM", 13 * time.Hour, 10},
		{"14:02:11Z", 14*time.Hour + 2*time.Minute + 11*time.Second, 9},
		{"24:00:00", 0, 0},
		{"14:02:11:07", 0, 0}, // a duration list, an IPv6 fragment
		{"14:02", 0, 0},
		{"13:00:00 PM", 0, 0},
	}
	for _, tt := range tests {
		c, n := parseClock(tt.in)
		if n != tt.n || n > 0 && c.since != tt.since {
			t.Errorf("parseClock(%q) = %v, %d; want %v, %d", tt.in, c.since, n, tt.since, tt.n)
		}
	}
}

// A time of day takes the date nearest its neighbour's, across midnight
// both ways; with no date anywhere the date is invented and the intervals
// stay real: never the synthetic order-only time.
func TestTimesOfDay(t *testing.T) {
	read := func(in string) []Event {
		ps, _ := Parsers(Config{})
		s := NewScanner(strings.NewReader(in), "x", ps, 0)
		var out []Event
		for s.Next() {
			out = append(out, *s.Event())
		}
		return out
	}
	evs := read("23:59:58 POST /mcp 401\n00:00:03 GET /.well-known/oauth-protected-resource 200\n2026-11-25T00:00:05Z POST /register 201\n23:59:59 GET /late 200\n")
	want := []string{"2026-11-24T23:59:58Z", "2026-11-25T00:00:03Z", "2026-11-25T00:00:05Z", "2026-11-24T23:59:59Z"}
	for i, w := range want {
		if i >= len(evs) || evs[i].Time.Format(time.RFC3339) != w {
			t.Fatalf("dated from the full stamp: %v, want %v", times(evs), want)
		}
	}
	if !evs[0].DateAssumed || evs[0].DateInvented || evs[2].DateAssumed {
		t.Errorf("flags: %+v", evs[:3])
	}

	evs = read("14:02:11 POST /mcp 401\n14:02:12.250 GET /.well-known/oauth-protected-resource 200\n")
	if len(evs) != 2 || !evs[0].DateInvented || IsSynthetic(evs[0].Time) || evs[1].Time.Sub(evs[0].Time) != 1250*time.Millisecond {
		t.Errorf("no date anywhere: %v, invented=%v", times(evs), len(evs) > 0 && evs[0].DateInvented)
	}

	ps, _ := Parsers(Config{})
	s := NewScanner(strings.NewReader("09:00:00 POST /mcp 401\n"), "x", ps, 0)
	for s.Next() {
	}
	if st := s.Stats(); !st.DateAssumed || !st.DateInvented || !st.First.IsZero() {
		t.Errorf("stats: assumed %v invented %v first %v; an invented date is not an input's time range", st.DateAssumed, st.DateInvented, st.First)
	}
}

func times(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Time.Format(time.RFC3339Nano))
	}
	return out
}

// Hostile pastes: huge lines, binary, broken UTF-8, unclosed brackets,
// records that never end. No panic, nothing invented, the rest still read.
func TestPasteHostile(t *testing.T) {
	big := strings.Repeat("POST /a 401 ", 1<<16)
	words := strings.Repeat("( [ { < | `x` ** ", 1<<15)
	inputs := map[string]string{
		"long request line": big + "\n",
		"long decoration":   words + "\n",
		"binary":            "\x00\x01\x02POST /mcp 401\xff\xfe\n",
		"bad utf-8":         "POST /m\xc3\x28cp 401 \xe2\x82 Claude-User\n",
		"unclosed json":     strings.Repeat("{\n", 2000),
		"started forever":   strings.Repeat("Started POST \"/mcp\" for 160.79.107.8 at 2026-11-24 14:02:11 +0000\nProcessing by X\n", 500),
		"pipes":             strings.Repeat("|", 1<<16) + "\n" + strings.Repeat("| a ", 1<<14) + "\n",
		"key blocks":        strings.Repeat("Path: /mcp\nAction: block\n", 1000),
		"paren user agent":  "POST /mcp 401 Mozilla/5.0 " + strings.Repeat("(", 1<<15) + "\n",
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			ps, _ := Parsers(Config{})
			s := NewScanner(strings.NewReader(in+"POST /mcp 401\n"), "x", ps, 2<<20)
			n, last := 0, Event{}
			for s.Next() {
				n++
				last = *s.Event()
			}
			if lines := strings.Count(in, "\n") + 1; n > lines {
				t.Errorf("%d events from %d lines", n, lines)
			}
			if last.Path != "/mcp" || last.Status != 401 {
				t.Errorf("the line after it was not read: %s %s %d", last.Method, last.Path, last.Status)
			}
		})
	}
}

// One line's cost grows with its length, not with what it repeats:
// go test -bench Paste ./parse (compare the ns/op of the sizes).
func BenchmarkPasteLine(b *testing.B) {
	for _, size := range []int{1 << 10, 1 << 14, 1 << 18} {
		for name, unit := range map[string]string{
			"requests":   "POST /a 401 ",
			"decoration": "( [ { < | `x` ** ",
			"pairs":      "path=/a status=401 ",
			"agents":     "Mozilla/5.0 (X11; ",
		} {
			line := []byte(strings.Repeat(unit, size/len(unit)))
			b.Run(fmt.Sprintf("%s/%d", name, size), func(b *testing.B) {
				p := &genericParser{}
				b.SetBytes(int64(len(line)))
				for b.Loop() {
					var ev Event
					_ = p.Parse(line, &ev)
				}
			})
		}
	}
}

// Any paste: no panic; a named or outbound request is never a received
// one; a made-up date is not the synthetic order-only time.
func FuzzPaste(f *testing.F) {
	for _, seed := range []string{
		"- `14:02:11` `POST /mcp` → **401** (python-httpx/0.28.1, 160.79.106.35)",
		"| time | method | path | status |\n|---|---|---|---|\n| 14:02:11 | POST | /mcp | 401 |",
		"time=2026-11-24T14:02:11Z method=POST path=/mcp status=401 user_agent=\"Claude-User\"",
		"Nov 24 14:02:11.326  POST 401 https://mcp.example.com/mcp",
		"Started POST \"/token\" for 160.79.106.121 at 2026-11-24 14:02:11 +0000\nProcessing by X\nCompleted 400 Bad Request in 12ms",
		"POST /mcp 401\n  user-agent: Claude-User\n  authorization: (none)",
		"INFO body: {\n  \"method\": \"initialize\"\n}",
		"Action taken: Block\nUser agent: Claude-User\nPath: /mcp",
		`HTTP Request: GET https://claude.ai/oauth/mcp-oauth-client-metadata "HTTP/1.1 403 Forbidden"`,
		"token request failed: invalid_client",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		ps, err := Parsers(Config{})
		if err != nil {
			t.Fatal(err)
		}
		s := NewScanner(bytes.NewReader([]byte(input)), "fuzz", ps, 8192)
		for s.Next() {
			ev := s.Event()
			if (ev.Named || ev.Outbound) && ev.IsRequest() {
				t.Errorf("a named or outbound request read as received: %+v", *ev)
			}
			if ev.DateInvented && IsSynthetic(ev.Time) {
				t.Errorf("an invented date is the synthetic time: %+v", *ev)
			}
			if ev.IsRequest() && ev.Path == "" {
				t.Errorf("a request without a path: %+v", *ev)
			}
		}
	})
}

// A paste of the usual shapes through the Scanner (records, times of day,
// tables), for throughput: go test -bench PasteTypical ./parse
func BenchmarkPasteTypical(b *testing.B) {
	var in bytes.Buffer
	for _, f := range []string{"paste_markdown", "paste_keyvalue", "paste_platform", "paste_times", "paste_records", "paste_named", "generic_pasted_summary"} {
		ar, err := txtarLog("testdata/formats/" + f + ".txtar")
		if err != nil {
			b.Fatal(err)
		}
		in.Write(ar)
	}
	data := bytes.Repeat(in.Bytes(), 20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		ps, _ := Parsers(Config{})
		s := NewScanner(bytes.NewReader(data), "x", ps, 0)
		for s.Next() {
		}
	}
}

// txtarLog returns the log of a format fixture.
func txtarLog(file string) ([]byte, error) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		return nil, err
	}
	for _, f := range ar.Files {
		if f.Name != "want" && f.Name != "skipped" {
			return f.Data, nil
		}
	}
	return nil, fmt.Errorf("%s: no log", file)
}
