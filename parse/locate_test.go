package parse

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// Every access-log line of the format fixtures is located where the
// parser found its fields: the peer, the target, the status and the
// user agent a prefilter judges are the ones the analysis will read.
func TestLocateAgreesWithParse(t *testing.T) {
	files, _ := filepath.Glob("testdata/formats/*.txtar")
	checked := map[Layout]int{}
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if f.Name == "want" || f.Name == "skipped" {
				continue
			}
			lines := strings.Split(string(f.Data), "\n")
			ps, _ := Parsers(Config{})
			s := NewScanner(bytes.NewReader(f.Data), f.Name, ps, 0)
			for s.Next() {
				ev := s.Event()
				decl := LookupFormat(ev.Format)
				if decl == nil || decl.Shape.Layout == LayoutNone || ev.TimeInherited {
					continue
				}
				line := []byte(lines[ev.Pos.Line-1])
				if unwrap(line).wrapped {
					continue // the fast path never filters wrapped lines
				}
				where := file + ":" + strconv.Itoa(ev.Pos.Line)
				var fl Fields
				if !decl.Shape.Locate(line, &fl) {
					t.Errorf("%s: a %s line the shape does not locate", where, ev.Format)
					continue
				}
				checked[decl.Shape.Layout]++
				if ev.Peer.IsValid() && ParseAddr(string(fl.Peer.Of(line))) != ev.Peer {
					t.Errorf("%s: peer %q, parsed %s", where, fl.Peer.Of(line), ev.Peer)
				}
				if !fl.Time.Found() {
					t.Errorf("%s: no time located", where)
				}
				target := string(unescapeNginx(fl.Target.Of(line)))
				if decl.Shape.Layout == LayoutHAProxy {
					target = haproxyUnescape(string(fl.Target.Of(line)))
				}
				if ev.Method != string(fl.Method.Of(line)) || !strings.Contains(target, ev.Path) {
					t.Errorf("%s: request %q %q, parsed %s %s", where, fl.Method.Of(line), target, ev.Method, ev.Path)
				}
				if st := string(fl.Status.Of(line)); ev.Status != 0 && st != strconv.Itoa(ev.Status) {
					t.Errorf("%s: status %q, parsed %d", where, st, ev.Status)
				}
				if decl.Shape.Layout != LayoutHAProxy && decl.Shape.Layout != LayoutHAProxyCLF && ev.UAKnown {
					ua := string(unescapeNginx(fl.UserAgent.Of(line)))
					if decl.Shape.Layout == LayoutJSON {
						ua = unescapeJSONString(fl.UserAgent.Of(line))
					}
					if ua != ev.UserAgent && !(ua == "-" && ev.UserAgent == "") {
						t.Errorf("%s: user agent %q, parsed %q", where, ua, ev.UserAgent)
					}
				}
				if ev.UAKnown && (decl.Shape.Layout == LayoutHAProxy || decl.Shape.Layout == LayoutHAProxyCLF) &&
					!bytes.Contains(fl.Extra.Of(line), []byte(strings.Fields(ev.UserAgent)[0])) {
					t.Errorf("%s: the captured user agent is not in Extra %q", where, fl.Extra.Of(line))
				}
			}
		}
	}
	for _, l := range []Layout{LayoutCombined, LayoutVhostCombined, LayoutHAProxy, LayoutHAProxyCLF, LayoutJSON} {
		if checked[l] == 0 {
			t.Errorf("no fixture line of layout %d was checked", l)
		}
	}
}

func TestLocateAllocatesNothing(t *testing.T) {
	lines := map[Layout]string{
		LayoutCombined:      `160.79.106.35 - - [24/Nov/2026:09:14:02 +0000] "POST /mcp HTTP/1.1" 401 68 "-" "python-httpx/0.28.1" rt=0.004 "160.79.106.35"`,
		LayoutVhostCombined: `mcp.example.com:443 160.79.107.8 - - [25/Nov/2026:02:03:20 -0500] "POST /mcp HTTP/1.1" 200 812 "-" "Claude-User"`,
		LayoutHAProxy:       `<134>Nov 25 08:03:12 haproxy[2214]: 160.79.106.35:40112 [25/Nov/2026:08:03:12.271] fe be/app1 0/0/1/3/4 401 275 - - ---- 3/3/0/0/0 0/0 {python-httpx/0.28.1|} {application/json} "POST /mcp HTTP/1.1"`,
		LayoutHAProxyCLF:    `160.79.107.8 - - [25/Nov/2026:07:03:43 +0000] "POST /mcp HTTP/1.1" 403 192 "" "" 40132 100 "fe" "fe" "<NOSRV>" 0 -1 -1 -1 0 PR-- 2 2 0 0 0 0 0 "" "" "Claude-User"`,
	}
	for layout, line := range lines {
		sh := Shape{Layout: layout}
		b := []byte(line)
		var f Fields
		if n := testing.AllocsPerRun(100, func() { sh.Locate(b, &f) }); n != 0 {
			t.Errorf("layout %d: %v allocations per line", layout, n)
		}
		if !sh.Locate(b, &f) || !f.Peer.Found() || !f.Target.Found() {
			t.Errorf("layout %d: %q not located: %+v", layout, line, f)
		}
	}
	caddy := []byte(`{"level":"info","ts":1795511642.4012,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"160.79.106.35","method":"GET","uri":"/mcp","headers":{"User-Agent":["python-httpx/0.28.1"]}},"status":200}`)
	sh := LookupFormat("json-caddy").Shape
	var f Fields
	if n := testing.AllocsPerRun(100, func() { sh.Locate(caddy, &f) }); n != 0 {
		t.Errorf("json-caddy: %v allocations per line", n)
	}
	if string(f.UserAgent.Of(caddy)) != "python-httpx/0.28.1" || string(f.Peer.Of(caddy)) != "160.79.106.35" || string(f.Target.Of(caddy)) != "/mcp" {
		t.Errorf("json-caddy located %+v", f)
	}
}

// An escaped quote inside a field does not end it.
func TestLocateEscapedQuotes(t *testing.T) {
	line := []byte(`198.51.100.23 - - [25/Nov/2026:02:03:14 -0500] "GET /a\"b HTTP/1.1" 404 153 "-" "Mozilla/5.0 \"x\\\" python-httpx" "160.79.106.35"`)
	var f Fields
	if !combinedShape.Locate(line, &f) {
		t.Fatal("not located")
	}
	if got := string(f.UserAgent.Of(line)); got != `Mozilla/5.0 \"x\\\" python-httpx` {
		t.Errorf("user agent %q", got)
	}
	if got := string(f.Target.Of(line)); got != `/a\"b` {
		t.Errorf("target %q", got)
	}
	if got := string(f.Extra.Of(line)); got != ` "160.79.106.35"` {
		t.Errorf("extra %q", got)
	}
}

// Any bytes: no panic, and every span found lies inside the line.
func FuzzLocate(f *testing.F) {
	f.Add([]byte(`160.79.106.35 - - [24/Nov/2026:09:14:02 +0000] "POST /mcp HTTP/1.1" 401 68 "-" "python-httpx/0.28.1"`))
	f.Add([]byte(`x [01/Dec/2026:23:30:17.779] a b/c 0/0/0/1/3 401 275 - - ---- 1/1/0/0/0 0/0 {a|b} {c} "POST /mcp`))
	f.Add([]byte(`{"request":{"uri":"/mcp"},"ts":1}`))
	f.Add([]byte(`a [ "\" [01/`))
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, sh := range []Shape{combinedShape, {Layout: LayoutVhostCombined}, {Layout: LayoutHAProxy}, {Layout: LayoutHAProxyCLF}, caddyShape, cloudflareShape} {
			var fl Fields
			sh.Locate(line, &fl)
			for _, sp := range []Span{fl.Peer, fl.Time, fl.Method, fl.Target, fl.Status, fl.Referer, fl.UserAgent, fl.Forwarded, fl.Extra} {
				if sp.Found() && (sp.Start > sp.End || sp.End > len(line)) {
					t.Fatalf("layout %d: span %+v outside a line of %d bytes", sh.Layout, sp, len(line))
				}
			}
		}
	})
}

func BenchmarkLocateCombined(b *testing.B) {
	line := []byte(`198.51.100.23 - - [24/Nov/2026:08:51:56 +0000] "GET /static/app.4f2c1b.js HTTP/1.1" 200 88213 "https://mcp.example.com/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36" rt=0.034`)
	var f Fields
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		combinedShape.Locate(line, &f)
	}
}

func BenchmarkLocateHAProxy(b *testing.B) {
	line := []byte(`<134>Nov 25 08:03:12 haproxy[2214]: 198.51.100.23:40112 [25/Nov/2026:08:03:12.271] fe_https~ be_web/app1 0/0/1/3/4 200 88213 - - ---- 3/3/0/0/0 0/0 {Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36|} {text/javascript} "GET /static/app.4f2c1b.js HTTP/1.1"`)
	var f Fields
	sh := Shape{Layout: LayoutHAProxy}
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		sh.Locate(line, &f)
	}
}

// The combined layout's time is read at its usual width first (26 bytes)
// and searched for otherwise: a time of another width, or a field that
// only looks like the usual one, must still end at its own ']'.
func TestLocateCombinedTimeWidths(t *testing.T) {
	for _, c := range []struct{ line, time, target, ua string }{
		{`203.0.113.7 - - [24/Nov/2026:08:52:49 +0000] "GET /a HTTP/1.1" 200 5 "-" "curl/8"`, "24/Nov/2026:08:52:49 +0000", "/a", "curl/8"},
		{`203.0.113.7 - - [24/Nov/2026:08:52:49.123 +0000] "GET /b HTTP/1.1" 200 5 "-" "curl/8"`, "24/Nov/2026:08:52:49.123 +0000", "/b", "curl/8"},
		{`203.0.113.7 - - [2026-11-24T08:52:49Z] "POST /mcp HTTP/1.1" 401 5 "-" "python-httpx/0.28.1"`, "2026-11-24T08:52:49Z", "/mcp", "python-httpx/0.28.1"},
		// ']' at the usual width inside a shorter time's neighbourhood.
		{`203.0.113.7 - - [1/Nov/2026:8:52:49 +0000] "GET /x]yz HTTP/1.1" 200 5 "-" "a"`, "1/Nov/2026:8:52:49 +0000", "/x]yz", "a"},
	} {
		var f Fields
		b := []byte(c.line)
		if !(Shape{Layout: LayoutCombined}).Locate(b, &f) {
			t.Errorf("%q: not located", c.line)
			continue
		}
		if c.time == "" {
			continue
		}
		if got := string(f.Time.Of(b)); got != c.time {
			t.Errorf("%q: time %q, want %q", c.line, got, c.time)
		}
		if got := string(f.Target.Of(b)); got != c.target {
			t.Errorf("%q: target %q, want %q", c.line, got, c.target)
		}
		if got := string(f.UserAgent.Of(b)); got != c.ua {
			t.Errorf("%q: user agent %q, want %q", c.line, got, c.ua)
		}
	}
}

// A ']' at the usual time's width does not make a time: "[ab]" is the
// bracketed field here, and the line is not laid out as combined.
func TestLocateCombinedTimeLookAlike(t *testing.T) {
	b := []byte(`203.0.113.7 - - [ab]cdefghijklmnopqrstuvwxy] "GET /c HTTP/1.1" 200 5 "-" "a"`)
	var f Fields
	if (Shape{Layout: LayoutCombined}).Locate(b, &f) {
		t.Errorf("located as combined, time %q", f.Time.Of(b))
	}
}
