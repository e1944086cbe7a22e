package parse

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func addrs(list ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range list {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

// parseOne runs the scanner over one line with the default parsers (and a
// custom format when given), returning the event or the skip reason.
func parseOne(t *testing.T, format, line string) (*Event, string) {
	t.Helper()
	ps, err := Parsers(Config{NginxLogFormat: format})
	if err != nil {
		t.Fatal(err)
	}
	s := NewScanner(strings.NewReader(line+"\n"), "access.log", ps, 0)
	if s.Next() {
		ev := *s.Event()
		return &ev, ""
	}
	if st := s.Stats(); len(st.FirstSkipped) > 0 {
		return nil, st.FirstSkipped[0].Reason
	}
	return nil, "(nothing)"
}

func TestNginxFormats(t *testing.T) {
	ignore := cmpopts.IgnoreFields(Event{}, "Text", "Pos", "UAKnown")
	tests := []struct {
		name   string
		format string
		line   string
		want   Event
	}{
		{
			name: "combined",
			line: `160.79.106.35 - - [18/Nov/2026:09:14:02 +0000] "POST /mcp HTTP/1.1" 401 68 "-" "python-httpx/0.28.1"`,
			want: Event{Format: "nginx-combined", Time: mustTime("2026-11-18T09:14:02Z"), Peer: netip.MustParseAddr("160.79.106.35"),
				Method: "POST", Path: "/mcp", Proto: "HTTP/1.1", Status: 401, Bytes: 68, UserAgent: "python-httpx/0.28.1"},
		},
		{
			name: "local zone converted to UTC, zone kept",
			line: `160.79.106.35 - - [18/Nov/2026:15:14:02 +0600] "GET /.well-known/oauth-protected-resource/mcp HTTP/2.0" 200 312 "-" "python-httpx/0.28.1"`,
			want: Event{Format: "nginx-combined", Time: mustTime("2026-11-18T09:14:02Z"), Zone: "+0600", Peer: netip.MustParseAddr("160.79.106.35"),
				Method: "GET", Path: "/.well-known/oauth-protected-resource/mcp", Proto: "HTTP/2.0", Status: 200, Bytes: 312, UserAgent: "python-httpx/0.28.1"},
		},
		{
			name: "docker main: forwarded-for list, IPv4-mapped peer",
			line: `::ffff:172.18.0.1 - - [18/Nov/2026:09:14:02 -0500] "POST /mcp HTTP/1.1" 401 68 "-" "Claude-User" "160.79.106.35, 10.0.0.2"`,
			want: Event{Format: "nginx-main", Time: mustTime("2026-11-18T14:14:02Z"), Zone: "-0500", Peer: netip.MustParseAddr("172.18.0.1"),
				ForwardedFor: addrs("160.79.106.35", "10.0.0.2"), Method: "POST", Path: "/mcp", Proto: "HTTP/1.1", Status: 401, Bytes: 68, UserAgent: "Claude-User"},
		},
		{
			name: "IPv6 peer, escapes, query, referer",
			line: `2001:db8:4::1 - alice [18/Nov/2026:09:14:02 +0000] "GET /authorize?client_id=abc&state=x%20y HTTP/1.1" 200 3921 "https://claude.ai/" "Mozilla/5.0 \xE2\x80\x94 \x22quoted\x22"`,
			want: Event{Format: "nginx-combined", Time: mustTime("2026-11-18T09:14:02Z"), Peer: netip.MustParseAddr("2001:db8:4::1"),
				Method: "GET", Path: "/authorize", RawQuery: "client_id=abc&state=x%20y", Proto: "HTTP/1.1", Status: 200, Bytes: 3921,
				Referer: "https://claude.ai/", UserAgent: "Mozilla/5.0 — \"quoted\""},
		},
		{
			name: "absolute-form target",
			line: `160.79.106.35 - - [18/Nov/2026:09:14:02 +0000] "POST https://mcp.example.com/mcp?x=1 HTTP/1.1" 401 68 "-" "-"`,
			want: Event{Format: "nginx-combined", Time: mustTime("2026-11-18T09:14:02Z"), Peer: netip.MustParseAddr("160.79.106.35"),
				Method: "POST", Host: "mcp.example.com", Path: "/mcp", RawQuery: "x=1", Proto: "HTTP/1.1", Status: 401, Bytes: 68},
		},
		{
			name: "TLS bytes on a plain port: a line, not a request",
			line: `198.51.100.23 - - [18/Nov/2026:09:14:02 +0000] "\x16\x03\x01\x00\xF1\x01" 400 157 "-" "-"`,
			want: Event{Format: "nginx-combined", Time: mustTime("2026-11-18T09:14:02Z"), Peer: netip.MustParseAddr("198.51.100.23"), Status: 400, Bytes: 157},
		},
		{
			name: "timing as bare numbers (request_time, upstream_response_time)",
			line: `160.79.106.35 - - [18/Nov/2026:09:14:02 +0000] "POST /token HTTP/1.1" 499 0 "-" "python-httpx/0.28.1" 10.004 10.002`,
			want: Event{Format: "nginx-combined+timing", Time: mustTime("2026-11-18T09:14:02Z"), Peer: netip.MustParseAddr("160.79.106.35"),
				Method: "POST", Path: "/token", Proto: "HTTP/1.1", Status: 499, ClientGone: true, Bytes: 0, UserAgent: "python-httpx/0.28.1",
				Duration: 10004 * time.Millisecond, HasDuration: true, UpstreamDuration: 10002 * time.Millisecond, HasUpstream: true},
		},
		{
			name: "key=value tail: rt, urt list, host, auth flag",
			line: `172.18.0.1 - - [18/Nov/2026:09:14:02 +0000] "POST /mcp HTTP/1.1" 401 68 "-" "Claude-User" "160.79.106.35" rt=0.018 urt="0.010, 0.007" host=mcp.example.com auth=absent`,
			want: Event{Format: "nginx-main+timing", Time: mustTime("2026-11-18T09:14:02Z"), Peer: netip.MustParseAddr("172.18.0.1"), ForwardedFor: addrs("160.79.106.35"),
				Method: "POST", Host: "mcp.example.com", Path: "/mcp", Proto: "HTTP/1.1", Status: 401, Bytes: 68, UserAgent: "Claude-User",
				Duration: 18 * time.Millisecond, HasDuration: true, UpstreamDuration: 7 * time.Millisecond, HasUpstream: true, Authorization: Absent},
		},
		{
			name: "ingress-nginx upstreaminfo",
			line: `160.79.106.35 - - [18/Nov/2026:09:14:02 +0000] "POST /mcp HTTP/1.1" 401 97 "-" "Claude-User" 512 0.004 [mcp-prod-mcp-server-8080] [] 10.42.1.17:8080 97 0.003 401 4f7c1d2e9a8b4c3d2e1f0a9b8c7d6e5f`,
			want: Event{Format: "nginx-combined+timing", Time: mustTime("2026-11-18T09:14:02Z"), Peer: netip.MustParseAddr("160.79.106.35"),
				Method: "POST", Path: "/mcp", Proto: "HTTP/1.1", Status: 401, Bytes: 97, UserAgent: "Claude-User",
				Duration: 4 * time.Millisecond, HasDuration: true, UpstreamDuration: 3 * time.Millisecond, HasUpstream: true},
		},
		{
			name: "common log format",
			line: `203.0.113.57 - - [18/Nov/2026:09:14:02 +0000] "GET /authorize HTTP/1.1" 200 3921`,
			want: Event{Format: "nginx-common", Time: mustTime("2026-11-18T09:14:02Z"), Peer: netip.MustParseAddr("203.0.113.57"),
				Method: "GET", Path: "/authorize", Proto: "HTTP/1.1", Status: 200, Bytes: 3921},
		},
		{
			name:   "custom: iso time, request parts, request_time, sent headers, connecting ip",
			format: `log_format mcp '$time_iso8601 $remote_addr $http_cf_connecting_ip "$request_method $request_uri $server_protocol" $status $body_bytes_sent $request_time "$http_user_agent" "$sent_http_www_authenticate" "$sent_http_content_type"';`,
			line:   `2026-11-18T10:14:02+01:00 172.68.132.136 160.79.106.35 "POST /mcp HTTP/1.1" 401 68 0.012 "python-httpx/0.28.1" "Bearer resource_metadata=\x22https://mcp.example.com/.well-known/oauth-protected-resource/mcp\x22" "application/json"`,
			want: Event{Format: "nginx-custom", Time: mustTime("2026-11-18T09:14:02Z"), Zone: "+0100", Peer: netip.MustParseAddr("172.68.132.136"),
				ConnectingIP: netip.MustParseAddr("160.79.106.35"), ConnectingIPHeader: "CF-Connecting-IP",
				Method: "POST", Path: "/mcp", Proto: "HTTP/1.1", Status: 401, Bytes: 68, Duration: 12 * time.Millisecond, HasDuration: true,
				UserAgent: "python-httpx/0.28.1", WWWAuthenticate: `Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"`, HasWWWAuth: Present,
				ContentType: "application/json"},
		},
		{
			name:   "custom: upstream time list with spaces is found by backtracking",
			format: `$remote_addr [$time_local] "$request" $status $upstream_response_time $request_time "$http_user_agent"`,
			line:   `160.79.106.35 [18/Nov/2026:09:14:02 +0000] "POST /mcp HTTP/1.1" 502 0.010, 0.007 : 0.020 0.041 "Claude-User"`,
			want: Event{Format: "nginx-custom", Time: mustTime("2026-11-18T09:14:02Z"), Peer: netip.MustParseAddr("160.79.106.35"),
				Method: "POST", Path: "/mcp", Proto: "HTTP/1.1", Status: 502, Bytes: -1, UserAgent: "Claude-User",
				UpstreamDuration: 20 * time.Millisecond, HasUpstream: true, Duration: 41 * time.Millisecond, HasDuration: true},
		},
		{
			name: "custom: escape=json format",
			format: `log_format jsonlog escape=json '{"time":"$time_iso8601","ip":"$remote_addr","xff":"$http_x_forwarded_for",'
                         '"req":"$request","status":$status,"rt":$request_time,"ua":"$http_user_agent","auth":"$mcp_auth"}';`,
			line: `{"time":"2026-11-18T09:14:02+00:00","ip":"127.0.0.1","xff":"160.79.106.35","req":"POST /mcp HTTP/1.1","status":401,"rt":0.003,"ua":"Claude-User \"x\"","auth":"present"}`,
			want: Event{Format: "nginx-custom", Time: mustTime("2026-11-18T09:14:02Z"), Peer: netip.MustParseAddr("127.0.0.1"), ForwardedFor: addrs("160.79.106.35"),
				Method: "POST", Path: "/mcp", Proto: "HTTP/1.1", Status: 401, Bytes: -1, Duration: 3 * time.Millisecond, HasDuration: true,
				UserAgent: `Claude-User "x"`, Authorization: Present},
		},
		{
			name:   "custom: $msec epoch time",
			format: `$msec $remote_addr "$request" $status`,
			line:   `1795511642.417 160.79.106.35 "GET /.well-known/oauth-authorization-server HTTP/1.1" 200`,
			want: Event{Format: "nginx-custom", Time: mustTime("2026-11-24T09:14:02.417Z"), Peer: netip.MustParseAddr("160.79.106.35"),
				Method: "GET", Path: "/.well-known/oauth-authorization-server", Proto: "HTTP/1.1", Status: 200, Bytes: -1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := parseOne(t, tt.format, tt.line)
			if got == nil {
				t.Fatalf("skipped: %s", reason)
			}
			if diff := cmp.Diff(tt.want, *got, ignore, cmpopts.IgnoreUnexported(Event{}), cmpopts.EquateEmpty(), cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
				t.Errorf("event mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// A format that logs the user agent tells "none sent" from "not logged".
func TestNginxUAKnown(t *testing.T) {
	ev, _ := parseOne(t, "", `160.79.106.35 - - [18/Nov/2026:09:14:02 +0000] "POST /mcp HTTP/1.1" 401 68 "-" "-"`)
	if ev == nil || !ev.UAKnown || ev.UserAgent != "" {
		t.Errorf("combined with \"-\": %+v", ev)
	}
	ev, _ = parseOne(t, "", `203.0.113.57 - - [18/Nov/2026:09:14:02 +0000] "GET /authorize HTTP/1.1" 200 3921`)
	if ev == nil || ev.UAKnown {
		t.Errorf("common log format claims to know the user agent: %+v", ev)
	}
}

func TestNginxSecretVariablesAreMasked(t *testing.T) {
	format := `$remote_addr [$time_local] "$request" $status "$http_authorization" "$http_cookie" "$http_user_agent"`
	line := `160.79.106.35 [18/Nov/2026:09:14:02 +0000] "POST /mcp HTTP/1.1" 401 "opaque-token-7f3c9a" "sid=s3ss10nV4lu3" "Claude-User"`
	ev, reason := parseOne(t, format, line)
	if ev == nil {
		t.Fatalf("skipped: %s", reason)
	}
	for _, secret := range []string{"opaque-token-7f3c9a", "s3ss10nV4lu3"} {
		if strings.Contains(ev.Text, secret) {
			t.Errorf("evidence text keeps %q: %s", secret, ev.Text)
		}
	}
	if ev.Authorization != Present {
		t.Errorf("Authorization = %v, want present", ev.Authorization)
	}
	if !strings.Contains(ev.Text, `"Claude-User"`) {
		t.Errorf("masking removed more than the secrets: %s", ev.Text)
	}
}

func TestBrokenLinesAreSkippedWithAReason(t *testing.T) {
	tests := []struct {
		line, reason string
	}{
		{`160.79.106.35 - - [18/Nov/2026:09:14:02 +0000] "POST /mcp HTTP/1.1`, "never closed"},
		{`160.79.106.35 - - [18/Nov/2026:09:14:02 +0000] "POST /mcp HTTP/1.1" abc 68 "-" "ua"`, "do not line up"},
		{`160.79.106.35 - - [32/Nov/2026:09:14:02 +0000] "POST /mcp HTTP/1.1" 401 68 "-" "ua"`, "time"},
		{`{"level":"info","msg":"token issued"}`, "JSON"},
		{"\x00\x01\x02\x03binary\x00junk", "binary"},
		{`INFO:     127.0.0.1:51409 - "POST /mcp HTTP/1.1" 401 Unauthorized`, "no [time] field"},
	}
	p := nginxCombined
	for _, tt := range tests {
		var ev Event
		err := p.Parse([]byte(tt.line), &ev)
		if err == nil {
			t.Errorf("%q parsed as nginx, want an error", tt.line)
			continue
		}
		if !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("%q: reason %q, want it to mention %q", tt.line, err, tt.reason)
		}
		if strings.Contains(err.Error(), "POST /mcp") || strings.Contains(err.Error(), "token issued") {
			t.Errorf("reason quotes the line: %q", err)
		}
	}
}

// Lines no parser reads at all are skipped, with the reason of the
// input's own format.
func TestJunkIsSkipped(t *testing.T) {
	for _, junk := range []string{"\x00\x01\x02\x03binary\x00junk", "just some words", `{"a":1}`, "server:\n  port: 8080"} {
		if ev, reason := parseOne(t, "", junk); ev != nil {
			t.Errorf("%q became an event: %+v", junk, ev)
		} else if reason == "" {
			t.Errorf("%q skipped without a reason", junk)
		}
	}
}

func TestCompileNginxFormatErrors(t *testing.T) {
	tests := []struct{ format, want string }{
		{`$remote_addr$remote_user [$time_local] "$request"`, "not separated"},
		{`$remote_addr [$time_local] $status`, "no $request"},
		{`$remote_addr "$request" $status`, "no $time_local"},
		{`log_format x '$remote_addr [$time_local] "$request"`, "never closed"},
		{`log_format x escape=xml '$remote_addr [$time_local] "$request"';`, "unknown escape"},
		{``, "empty"},
	}
	for _, tt := range tests {
		_, err := NewNginxParser(tt.format)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewNginxParser(%q) = %v, want an error mentioning %q", tt.format, err, tt.want)
		}
	}
}

func TestUnwrapLogFormatForms(t *testing.T) {
	want := CombinedFormat
	forms := []string{
		CombinedFormat,
		`log_format combined '$remote_addr - $remote_user [$time_local] ' '"$request" $status $body_bytes_sent ' '"$http_referer" "$http_user_agent"';`,
		"log_format main\n    '$remote_addr - $remote_user [$time_local] '\n    '\"$request\" $status $body_bytes_sent '\n    '\"$http_referer\" \"$http_user_agent\"';",
		`'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'`,
	}
	for _, f := range forms {
		got, _, err := unwrapLogFormat(f)
		if err != nil || got != want {
			t.Errorf("unwrapLogFormat(%q) = %q, %v; want %q", f, got, err, want)
		}
	}
}

func TestParseAddr(t *testing.T) {
	tests := map[string]string{
		"160.79.106.35":         "160.79.106.35",
		"::ffff:160.79.106.35":  "160.79.106.35",
		"[2001:db8::1]":         "2001:db8::1",
		"[2001:db8::1]:443":     "2001:db8::1",
		"160.79.106.35:51234":   "160.79.106.35",
		"fe80::1%eth0":          "fe80::1",
		" 203.0.113.7 ":         "203.0.113.7",
		"unknown":               "invalid IP",
		"":                      "invalid IP",
		"_hidden_obfuscated_id": "invalid IP",
	}
	for in, want := range tests {
		if got := ParseAddr(in).String(); got != want {
			t.Errorf("ParseAddr(%q) = %s, want %s", in, got, want)
		}
	}
}

func FuzzNginxParse(f *testing.F) {
	f.Add(`160.79.106.35 - - [18/Nov/2026:09:14:02 +0000] "POST /mcp HTTP/1.1" 401 68 "-" "python-httpx/0.28.1"`)
	f.Add(`::ffff:172.18.0.1 - - [18/Nov/2026:09:14:02 -0500] "GET /x?code=abc HTTP/2.0" 200 1 "-" "ua" "1.2.3.4" rt=0.1 urt="0.1, 0.2"`)
	f.Add(`1.2.3.4 - - [18/Nov/2026:09:14:02 +0000] "\x16\x03" 400 0 "-" "-"`)
	custom, err := NewNginxParser(`$remote_addr [$time_local] "$request" $status $upstream_response_time "$http_user_agent"`)
	if err != nil {
		f.Fatal(err)
	}
	parsers := []*NginxParser{nginxCombined, nginxCommon, custom}
	f.Fuzz(func(t *testing.T, line string) {
		for _, p := range parsers {
			var ev Event
			if err := p.Parse(Redact([]byte(line)), &ev); err == nil && ev.Time.IsZero() {
				t.Errorf("%s accepted a line without a time", p.name)
			}
		}
	})
}
