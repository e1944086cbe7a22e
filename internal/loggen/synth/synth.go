// Package synth writes realistic access logs of any size with a known set
// of Claude connector attempts buried in them, and says what they are (the
// Truth), so that a test or a benchmark can judge what mcptriage found
// (Judge). Two profiles: Write buries the attempts in ordinary web traffic
// (browsers, crawlers, API clients, health checks, scanners); Busy buries
// three in a public MCP server's day, where most lines are other MCP
// clients on the same endpoints. The same seed gives the same bytes.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Formats the generator writes.
var Formats = []string{"nginx", "caddy", "cloudflare"}

// Options say what to write.
type Options struct {
	Format string
	// Size is the number of bytes to write, roughly (whole lines).
	Size int64
	Seed uint64
	// Attempts is how many connector attempts to bury (spread evenly).
	Attempts int
	// Start is the first line's time; the log covers about a day.
	Start time.Time
	// Lines, when set, is the number of lines to write instead of Size.
	Lines int64
	// Variants change what the log records of its clients (Variants).
	Variants []string
}

// Variants of a log.
const (
	// VariantSharedProxy: every client address is the proxy's in front of
	// the server (127.0.0.1), as nginx writes without real_ip.
	VariantSharedProxy = "shared-proxy"
	// VariantNoUA: the format logs no user agent (nginx: the Common Log
	// Format, which drops the referer too; Caddy and Cloudflare: the
	// field is left out).
	VariantNoUA = "no-ua"
)

// Variants lists the variants a log can have, in any combination.
var Variants = []string{VariantSharedProxy, VariantNoUA}

// proxyAddr is what a server behind a local proxy logs for every client.
const proxyAddr = "127.0.0.1"

// Attempt is a planted connect attempt: when it starts and what it is.
type Attempt struct {
	Start time.Time
	// End is the time of its last request.
	End time.Time
	// Mode is the failure mode it stages ("" for one that connects).
	Mode string
	// Lines are the log's line numbers (from 1) of its requests.
	Lines []int64
}

// stageOf is the last completed stage of each planted mode, as
// failure-modes.md's F/C column has it.
var stageOf = map[string]int{
	"":                         6,
	"callback_redirect_307":    4,
	"prm_not_found":            1,
	"edge_blocks_claude_user":  5,
	"token_endpoint_json_only": 4,
	"dcr_auth_method_rejected": 2,
}

// outcomes are the attempts planted in turn.
var outcomes = []string{"", "callback_redirect_307", "prm_not_found", "edge_blocks_claude_user", "token_endpoint_json_only"}

type request struct {
	t time.Time
	// kind is the client the line belongs to; attempt the connector
	// attempt (from 1) it is part of; use marks the connector's later use
	// of a connection it made (not an attempt).
	kind    Kind
	attempt int
	use     bool
	seq     int64 // the order it was queued in, for requests at the same time
	ip      string
	method  string
	uri     string
	status  int
	bytes   int
	referer string
	ua      string
	ctype   string
	dur     float64
}

// Write writes the log and returns the attempts it planted.
func Write(w io.Writer, o Options) ([]Attempt, error) {
	g, err := writeDefault(w, o)
	if g == nil {
		return nil, err
	}
	return g.planted, err
}

func writeDefault(w io.Writer, o Options) (*gen, error) {
	g, err := newGen(w, o)
	if err != nil {
		return nil, err
	}
	// The average line of each format, to spread the attempts and the day
	// over the lines the size will hold.
	avgLine := map[string]int64{"nginx": 195, "caddy": 523, "cloudflare": 429}[o.Format]
	lines := max(o.Size/avgLine, 1)
	if o.Lines > 0 {
		lines = o.Lines
	}
	step := 86400 * float64(time.Second) / float64(lines)
	next := int64(-1)
	every := int64(0)
	if o.Attempts > 0 {
		every = lines / int64(o.Attempts+1)
		next = every
	}
	t := g.o.Start
	for n := int64(0); !g.full(); n++ {
		t = t.Add(time.Duration(step * (0.5 + g.rnd.Float64())))
		if n == next && len(g.planted) < o.Attempts {
			mode := outcomes[len(g.planted)%len(outcomes)]
			g.planted = append(g.planted, Attempt{Start: t, Mode: mode})
			t = g.attempt(t, mode, len(g.planted))
			next += every
			continue
		}
		g.write(g.ordinary(t))
		if g.err != nil {
			return g, g.err
		}
	}
	if err := g.bw.Flush(); err != nil {
		return g, err
	}
	return g, g.err
}

func newGen(w io.Writer, o Options) (*gen, error) {
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	}
	g := &gen{o: o, rnd: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)), bw: bufio.NewWriterSize(w, 1<<20)}
	switch o.Format {
	case "nginx", "caddy", "cloudflare":
	default:
		return nil, fmt.Errorf("format %q: choose one of %s", o.Format, strings.Join(Formats, ", "))
	}
	for _, v := range o.Variants {
		switch v {
		case VariantSharedProxy:
			g.proxy = proxyAddr
		case VariantNoUA:
			g.noUA = true
		default:
			return nil, fmt.Errorf("variant %q: choose from %s", v, strings.Join(Variants, ", "))
		}
	}
	if o.Size <= 0 && o.Lines <= 0 {
		return nil, fmt.Errorf("nothing to write: give a size or a number of lines")
	}
	return g, nil
}

type gen struct {
	o       Options
	rnd     *rand.Rand
	bw      *bufio.Writer
	written int64
	lines   int64
	err     error
	buf     []byte

	proxy string // every client logged as this address (shared-proxy)
	noUA  bool

	planted []Attempt
	// What was written, for the truth: lines per client kind, the lines
	// of the connector's use after it connected, the first and last times.
	perKind     [numKinds]int64
	useLines    []int64
	first, last time.Time

	// The busy profile's requests queued but not yet written.
	q             queue
	queued        int64
	pendingClaude int
}

// full says whether the log has reached the size or line count asked for.
func (g *gen) full() bool {
	if g.o.Lines > 0 {
		return g.lines >= g.o.Lines
	}
	return g.written >= g.o.Size
}

var (
	browsers = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64; rv:146.0) Gecko/20100101 Firefox/146.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1",
	}
	bots = []string{
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
		"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
	}
	apiClients = []string{"okhttp/4.12.0", "axios/1.7.9", "Go-http-client/2.0", "curl/8.5.0", "python-requests/2.32.3"}
	pages      = []string{"/", "/about", "/pricing", "/docs/getting-started", "/docs/api", "/blog", "/contact", "/login", "/signup", "/dashboard", "/changelog"}
	assets     = []string{"/assets/index.5e61a9d4.js", "/assets/vendor.8c2d41b0.js", "/assets/index.3f9a7c1e.css", "/img/logo.svg", "/favicon.ico", "/fonts/inter-var.woff2"}
	scans      = []string{"/wp-login.php", "/.env", "/phpmyadmin/", "/.git/config", "/admin.php", "/xmlrpc.php", "/cgi-bin/luci"}
)

func (g *gen) ip(prefix string) string {
	return prefix + strconv.Itoa(1+g.rnd.IntN(254))
}

// ordinary is one request of the site's usual traffic.
func (g *gen) ordinary(t time.Time) request {
	r := request{t: t, method: "GET", status: 200, dur: 0.001 + g.rnd.Float64()*0.08}
	switch x := g.rnd.IntN(100); {
	case x < 45:
		r.ip, r.ua = g.ip("198.51.100."), browsers[g.rnd.IntN(len(browsers))]
		r.uri = assets[g.rnd.IntN(len(assets))]
		r.referer = "https://www.example.com/"
		r.bytes, r.ctype = 2000+g.rnd.IntN(90000), "application/javascript"
		if g.rnd.IntN(4) == 0 {
			r.status, r.bytes = 304, 0
		}
	case x < 70:
		r.ip, r.ua = g.ip("203.0.113."), browsers[g.rnd.IntN(len(browsers))]
		r.uri = pages[g.rnd.IntN(len(pages))]
		if r.uri == "/blog" {
			r.uri = fmt.Sprintf("/blog/post-%d", g.rnd.IntN(400))
		}
		r.referer = "https://www.google.com/"
		r.bytes, r.ctype = 8000+g.rnd.IntN(40000), "text/html; charset=utf-8"
	case x < 82:
		r.ip, r.ua = g.ip("192.0.2."), apiClients[g.rnd.IntN(len(apiClients))]
		if g.rnd.IntN(3) == 0 {
			r.method, r.uri, r.status = "POST", "/api/v1/items", 201
		} else {
			r.uri = fmt.Sprintf("/api/v1/items?page=%d&limit=50", g.rnd.IntN(30))
		}
		r.bytes, r.ctype = 200+g.rnd.IntN(5000), "application/json"
	case x < 90:
		r.ip, r.ua = g.ip("66.249.66."), bots[g.rnd.IntN(len(bots))]
		r.uri = pages[g.rnd.IntN(len(pages))]
		r.bytes, r.ctype = 8000+g.rnd.IntN(40000), "text/html; charset=utf-8"
	case x < 97:
		r.ip, r.ua, r.uri = "10.0.3."+strconv.Itoa(1+g.rnd.IntN(4)), "kube-probe/1.31", "/healthz"
		r.bytes, r.ctype = 2, "text/plain"
	default:
		r.ip, r.ua = g.ip("203.0.113."), "Mozilla/5.0 zgrab/0.x"
		r.uri, r.status, r.bytes, r.ctype = scans[g.rnd.IntN(len(scans))], 404, 153, "text/html"
	}
	if g.rnd.IntN(200) == 0 {
		r.status = 500
	}
	return r
}

// attempt writes one connect attempt of Claude's connector, interleaved
// with nothing (it lasts seconds), and returns the time after it.
func (g *gen) attempt(t time.Time, mode string, n int) time.Time {
	egress := []string{"160.79.106.35", "160.79.106.121", "160.79.107.8"}
	browser := fmt.Sprintf("203.0.113.%d", 50+n)
	const broker, claude = "python-httpx/0.28.1", "Claude-User"
	at := func(d time.Duration) time.Time { return t.Add(d) }
	client := fmt.Sprintf("c_%08x", g.rnd.Uint32())
	var rs []request
	add := func(d time.Duration, ip, method, uri string, status, size int, referer, ua, ctype string) {
		rs = append(rs, request{t: at(d), kind: ClaudeAI, attempt: n, ip: ip, method: method, uri: uri, status: status, bytes: size, referer: referer, ua: ua, ctype: ctype, dur: 0.004})
	}
	done := func(d time.Duration) time.Time {
		for _, r := range rs {
			g.write(r)
		}
		return at(d)
	}
	add(0, egress[0], "POST", "/mcp", 401, 68, "", broker, "application/json")
	if mode == "prm_not_found" {
		add(300*time.Millisecond, egress[1], "GET", "/.well-known/oauth-protected-resource/mcp", 404, 153, "", broker, "text/html")
		add(600*time.Millisecond, egress[0], "GET", "/.well-known/oauth-protected-resource", 404, 153, "", broker, "text/html")
		add(900*time.Millisecond, egress[1], "POST", "/register", 404, 153, "", broker, "text/html")
		add(1500*time.Millisecond, browser, "GET", "/authorize?response_type=code&client_id=c_none&redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback&state=s"+strconv.Itoa(n), 404, 153, "https://claude.ai/", browsers[0], "text/html")
		return done(2 * time.Second)
	}
	add(300*time.Millisecond, egress[1], "GET", "/.well-known/oauth-protected-resource/mcp", 200, 356, "", broker, "application/json")
	add(600*time.Millisecond, egress[0], "GET", "/.well-known/oauth-authorization-server", 200, 1184, "", broker, "application/json")
	add(900*time.Millisecond, egress[1], "POST", "/register", 201, 422, "", broker, "application/json")
	add(1500*time.Millisecond, browser, "GET", "/authorize?response_type=code&client_id="+client+"&redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback&code_challenge=Q0f4xV1pWm8nR2tY6uI0oP3aS5dF7gH9jK1lZ3xC5vB&code_challenge_method=S256&state=st"+strconv.Itoa(n)+"&scope=mcp", 200, 3921, "https://claude.ai/", browsers[0], "text/html")
	consent := 303
	if mode == "callback_redirect_307" {
		consent = 307
	}
	add(14*time.Second, browser, "POST", "/authorize/consent", consent, 0, "https://mcp.example.com/authorize", browsers[0], "")
	if consent == 307 {
		return done(15 * time.Second)
	}
	add(15*time.Second, egress[0], "GET", "/.well-known/oauth-authorization-server", 200, 1184, "", broker, "application/json")
	if mode == "token_endpoint_json_only" {
		add(15300*time.Millisecond, egress[1], "POST", "/token", 415, 96, "", broker, "application/json")
		return done(16 * time.Second)
	}
	add(15300*time.Millisecond, egress[1], "POST", "/token", 200, 1187, "", broker, "application/json")
	if mode == "edge_blocks_claude_user" {
		// Blocked at the edge: the origin's log has nothing more.
		return done(16 * time.Second)
	}
	add(15800*time.Millisecond, egress[2], "POST", "/mcp", 200, 1043, "", claude, "application/json")
	add(16000*time.Millisecond, egress[2], "POST", "/mcp", 202, 0, "", claude, "")
	add(16200*time.Millisecond, egress[2], "POST", "/mcp", 200, 4817, "", claude, "application/json")
	return done(17 * time.Second)
}

func (g *gen) write(r request) {
	if g.err != nil {
		return
	}
	g.account(r)
	if g.proxy != "" {
		r.ip = g.proxy
	}
	b := g.buf[:0]
	switch g.o.Format {
	case "nginx":
		b = append(b, r.ip...)
		b = append(b, " - - ["...)
		b = r.t.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
		b = append(b, "] \""...)
		b = append(b, r.method...)
		b = append(b, ' ')
		b = append(b, r.uri...)
		b = append(b, " HTTP/1.1\" "...)
		b = strconv.AppendInt(b, int64(r.status), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(r.bytes), 10)
		if g.noUA {
			// The Common Log Format: no referer, no user agent.
			b = append(b, '\n')
			break
		}
		b = append(b, " \""...)
		b = appendOr(b, r.referer)
		b = append(b, "\" \""...)
		b = appendOr(b, r.ua)
		b = append(b, "\"\n"...)
	case "caddy":
		b = append(b, `{"level":"info","ts":`...)
		b = strconv.AppendFloat(b, float64(r.t.UnixNano())/1e9, 'f', 6, 64)
		b = append(b, `,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"`...)
		b = append(b, r.ip...)
		b = append(b, `","remote_port":"`...)
		b = strconv.AppendInt(b, int64(30000+g.rnd.IntN(30000)), 10)
		b = append(b, `","proto":"HTTP/2.0","method":"`...)
		b = append(b, r.method...)
		b = append(b, `","host":"mcp.example.com","uri":"`...)
		b = append(b, r.uri...)
		b = append(b, `","headers":{`...)
		if !g.noUA && r.ua != "" {
			b = append(b, `"User-Agent":["`...)
			b = append(b, r.ua...)
			b = append(b, `"],`...)
		}
		b = append(b, `"Accept":["*/*"]`...)
		if r.referer != "" {
			b = append(b, `,"Referer":["`...)
			b = append(b, r.referer...)
			b = append(b, `"]`...)
		}
		b = append(b, `}},"duration":`...)
		b = strconv.AppendFloat(b, r.dur, 'f', 6, 64)
		b = append(b, `,"size":`...)
		b = strconv.AppendInt(b, int64(r.bytes), 10)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(r.status), 10)
		b = append(b, `,"resp_headers":{"Server":["Caddy"]`...)
		if r.ctype != "" {
			b = append(b, `,"Content-Type":["`...)
			b = append(b, r.ctype...)
			b = append(b, `"]`...)
		}
		b = append(b, "}}\n"...)
	case "cloudflare":
		b = append(b, `{"ClientIP":"`...)
		b = append(b, r.ip...)
		b = append(b, `","ClientRequestHost":"mcp.example.com","ClientRequestMethod":"`...)
		b = append(b, r.method...)
		b = append(b, `","ClientRequestURI":"`...)
		b = append(b, r.uri...)
		if !g.noUA {
			b = append(b, `","ClientRequestUserAgent":"`...)
			b = append(b, r.ua...)
		}
		b = append(b, `","ClientRequestReferer":"`...)
		b = append(b, r.referer...)
		b = append(b, `","EdgeResponseStatus":`...)
		b = strconv.AppendInt(b, int64(r.status), 10)
		b = append(b, `,"OriginResponseStatus":`...)
		b = strconv.AppendInt(b, int64(r.status), 10)
		b = append(b, `,"EdgeResponseBytes":`...)
		b = strconv.AppendInt(b, int64(r.bytes), 10)
		b = append(b, `,"EdgeStartTimestamp":`...)
		b = strconv.AppendInt(b, r.t.UnixNano(), 10)
		b = append(b, `,"RayID":"`...)
		b = strconv.AppendUint(b, g.rnd.Uint64()&0xffffffffffff, 16)
		b = append(b, `"}`+"\n"...)
	}
	g.buf = b
	n, err := g.bw.Write(b)
	g.written += int64(n)
	g.err = err
}

// account notes a line about to be written: its number, its client kind,
// the attempt it belongs to.
func (g *gen) account(r request) {
	g.lines++
	g.perKind[r.kind]++
	if g.first.IsZero() {
		g.first = r.t
	}
	g.last = r.t
	switch {
	case r.attempt > 0:
		a := &g.planted[r.attempt-1]
		if len(a.Lines) == 0 {
			a.Start = r.t
		}
		a.Lines = append(a.Lines, g.lines)
		a.End = r.t
	case r.use:
		g.useLines = append(g.useLines, g.lines)
	}
}

func appendOr(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	return append(b, s...)
}
