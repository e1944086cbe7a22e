package report

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/mcptriage/mcptriage/parse"
	"github.com/mcptriage/mcptriage/rules"
)

// analyzeArchive runs the analysis on the log files of a txtar archive
// (a rule fixture), the way the CLI does.
func analyzeArchive(t *testing.T, path string) *Report {
	t.Helper()
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return analyzeFiles(t, ar.Files)
}

func analyzeFiles(t *testing.T, files []txtar.File) *Report {
	t.Helper()
	c := rules.NewCollector(rules.Options{})
	var sums []InputSummary
	for _, f := range files {
		ps, err := parse.Parsers(parse.Config{})
		if err != nil {
			t.Fatal(err)
		}
		s := parse.NewScanner(bytes.NewReader(f.Data), f.Name, ps, 0)
		for s.Next() {
			c.Add(s.Event())
		}
		sums = append(sums, InputSummary{Path: f.Name, Format: s.Format(), Stats: s.Stats()})
	}
	return Build(c.Analyze(), sums)
}

func mustOFID(t *testing.T, s string) OFID {
	t.Helper()
	o, err := ParseOFID(s)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestDraftGolden(t *testing.T) {
	fixtures := "../rules/testdata/"
	tests := []struct {
		name  string
		rep   func(t *testing.T) *Report
		opts  func(t *testing.T) DraftOptions
		check func(t *testing.T, d *Draft)
	}{
		{
			name: "callback_redirect_307",
			rep:  func(t *testing.T) *Report { return analyzeFile(t, "three_attempts.log", rules.Options{}) },
			opts: func(t *testing.T) DraftOptions {
				return DraftOptions{OFIDs: []OFID{mustOFID(t, "ofid_3b5554ba7fdde381@2026-11-24T08:55:20Z")}, Browser: "Firefox 146, Ubuntu 26.04"}
			},
			check: func(t *testing.T, d *Draft) {
				want(t, d.Field("where"), WhereAuthorize)
				want(t, d.Field("server-url"), "`https://mcp.example.com/mcp`")
				if len(d.Advice) == 0 {
					t.Error("a server-side failure should come with the advice that a report is probably not the next step")
				}
			},
		},
		{
			name: "edge_blocks_claude_user",
			rep: func(t *testing.T) *Report {
				return analyzeArchive(t, fixtures+"edge_blocks_claude_user/cloudflare_log_names_the_rule.txtar")
			},
			opts: func(t *testing.T) DraftOptions {
				return DraftOptions{OFIDs: []OFID{mustOFID(t, "ofid_0a1b2c3d4e5f6071@2026-11-20T10:00:40+01:00")}}
			},
			check: func(t *testing.T, d *Draft) {
				want(t, d.Field("where"), WhereRedirect)
				if !strings.Contains(d.Field("server-logs"), "(same request)") {
					t.Error("the edge's record of a request should follow the origin's in the logs field")
				}
				if !strings.Contains(d.Field("description"), "participant E as Edge") {
					t.Error("the diagram should show the edge")
				}
			},
		},
		{
			name: "token_never_presented",
			rep: func(t *testing.T) *Report {
				return analyzeArchive(t, fixtures+"token_never_presented/edge_saw_nothing.txtar")
			},
			opts: func(t *testing.T) DraftOptions {
				return DraftOptions{
					OFIDs:       []OFID{mustOFID(t, "ofid_9f8e7d6c5b4a3921@2026-11-20T11:00:45Z"), mustOFID(t, "ofid_1234567890abcdef@2026-11-21T08:00:00Z")},
					ClaudeError: "Authorization with the MCP server failed. You can check your credentials and permissions.",
					WorksIn:     []string{"claude-code", "mcp-remote"},
				}
			},
			check: func(t *testing.T, d *Draft) {
				if !d.OFIDs[1].NoAttempt {
					t.Error("an ofid a day away from any attempt must be reported as having none")
				}
				if !strings.Contains(d.Field("description"), "an edge (CDN/WAF) block: the edge's own log") {
					t.Error("the edge block should be listed as ruled out by the edge's log")
				}
				if len(d.Advice) != 1 {
					t.Errorf("advice %q: only the unmatched ofid deserves a word for a connector-side failure", d.Advice)
				}
			},
		},
		{
			name: "connected",
			rep: func(t *testing.T) *Report {
				return analyzeArchive(t, fixtures+"ui_reports_failure_despite_success/everything_worked.txtar")
			},
			opts: func(t *testing.T) DraftOptions { return DraftOptions{} },
			check: func(t *testing.T, d *Draft) {
				if d.Attempt != 0 || !strings.Contains(strings.Join(d.Advice, " "), "probably not the next step") {
					t.Errorf("no failed attempt: attempt %d, advice %q", d.Attempt, d.Advice)
				}
			},
		},
		{
			name: "user_form_wrong_url",
			rep: func(t *testing.T) *Report {
				return analyzeArchive(t, fixtures+"wrong_connector_url/bare_origin.txtar")
			},
			opts: func(t *testing.T) DraftOptions {
				return DraftOptions{User: true, OFIDs: []OFID{mustOFID(t, "ofid_00aa11bb22cc33dd")}}
			},
			check: func(t *testing.T, d *Draft) {
				want(t, d.Template, UserTemplate)
				if d.Field("server-logs") != "" {
					t.Error("the user form has no logs field")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := BuildDraft(tt.rep(t), tt.opts(t))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "draft_"+tt.name+".md", []byte(d.Markdown()))
			tt.check(t, d)
			checkHeadings(t, d)
		})
	}
}

func want(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// The tracker's labeler recognises a form by its exact headings in order.
func checkHeadings(t *testing.T, d *Draft) {
	t.Helper()
	form := DeveloperForm
	if d.Template == UserTemplate {
		form = UserForm
	}
	var got []string
	for _, l := range strings.Split(d.Body, "\n") {
		if strings.HasPrefix(l, "### ") {
			got = append(got, strings.TrimPrefix(l, "### "))
		}
	}
	var wantLabels []string
	for _, f := range form {
		wantLabels = append(wantLabels, f.Label)
	}
	if strings.Join(got, "|") != strings.Join(wantLabels, "|") {
		t.Errorf("headings\n got %q\nwant %q", got, wantLabels)
	}
}

// The developer form's headings, retyped from the tracker's template:
// a change to DeveloperForm by accident fails here.
func TestDeveloperFormLabels(t *testing.T) {
	wantLabels := []string{
		"MCP server URL", "Where does the issue occur?", "Transport used", "Client registration type",
		"SSE only: Does your server return the expected status code for POST requests?",
		"When did you last reproduce this?", "Browser and OS", "Describe the issue", "Issue details",
		"Expected behavior", "Logs from your server", "Additional context",
	}
	wantIDs := []string{"server-url", "where", "transport", "client-registration", "sse-fallback", "timestamp",
		"browser-os", "description", "error-details", "expected", "server-logs", "additional"}
	for i, f := range DeveloperForm {
		if f.Label != wantLabels[i] || f.ID != wantIDs[i] {
			t.Errorf("field %d: %s %q, want %s %q", i, f.ID, f.Label, wantIDs[i], wantLabels[i])
		}
	}
}

// However large the log, the link stays under GitHub's limit.
func TestPrefillURLStaysUnderTheLimit(t *testing.T) {
	r := analyzeFile(t, "three_attempts.log", rules.Options{})
	d, err := BuildDraft(r, DraftOptions{OFIDs: []OFID{mustOFID(t, "ofid_3b5554ba7fdde381@2026-11-24T08:55:20Z")}})
	if err != nil {
		t.Fatal(err)
	}
	u, shortened := d.PrefillURL(URLLimit)
	if shortened || len(u) > URLLimit {
		t.Fatalf("a short draft: %d bytes, shortened=%v", len(u), shortened)
	}
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.Query()
	want(t, q.Get("template"), DeveloperTemplate)
	want(t, q.Get("title"), d.Title)
	if q.Get("server-logs") == "" || q.Get("where") != "" {
		t.Errorf("the link fills text fields only: logs %d bytes, where %q", len(q.Get("server-logs")), q.Get("where"))
	}

	// A huge attempt: thousands of lines, very long ones.
	var lines []string
	for i := 0; i < 3000; i++ {
		lines = append(lines, strings.Repeat(fmt.Sprintf("line %d ", i), 40))
	}
	for i := range d.Fields {
		switch d.Fields[i].ID {
		case "server-logs":
			d.Fields[i].Value = strings.Join(lines, "\n")
		case "description", "additional":
			d.Fields[i].Value = strings.Repeat("ä long description with non-ASCII ✓ ", 2000)
		}
	}
	u, shortened = d.PrefillURL(URLLimit)
	if !shortened || len(u) > URLLimit {
		t.Errorf("a huge draft: %d bytes (limit %d), shortened=%v", len(u), URLLimit, shortened)
	}
}

func TestParseOFID(t *testing.T) {
	tests := []struct {
		in, id, time, err string
	}{
		{in: "ofid_3b5554ba7fdde381", id: "ofid_3b5554ba7fdde381"},
		{in: "“ofid_3B5554BA7FDDE381”", id: "ofid_3b5554ba7fdde381"},
		{in: "ofid_3b5554ba7fdde381@2026-11-20T09:01:05Z", id: "ofid_3b5554ba7fdde381", time: "2026-11-20T09:01:05Z"},
		{in: "ofid_3b5554ba7fdde381@2026-11-20 10:01:05 +01:00", id: "ofid_3b5554ba7fdde381", time: "2026-11-20T09:01:05Z"},
		{in: "ofid_3b5554ba7fdde381@2026-11-20 04:01 -0500", id: "ofid_3b5554ba7fdde381", time: "2026-11-20T09:01:00Z"},
		{in: "ofid_3b5554ba7fdde381@2026-11-20 09:01:05 UTC", id: "ofid_3b5554ba7fdde381", time: "2026-11-20T09:01:05Z"},
		{in: "ofid_3b5554ba7fdde381@2026-11-20 09:01:05", err: "has no zone"},
		{in: "ofid_3b5554ba7fdde381@2026-11-20 09:01:05 CET", err: "not one mcptriage reads"},
		{in: "ofid_3b55", err: "16 hex digits"},
		{in: "3b5554ba7fdde381", err: "16 hex digits"},
	}
	for _, tt := range tests {
		o, err := ParseOFID(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseOFID(%q) = %v, %v; want an error with %q", tt.in, o, err, tt.err)
			}
			continue
		}
		if err != nil || o.ID != tt.id || (tt.time != "" && o.Time.Format(time.RFC3339) != tt.time) || (tt.time == "" && !o.Time.IsZero()) {
			t.Errorf("ParseOFID(%q) = %+v, %v; want %s at %q", tt.in, o, err, tt.id, tt.time)
		}
	}
}

// --redact-hosts replaces the user's names and addresses consistently,
// and keeps Anthropic's.
func TestRedactHosts(t *testing.T) {
	r := analyzeArchive(t, "../rules/testdata/edge_blocks_claude_user/cloudflare_log_names_the_rule.txtar")
	d, err := BuildDraft(r, DraftOptions{RedactHosts: true, ServerURL: "https://mcp.example.com/mcp"})
	if err != nil {
		t.Fatal(err)
	}
	md := d.Markdown()
	for _, private := range []string{"mcp.example.com", "172.68.132.136", "162.158.163.154", "203.0.113.57"} {
		if private == "203.0.113.57" {
			continue // the documentation range itself is what stand-ins use
		}
		if strings.Contains(md, private) {
			t.Errorf("%s survived --redact-hosts", private)
		}
	}
	if !strings.Contains(md, "160.79.106.35") || !strings.Contains(md, "claude.ai%2Fapi%2Fmcp%2Fauth_callback") {
		t.Error("Anthropic's addresses and claude.ai must stay")
	}
	// The same address gets the same stand-in everywhere.
	stand := regexp.MustCompile(`203\.0\.113\.\d+`).FindAllString(md, -1)
	if len(stand) < 2 {
		t.Fatalf("stand-ins: %v", stand)
	}
	if !strings.Contains(d.Field("server-url"), "host-1.example") {
		t.Errorf("server URL %q", d.Field("server-url"))
	}
}

func TestCommentSaysWhereTheFlowStopped(t *testing.T) {
	r := analyzeArchive(t, "../rules/testdata/server_rejects_token/edge_passed_origin_refused.txtar")
	c := Comment(r, DraftOptions{OFIDs: []OFID{mustOFID(t, "ofid_aa00bb11cc22dd33@2026-11-20T10:00:40Z")}})
	for _, w := range []string{"`ofid_aa00bb11cc22dd33` at 2026-11-20 10:00:40 UTC", "reached stage 5 (token)", "`server_rejects_token`", "POST /mcp"} {
		if !strings.Contains(c, w) {
			t.Errorf("comment lacks %q:\n%s", w, c)
		}
	}
	if lines := strings.Count(c, "\n"); lines > 12 {
		t.Errorf("a comment of %d lines is not short", lines)
	}
	golden(t, "comment_server_rejects_token.md", []byte(c))
}

// A log without times or addresses (an app that logs only paths and
// statuses) still gives a draft with no empty parentheses or placeholders.
func TestDraftFromALogWithoutTimes(t *testing.T) {
	log := "POST /mcp 401\nGET /.well-known/oauth-protected-resource/mcp 200\nGET /.well-known/oauth-authorization-server 200\nPOST /register 201\nGET /authorize?client_id=c_1&redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback 200\n"
	rep := analyzeFiles(t, []txtar.File{{Name: "app.log", Data: []byte(log)}})
	if len(rep.Attempts) == 0 {
		t.Fatal("no attempt reconstructed from a log without times")
	}
	d, err := BuildDraft(rep, DraftOptions{})
	if err != nil {
		t.Fatal(err)
	}
	md := d.Markdown()
	for _, bad := range []string{"(, ", "()", "first at )", "```shell\n\n"} {
		if strings.Contains(md, bad) {
			t.Errorf("draft contains %q:\n%s", bad, md)
		}
	}
}
