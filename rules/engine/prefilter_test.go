package engine

import (
	"bufio"
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/mcptriage/mcptriage/internal/loggen/synth"
	"github.com/mcptriage/mcptriage/parse"
)

func TestTextPrefix(t *testing.T) {
	for _, tt := range []struct{ cidr, want string }{
		{"160.79.104.0/21", "160.79.1"},
		{"34.162.46.92/32", "34.162.46.92"},
		{"203.0.113.0/24", "203.0.113."},
		{"10.0.0.0/8", "10."},
		{"198.51.100.128/25", "198.51.100."},
	} {
		got, ok := textPrefix(netip.MustParsePrefix(tt.cidr))
		if !ok || string(got) != tt.want {
			t.Errorf("%s: %q, want %q", tt.cidr, got, tt.want)
		}
	}
	if _, ok := textPrefix(netip.MustParsePrefix("2001:db8::/32")); ok {
		t.Error("an IPv6 range has a textual prefix")
	}
}

// The prefilter never refuses a line the collector would keep: checked
// on every line of generated logs in each format, with the connector's
// attempts buried in ordinary traffic, and with a typed URL.
func TestPrefilterAgreesWithTheCollector(t *testing.T) {
	type sample struct {
		name string
		log  []byte
		// maxPassed bounds the share of lines the prefilter passes: the
		// fast path is worth it only if it refuses most lines.
		maxPassed float64
	}
	var samples []sample
	for _, format := range synth.Formats {
		var buf bytes.Buffer
		if _, err := synth.Write(&buf, synth.Options{Format: format, Size: 3 << 20, Seed: 7, Attempts: 10}); err != nil {
			t.Fatal(err)
		}
		samples = append(samples, sample{format, buf.Bytes(), 0.05})
	}
	// A busy MCP server's day, where other clients use the connector's
	// endpoints: behind a shared proxy (every client 127.0.0.1) or with no
	// user agents, many of their lines must be parsed to be judged.
	for _, v := range [][]string{nil, {synth.VariantSharedProxy}, {synth.VariantNoUA}} {
		var buf bytes.Buffer
		if _, err := synth.Busy(&buf, synth.Options{Format: "nginx", Lines: 40_000, Seed: 5, Variants: v}); err != nil {
			t.Fatal(err)
		}
		limit := 0.05
		if len(v) > 0 {
			limit = 0.7
		}
		samples = append(samples, sample{"busy-" + strings.Join(v, "+"), buf.Bytes(), limit})
	}
	for _, smp := range samples {
		format := smp.name
		for _, url := range []string{"", "https://mcp.example.com/mcp"} {
			buf := bytes.NewBuffer(smp.log)
			opts := Options{}
			if url != "" {
				u, err := ParseConnectorURL(url)
				if err != nil {
					t.Fatal(err)
				}
				opts.URL = u
			}
			pf0, ok := NewPrefilter(opts)
			if !ok {
				t.Fatal("no prefilter for the default egress")
			}
			pf := pf0.Clone() // with its memory of paths, as the workers run it
			c := NewCollector(opts)
			ps, err := parse.Parsers(parse.Config{})
			if err != nil {
				t.Fatal(err)
			}
			s := parse.NewScanner(bytes.NewReader(buf.Bytes()), format+".log", ps, 0)
			lines := lineIndex(buf.Bytes())
			kept, passed := 0, 0
			for s.Next() {
				ev := s.Event()
				line := lines[ev.Pos.Line-1]
				relevant := pf.Relevant(line, ev.UAKnown)
				_, keep := c.classify(ev, c.input(ev.Pos.File))
				v := parse.Drop
				if decl := parse.LookupFormat(ev.Format); decl != nil {
					sh := decl.Shape
					sh.UAKnown = ev.UAKnown
					v = pf.Check(line, sh)
				}
				switch {
				case keep && v == parse.Drop:
					t.Errorf("%s: line %d is kept by the collector but dropped by the layout's check:\n%s", format, ev.Pos.Line, line)
				case keep && v == parse.Weak && !c.WantsBrowserStep(ev.Time, ev.Peer):
					t.Errorf("%s: line %d is kept by the collector but Weak away from any authorization:\n%s", format, ev.Pos.Line, line)
				}
				if v != parse.Drop {
					passed++
				}
				if keep {
					kept++
					if !relevant {
						t.Errorf("%s (url %q): line %d is kept by the collector but refused by the prefilter:\n%s", format, url, ev.Pos.Line, line)
					}
				}
			}
			if kept == 0 {
				t.Errorf("%s: no connector line in the generated log", format)
			}
			if float64(passed) > smp.maxPassed*float64(len(lines)) {
				t.Errorf("%s: the prefilter passes %d of %d lines: too many to be worth it", format, passed, len(lines))
			}
		}
	}
}

func lineIndex(b []byte) [][]byte {
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	return out
}

func BenchmarkPrefilterCombined(b *testing.B) {
	var buf bytes.Buffer
	synth.Write(&buf, synth.Options{Format: "nginx", Size: 8 << 20, Seed: 1, Attempts: 3})
	benchmarkCheck(b, buf.Bytes())
}

// BenchmarkPrefilterBusy is the busy day's fast path: most lines are
// other MCP clients on the connector's own endpoints, from public
// addresses (half of them IPv6), so every field is located and judged.
func BenchmarkPrefilterBusy(b *testing.B) {
	benchmarkCheck(b, busyDay(b))
}

// BenchmarkLocateBusy is the field location alone on the same lines.
func BenchmarkLocateBusy(b *testing.B) {
	data := busyDay(b)
	lines := lineIndex(data)
	sh := parse.Shape{Combined: true, Layout: parse.LayoutCombined, UAKnown: true}
	var f parse.Fields
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			sh.Locate(l, &f)
		}
	}
}

// busyDay is 60,000 lines of loggen's busy profile.
func busyDay(b *testing.B) []byte {
	var buf bytes.Buffer
	if _, err := synth.Busy(&buf, synth.Options{Format: "nginx", Lines: 60_000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// benchmarkCheck runs a cloned prefilter over every line of data.
func benchmarkCheck(b *testing.B, data []byte) {
	lines := lineIndex(data)
	pf0, _ := NewPrefilter(Options{})
	pf := pf0.Clone()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			pf.CheckCombined(l, true)
		}
	}
}

func BenchmarkPrefilter(b *testing.B) {
	var buf bytes.Buffer
	synth.Write(&buf, synth.Options{Format: "nginx", Size: 8 << 20, Seed: 1, Attempts: 3})
	lines := lineIndex(buf.Bytes())
	pf, _ := NewPrefilter(Options{})
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			pf.Relevant(l, true)
		}
	}
}

// The prefilter's keyword scan is built from the classifier's own word
// lists: whatever classifyPath does not call kindOther, mayClassify
// passes. Seeds cover every kind; go test -fuzz explores the rest.
func FuzzKeywordsCoverClassifier(f *testing.F) {
	for _, seed := range []string{
		"/.well-known/oauth-protected-resource/mcp", "/.well-known/openid-configuration", "/oauth/token",
		"/authorize?client_id=x", "/auth?client_id=c", "/register", "/realms/x/clients-registrations/openid-connect",
		"/oauth_callback", "/sign-in", "/sso/start", "/api/mcp", "/sse", "/messages/", "/x?action=token",
		"/x?response_type=code", "/session/new", "/token/", "/assets/app.js", "/",
		"/OAuth/Authorize", "/MCP", "/Register", "/.Well-Known/OpenID-Configuration",
	} {
		f.Add("POST", seed)
	}
	f.Fuzz(func(t *testing.T, method, tok string) {
		lt := strings.ToLower(tok)
		path, query, _ := strings.Cut(lt, "?")
		if classifyPath(method, path, query) != kindOther && !mayClassify([]byte(lt)) {
			t.Errorf("classifyPath(%q, %q) = %v but the keyword scan passes it over", method, lt, classifyPath(method, path, query))
		}
	})
}

// A line of a combined log whose fields cannot be located is junk or cut
// short: the prefilter keeps it, so the full parse skips it and says
// where, instead of the fast path counting it as a request.
func TestPrefilterKeepsWhatItCannotLocate(t *testing.T) {
	p, ok := NewPrefilter(Options{})
	if !ok {
		t.Fatal("no prefilter")
	}
	p = p.Clone()
	sh := parse.Shape{Combined: true, Layout: parse.LayoutCombined, UAKnown: true}
	for _, junk := range []string{"random words without any shape", `{"not":"combined"}`, `203.0.113.9 - - [24/Nov/2026:08:52:49 +0000] "GET /a HTT`} {
		if v := p.Check([]byte(junk), sh); v != parse.Keep {
			t.Errorf("%q: verdict %v, want Keep", junk, v)
		}
	}
	if v := p.Check([]byte(`203.0.113.9 - - [24/Nov/2026:08:52:49 +0000] "GET /a HTTP/1.1" 200 5 "-" "curl/8"`), sh); v != parse.Drop {
		t.Errorf("an ordinary line: verdict %v, want Drop", v)
	}
}

// publicV4 judges IPv4 peers by their octets; it must agree with
// IsNonPublic and IsCloudflare, which the collector uses, on every
// boundary of their ranges and on a spread of other addresses.
func TestPublicV4AgreesWithRanges(t *testing.T) {
	var addrs []netip.Addr
	for _, p := range append(mustPrefixes("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10", "0.0.0.0/32"), cloudflareRanges...) {
		if !p.Addr().Is4() {
			continue
		}
		first := p.Masked().Addr()
		b := first.As4()
		host := uint32(1)<<(32-p.Bits()) - 1
		v := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) | host
		last := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		addrs = append(addrs, first, first.Prev(), first.Next(), last, last.Next(), last.Prev())
	}
	for i := uint32(0); i < 1<<16; i++ {
		v := i * 65521 // a spread over the whole space
		addrs = append(addrs, netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}))
	}
	for _, a := range addrs {
		if !a.IsValid() || !a.Is4() {
			continue
		}
		want := !IsNonPublic(a) && !IsCloudflare(a)
		if got := publicV4(a.As4()); got != want {
			t.Errorf("%s: publicV4 says %v, the ranges %v", a, got, want)
		}
	}
}
