package synth

import (
	"bufio"
	"bytes"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// combined is one nginx combined (or, without the last two fields, CLF) line.
var combined = regexp.MustCompile(`^(\S+) - - \[([^\]]+)\] "(\S+) (\S+) HTTP/1\.1" (\d+) (\d+)(?: "([^"]*)" "([^"]*)")?$`)

type line struct {
	n                    int64
	ip, method, uri, ref string
	ua                   string
	status               string
	t                    time.Time
	hasUA                bool
	claudeCallback       bool
}

func readLines(t *testing.T, b []byte) []line {
	t.Helper()
	var out []line
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := int64(1); sc.Scan(); n++ {
		m := combined.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("line %d is not a combined or common log line: %q", n, sc.Text())
		}
		tm, err := time.Parse("02/Jan/2006:15:04:05 -0700", m[2])
		if err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		out = append(out, line{n: n, ip: m[1], t: tm, method: m[3], uri: m[4], status: m[5], ref: m[7], ua: m[8], hasUA: strings.Count(sc.Text(), `"`) > 2,
			claudeCallback: strings.Contains(m[4], "redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback")})
	}
	return out
}

var egressRange = netip.MustParsePrefix("160.79.104.0/21")

func busy(t *testing.T, o Options) ([]byte, *Truth) {
	t.Helper()
	var buf bytes.Buffer
	truth, err := Busy(&buf, o)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), truth
}

// The busy day is what the issue describes: other MCP clients make at
// least 60 % of it, on the connector's own endpoints, from public
// addresses outside Anthropic's range, with their own OAuth and their
// users' browsers; exactly three Claude.ai attempts, which the truth
// names line by line, with other clients' lines in between.
func TestBusyDay(t *testing.T) {
	b, truth := busy(t, Options{Format: "nginx", Lines: 40000, Seed: 5})
	lines := readLines(t, b)
	if int64(len(lines)) != truth.Lines || truth.Lines != 40000 {
		t.Fatalf("%d lines written, truth says %d, asked 40000", len(lines), truth.Lines)
	}
	if truth.OtherMCPClients < 60 {
		t.Errorf("other MCP clients make %.1f%% of the lines, want at least 60%%", truth.OtherMCPClients)
	}
	if d := truth.Last.Sub(truth.First); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("the log covers %s, want about a day", d)
	}

	// The three attempts, as planted.
	type want struct {
		stage   int
		outcome string
		mode    string
	}
	var got []want
	for _, a := range truth.Attempts {
		got = append(got, want{a.Stage, a.Outcome, a.Mode})
	}
	if diff := cmp.Diff([]want{{2, "failed", "dcr_auth_method_rejected"}, {2, "failed", "dcr_auth_method_rejected"}, {6, "connected", ""}}, got, cmp.AllowUnexported(want{})); diff != "" {
		t.Fatalf("attempts (-want +got):\n%s", diff)
	}
	if gap := truth.Attempts[1].Start.Sub(truth.Attempts[0].End); gap < 30*time.Second || gap > 60*time.Second {
		t.Errorf("the second press comes %s after the first ends, want half a minute to a minute", gap)
	}

	// Every line the truth gives an attempt is the connector's or its
	// user's browser's, and no other line is.
	mine := map[int64]int{}
	for _, a := range truth.Attempts {
		for _, n := range a.Lines {
			mine[n] = a.N
		}
	}
	for _, n := range truth.UseLines {
		mine[n] = -1
	}
	uas := map[string]int{}
	callbacks := []string{claudeCallback, "http://localhost:", "http://127.0.0.1:", "cursor://", chatgptCallback, inspectorOrigin + "/oauth/callback"}
	authorizations := map[string]int{}
	var browserLeg []line
	for _, l := range lines {
		addr, err := netip.ParseAddr(l.ip)
		if err != nil {
			t.Fatalf("line %d: address %q: %v", l.n, l.ip, err)
		}
		fromEgress := egressRange.Contains(addr)
		switch {
		case mine[l.n] != 0:
			if !fromEgress && !strings.HasPrefix(l.ua, "Mozilla/") {
				t.Errorf("line %d belongs to attempt %d but is neither from the egress range nor a browser: %+v", l.n, mine[l.n], l)
			}
			if !fromEgress {
				browserLeg = append(browserLeg, l)
			}
		case fromEgress, l.ua == "Claude-User", l.claudeCallback:
			t.Errorf("line %d looks like the connector's but is in no attempt: %+v", l.n, l)
		}
		if !fromEgress && (addr.IsPrivate() || addr.IsLoopback()) && l.uri != "/healthz" {
			t.Errorf("line %d: a client at a private address: %+v", l.n, l)
		}
		if l.uri == "/mcp" || strings.HasPrefix(l.uri, "/.well-known/") || l.uri == "/register" || l.uri == "/token" {
			uas[l.ua]++
		}
		if strings.HasPrefix(l.uri, "/authorize?") {
			for _, cb := range callbacks {
				if strings.Contains(l.uri, "redirect_uri="+url.QueryEscape(cb)) {
					authorizations[cb]++
				}
			}
		}
	}
	for _, cb := range callbacks[1:] {
		if authorizations[cb] < 10 {
			t.Errorf("only %d authorizations with callback %s", authorizations[cb], cb)
		}
	}
	if n := authorizations[callbacks[0]]; n != 2 {
		t.Errorf("%d authorizations with Claude's callback, want 2 (before and after signing in)", n)
	}
	for _, ua := range []string{"claude-code/2.0.31 (cli)", "openai-mcp/1.0.0 (ChatGPT)", "node", "python-httpx/0.28.1", "python-httpx/0.27.2", "-", "Cursor/2.0.38 (darwin arm64)", browsers[0]} {
		if uas[ua] < 50 {
			t.Errorf("only %d requests to the MCP and OAuth endpoints with user agent %q", uas[ua], ua)
		}
	}
	if len(browserLeg) < 4 || !browserLeg[0].claudeCallback || browserLeg[0].ref != "https://claude.ai/" {
		t.Errorf("the connecting attempt's browser leg does not start at /authorize with Claude's callback from claude.ai: %+v", browserLeg)
	}

	// Other clients' lines lie between the connector's: the attempts are
	// buried, not written as a block.
	a := truth.Attempts[2]
	others := a.Lines[len(a.Lines)-1] - a.Lines[0] + 1 - int64(len(a.Lines))
	expected := a.End.Sub(a.Start).Seconds() * float64(truth.Lines) / 86400
	if float64(others) < expected/3 || others < 3 {
		t.Errorf("attempt 3 spans lines %d–%d with only %d other lines in between, where the day's pace puts %.0f", a.Lines[0], a.Lines[len(a.Lines)-1], others, expected)
	}
	// Lines are written in time order, as a server writes them.
	for i := 1; i < len(lines); i++ {
		if lines[i].t.Before(lines[i-1].t) {
			t.Fatalf("line %d (%s) is earlier than line %d (%s)", lines[i].n, lines[i].t, lines[i-1].n, lines[i-1].t)
		}
	}
}

// The variants change what the log records, not what happened: the
// attempts are the same lines at the same times.
func TestBusyVariants(t *testing.T) {
	base, truth := busy(t, Options{Format: "nginx", Lines: 20000, Seed: 9})
	baseLines := readLines(t, base)
	for _, variants := range [][]string{{VariantSharedProxy}, {VariantNoUA}, {VariantSharedProxy, VariantNoUA}} {
		b, vt := busy(t, Options{Format: "nginx", Lines: 20000, Seed: 9, Variants: variants})
		if diff := cmp.Diff(truth.Attempts, vt.Attempts); diff != "" {
			t.Errorf("%v: the attempts differ from the plain log's (-plain +variant):\n%s", variants, diff)
		}
		lines := readLines(t, b)
		proxy, noUA := slices.Contains(variants, VariantSharedProxy), slices.Contains(variants, VariantNoUA)
		for i, l := range lines {
			if proxy && l.ip != "127.0.0.1" {
				t.Fatalf("%v: line %d is logged from %s, not the proxy", variants, l.n, l.ip)
			}
			if !proxy && l.ip != baseLines[i].ip {
				t.Fatalf("%v: line %d is logged from %s, the plain log has %s", variants, l.n, l.ip, baseLines[i].ip)
			}
			if l.hasUA == noUA {
				t.Fatalf("%v: line %d: user agent logged %v", variants, l.n, l.hasUA)
			}
			if l.uri != baseLines[i].uri || l.status != baseLines[i].status || !l.t.Equal(baseLines[i].t) {
				t.Fatalf("%v: line %d is another request than the plain log's", variants, l.n)
			}
		}
	}
	for _, format := range []string{"caddy", "cloudflare"} {
		plain, _ := busy(t, Options{Format: format, Lines: 6000, Seed: 9})
		b, _ := busy(t, Options{Format: format, Lines: 6000, Seed: 9, Variants: []string{VariantSharedProxy, VariantNoUA}})
		field := map[string]string{"caddy": `"User-Agent"`, "cloudflare": `"ClientRequestUserAgent"`}[format]
		if !bytes.Contains(plain, []byte(field)) || bytes.Contains(b, []byte(field)) {
			t.Errorf("%s: the no-ua variant does not drop %s", format, field)
		}
		if bytes.Contains(b, []byte("160.79.")) || !bytes.Contains(plain, []byte("160.79.")) {
			t.Errorf("%s: the shared-proxy variant does not hide the connector's address", format)
		}
	}
}

func TestBusyRefusesWhatItCannotWrite(t *testing.T) {
	for _, o := range []Options{
		{Format: "nginx", Lines: 100},
		{Format: "nginx", Size: 200 << 10},
		{Format: "nginx"},
		{Format: "apache", Lines: 10000},
		{Format: "nginx", Lines: 10000, Variants: []string{"no-referer"}},
	} {
		if _, err := Busy(&bytes.Buffer{}, o); err == nil {
			t.Errorf("%+v: accepted", o)
		}
	}
	// A size just big enough still holds every attempt whole.
	_, truth := busy(t, Options{Format: "nginx", Size: 1 << 20, Seed: 1})
	if len(truth.Attempts) != 3 || len(truth.Attempts[2].Lines) != 15 {
		t.Errorf("a 1 MB busy log holds %+v", truth.Attempts)
	}
}
