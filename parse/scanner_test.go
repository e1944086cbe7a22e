package parse

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

const okLine = `160.79.106.35 - - [18/Nov/2026:09:14:02 +0000] "POST /mcp HTTP/1.1" 401 68 "-" "python-httpx/0.28.1"`

func scanAll(t *testing.T, r io.Reader, maxLine int) ([]Event, *Scanner) {
	t.Helper()
	ps, err := Parsers(Config{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := Decompress(r)
	if err != nil {
		t.Fatal(err)
	}
	s := NewScanner(in, "access.log", ps, maxLine)
	var evs []Event
	for s.Next() {
		evs = append(evs, *s.Event())
	}
	return evs, s
}

func TestScannerSkipsAndCountsBadLines(t *testing.T) {
	long := strings.Repeat("x", 2<<20)
	var b strings.Builder
	b.WriteString(okLine + "\r\n")                                                                              // 1: CRLF
	b.WriteString(long + "\n")                                                                                  // 2: too long
	b.WriteString(okLine + "\n")                                                                                // 3
	b.WriteString("\x00\x01\x02 binary \xff\xfe\n")                                                             // 4: binary
	b.WriteString("\n")                                                                                         // 5: blank, not a skip
	b.WriteString(`{"a":1}` + "\n")                                                                             // 6
	b.WriteString(okLine[:60] + "\n")                                                                           // 7: truncated
	b.WriteString(strings.Replace(okLine, "python-httpx/0.28.1", "Mozilla \xe2\x28\xa1 broken utf8", 1) + "\n") // 8
	b.WriteString(okLine)                                                                                       // 9: no final newline
	evs, s := scanAll(t, strings.NewReader(b.String()), 1<<20)
	st := s.Stats()
	if len(evs) != 4 {
		t.Fatalf("got %d events, want 4 (lines 1, 3, 8, 9)", len(evs))
	}
	for i, want := range []int{1, 3, 8, 9} {
		if evs[i].Pos.Line != want {
			t.Errorf("event %d at line %d, want %d", i, evs[i].Pos.Line, want)
		}
	}
	if st.Lines != 9 || st.Skipped != 4 {
		t.Errorf("stats: %d lines, %d skipped; want 9 and 4", st.Lines, st.Skipped)
	}
	wantSkips := []string{"access.log:2", "access.log:4", "access.log:6", "access.log:7"}
	for i, w := range wantSkips {
		if i >= len(st.FirstSkipped) || st.FirstSkipped[i].Pos.String() != w {
			t.Errorf("first skipped %v, want %v", st.FirstSkipped, wantSkips)
			break
		}
	}
	if !strings.Contains(st.FirstSkipped[0].Reason, "longer than") {
		t.Errorf("long line reason: %q", st.FirstSkipped[0].Reason)
	}
	if strings.HasSuffix(evs[0].Text, "\r") {
		t.Error("CR kept at the end of a CRLF line")
	}
	if !utf8.ValidString(evs[2].Text) {
		t.Errorf("evidence text is not valid UTF-8: %q", evs[2].Text)
	}
}

func TestScannerKeepsOnlyFirstFiveSkips(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "garbage line %d\n", i)
	}
	b.WriteString(okLine + "\n")
	evs, s := scanAll(t, strings.NewReader(b.String()), 0)
	if len(evs) != 1 {
		t.Fatalf("got %d events, want the one good line after 40 bad ones", len(evs))
	}
	if st := s.Stats(); st.Skipped != 40 || len(st.FirstSkipped) != 5 {
		t.Errorf("skipped %d (first %d), want 40 (first 5)", st.Skipped, len(st.FirstSkipped))
	}
	if s.Recognised() {
		t.Errorf("a format was detected from garbage")
	}
}

func TestScannerBOMAndEmptyInput(t *testing.T) {
	evs, _ := scanAll(t, strings.NewReader("\xEF\xBB\xBF"+okLine+"\n"), 0)
	if len(evs) != 1 {
		t.Errorf("a BOM before the first line lost it")
	}
	// An empty input, or one of blank lines only, is an input error (the
	// command exits 2), not a log without connector traffic.
	for in, want := range map[string]string{"": "the input is empty", "\n\r\n \n\n": "the input holds only blank lines (4)"} {
		evs, s := scanAll(t, strings.NewReader(in), 0)
		var ie *InputError
		if len(evs) != 0 || !errors.As(s.Err(), &ie) || ie.Error() != want {
			t.Errorf("input %q: %d events, err %v, want %q", in, len(evs), s.Err(), want)
		}
	}
}

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestScannerGzip(t *testing.T) {
	// Two members, as concatenated rotations produce.
	data := append(gz(t, okLine+"\n"), gz(t, okLine+"\n"+okLine+"\n")...)
	evs, s := scanAll(t, bytes.NewReader(data), 0)
	if len(evs) != 3 || s.Err() != nil {
		t.Fatalf("gzip: %d events, err %v; want 3", len(evs), s.Err())
	}

	big := strings.Repeat(okLine+"\n", 2000)
	cut := gz(t, big)
	cut = cut[:len(cut)/2]
	evs, s = scanAll(t, bytes.NewReader(cut), 0)
	if s.Err() == nil || !strings.Contains(s.Err().Error(), "cut short") {
		t.Errorf("truncated gzip: err %v, want one that says the file is cut short", s.Err())
	}
	if len(evs) == 0 {
		t.Error("truncated gzip: the lines before the cut were lost")
	}
}

func TestScannerDetectsCustomFormat(t *testing.T) {
	ps, err := Parsers(Config{NginxLogFormat: `$remote_addr|$time_iso8601|$request|$status|$http_user_agent`})
	if err != nil {
		t.Fatal(err)
	}
	in := "160.79.106.35|2026-11-18T09:14:02+00:00|POST /mcp HTTP/1.1|401|Claude-User\n" + okLine + "\n"
	s := NewScanner(strings.NewReader(in), "x.log", ps, 0)
	var formats []string
	for s.Next() {
		formats = append(formats, s.Event().Format)
	}
	if strings.Join(formats, ",") != "nginx-custom,nginx-combined" {
		t.Errorf("per line %v; want nginx-custom, then a combined line read by its own parser", formats)
	}
	if s.Format() != "nginx-combined + nginx-custom" {
		t.Errorf("input format %q, want both named", s.Format())
	}
}

func TestParsersRejectsUnknownFormat(t *testing.T) {
	if _, err := Parsers(Config{Format: "apache-vhost"}); err == nil || !strings.Contains(err.Error(), "nginx-combined") {
		t.Errorf("unknown --format: %v, want an error listing the known ones", err)
	}
	if _, err := Parsers(Config{Format: "nginx-custom"}); err == nil {
		t.Error("--format nginx-custom without a log format was accepted")
	}
	ps, err := Parsers(Config{Format: "nginx-common"})
	if err != nil || ps.Len() != 1 || ps.Names()[0] != "nginx-common" {
		t.Errorf("--format nginx-common: %v %v", ps, err)
	}
}

// Every parser, on any input: no panic, and an accepted line has a time
// or is placed in time by the scanner.
func FuzzScanner(f *testing.F) {
	for _, seed := range []string{
		okLine,
		`{"ClientIP":"160.79.107.8","ClientRequestMethod":"POST","ClientRequestPath":"/mcp","EdgeStartTimestamp":1795511682512000001,"EdgeResponseStatus":403,"OriginResponseStatus":0,"RayID":"8f1a2b3c4d5e6f72"}`,
		`{"level":30,"time":1795511682512,"req":{"method":"POST","url":"/mcp","headers":{"authorization":"x"}},"res":{"statusCode":401}}`,
		`INFO:     160.79.106.35:40112 - "POST /mcp HTTP/1.1" 401 Unauthorized`,
		"[\n  \"a\",\n  {\"msg\":\"token issued\"}\n]",
		`ClientIP,EdgeStartTimestamp,RayID` + "\n" + `"1.2.3.4",1,"ab"`,
		`1. POST /token → 200 (issued)`,
		`{"log":"POST /mcp 401 in 3ms\n","stream":"stdout","time":"2026-11-24T09:14:02Z"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		ps, err := Parsers(Config{})
		if err != nil {
			t.Fatal(err)
		}
		s := NewScanner(strings.NewReader(input), "fuzz", ps, 4096)
		for s.Next() {
			if s.Event().Time.IsZero() {
				t.Errorf("an event without a time: %+v", *s.Event())
			}
		}
		_ = s.Err()
	})
}

// JSON access logs keep the Referer where each logger writes it: nginx's
// escape=json field, Caddy's request header (an array), pino's lower-case
// header, GCP's httpRequest, Cloudflare's Logpush field. Behind a proxy that forwards no address, it
// is what ties a consent step to its authorization.
func TestJSONLogsReadTheReferer(t *testing.T) {
	const ref = "https://mcp.example.com/authorize?client_id=c1&redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback"
	for name, line := range map[string]string{
		"nginx escape=json": `{"time":"2026-11-23T10:00:01+00:00","remote_addr":"127.0.0.1","request_method":"POST","request_uri":"/authorize/consent","status":307,"http_referer":"` + ref + `","http_user_agent":"Mozilla/5.0"}`,
		"caddy":             `{"level":"info","ts":1763892001.5,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"127.0.0.1","method":"POST","host":"mcp.example.com","uri":"/authorize/consent","headers":{"User-Agent":["Mozilla/5.0"],"Referer":["` + ref + `"]}},"status":307}`,
		"pino":              `{"level":30,"time":1763892001500,"req":{"method":"POST","url":"/authorize/consent","headers":{"user-agent":"Mozilla/5.0","referer":"` + ref + `"},"remoteAddress":"127.0.0.1"},"res":{"statusCode":307},"msg":"request completed"}`,
		"cloudflare":        `{"ClientIP":"203.0.113.57","ClientRequestHost":"mcp.example.com","ClientRequestMethod":"POST","ClientRequestURI":"/authorize/consent","ClientRequestUserAgent":"Mozilla/5.0","ClientRequestReferer":"` + ref + `","EdgeStartTimestamp":"2026-11-23T10:00:01Z","EdgeResponseStatus":307,"RayID":"8f1a2b3c4d5e0001"}`,
		"gcp":               `{"timestamp":"2026-11-23T10:00:01Z","httpRequest":{"requestMethod":"POST","requestUrl":"/authorize/consent","status":307,"remoteIp":"127.0.0.1","userAgent":"Mozilla/5.0","referer":"` + ref + `"}}`,
	} {
		evs, _ := scanAll(t, strings.NewReader(line+"\n"), 0)
		if len(evs) != 1 || evs[0].Referer != ref {
			got := ""
			if len(evs) == 1 {
				got = evs[0].Referer
			}
			t.Errorf("%s: %d events, Referer %q, want %q", name, len(evs), got, ref)
		}
	}
}

// HAProxy's captures come in the configuration's order: the one that held
// a user agent holds it on every line, even one that does not look like
// a user agent ("node") or is empty (none sent); a captured URL is the
// Referer.
func TestHAProxyCapturesByPosition(t *testing.T) {
	const head = `127.0.0.1:41006 [02/Dec/2026:08:07:52.530] lab app/app 0/0/0/1/1 `
	in := head + `200 678 - - ---- 2/2/1/1/0 0/0 {mcp.example.com|Mozilla/5.0 (X11; Linux x86_64)|203.0.113.57|https://claude.ai/} "GET /authorize?client_id=c1 HTTP/1.1"` + "\n" +
		head + `200 512 - - ---- 2/2/1/1/0 0/0 {mcp.example.com|node|198.51.100.14|} "POST /token HTTP/1.1"` + "\n" +
		head + `401 16 - - ---- 2/2/1/1/0 0/0 {mcp.example.com||198.51.100.15|} "POST /mcp HTTP/1.1"` + "\n" +
		head + `307 206 - - ---- 2/2/1/1/0 0/0 {mcp.example.com|Mozilla/5.0 (X11; Linux x86_64)|203.0.113.57|https://mcp.example.com/authorize?client_id=c1&redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth} "POST /authorize/consent HTTP/1.1"` + "\n"
	evs, _ := scanAll(t, strings.NewReader(in), 0)
	if len(evs) != 4 {
		t.Fatalf("%d events, want 4", len(evs))
	}
	for i, want := range []struct {
		ua, ref string
	}{
		{"Mozilla/5.0 (X11; Linux x86_64)", "https://claude.ai/"},
		{"node", ""},
		{"", ""},
		{"Mozilla/5.0 (X11; Linux x86_64)", "https://mcp.example.com/authorize?client_id=c1&redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth"},
	} {
		e := evs[i]
		if !e.UAKnown || e.UserAgent != want.ua || e.Referer != want.ref {
			t.Errorf("line %d: user agent %q (known %v), Referer %q; want %q, %q", i+1, e.UserAgent, e.UAKnown, e.Referer, want.ua, want.ref)
		}
	}
}
