// Package probe requests a remote MCP server the way Claude's connector
// does, step by step, and names every deviation with the failure-mode ids
// the log analysis uses: logs tell what happened, a probe what will.
//
// It sends nothing that changes the server's state unless asked to
// register a client, follows no login, retries nothing, and stops at a
// few dozen requests.
package probe

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mcptriage/mcptriage/rules"
)

// Status is a check's verdict.
type Status string

const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Check is one step of the connector's flow, tried.
type Check struct {
	ID     string      `json:"id"`
	Title  string      `json:"title"`
	Stage  rules.Stage `json:"stage"`
	Status Status      `json:"status"`
	// Mode is the failure mode the outcome predicts (empty on a pass, and
	// where no mode fits): one of Modes, or of a rule of rules.CheckURL.
	Mode    rules.Mode `json:"mode,omitempty"`
	Summary string     `json:"summary"`
	Fix     string     `json:"fix,omitempty"`
	// Exchange is the request that decided it and its (redacted) answer.
	Exchange *Exchange `json:"exchange,omitempty"`
}

// Result is a probe's outcome. Every string in it is redacted; none is
// escaped (a renderer for terminals escapes control characters).
type Result struct {
	URL      string  `json:"url"`
	Checks   []Check `json:"checks"`
	Requests int     `json:"requests"`
	// Authless: the server answered the unauthenticated probe with 200.
	Authless bool `json:"authless"`
	// Resolve lists the --resolve pins the probe used, as given.
	Resolve []string `json:"resolve,omitempty"`
	// PrivateCA is set when the server's certificate verified only against
	// the CA given with --cacert: Claude will not accept it.
	PrivateCA *PrivateCA `json:"private_ca,omitempty"`
}

// PrivateCA records a certificate trusted only because the user said so.
type PrivateCA struct {
	// File is the --cacert file.
	File string `json:"file"`
	// Issuer is the private CA that signed the server's certificate.
	Issuer string `json:"issuer"`
	// ClaudeAccepts is always false: it is there for scripts that look.
	ClaudeAccepts bool `json:"claude_accepts"`
	// Warning says it in words.
	Warning string `json:"warning"`
}

// Worst is the most serious status among the checks.
func (r *Result) Worst() Status {
	worst := Pass
	for _, c := range r.Checks {
		switch {
		case c.Status == Fail:
			return Fail
		case c.Status == Warn:
			worst = Warn
		}
	}
	return worst
}

// Predicted lists the modes that failing and warning checks predict, in
// the order found, once each.
func (r *Result) Predicted() []rules.Mode {
	var out []rules.Mode
	seen := map[rules.Mode]bool{}
	for _, c := range r.Checks {
		if c.Mode != "" && (c.Status == Fail || c.Status == Warn) && !seen[c.Mode] {
			seen[c.Mode] = true
			out = append(out, c.Mode)
		}
	}
	return out
}

// Options configure a probe.
type Options struct {
	// URL is the connector URL, exactly as it would be typed into Claude.
	URL string
	// Header is added to every request (for staging gateways).
	Header http.Header
	// Register creates a client with the connector's registration request
	// (it changes the server's state, so only when asked).
	Register bool
	// Timeout bounds each request (default 15 s).
	Timeout time.Duration
	// Deadline is the connector's wait for the token endpoint and the
	// first initialize (10 s); tests shorten it.
	Deadline time.Duration

	// Pins send the connections for a host and port to an address without
	// asking DNS, as curl's --resolve does: a server can be tried before
	// its DNS cut-over.
	Pins []Pin
	// CACerts are trusted besides the public roots (--cacert, for a
	// staging server with a private CA); CAFile names them in the output.
	// A certificate that needs them is a warning: Claude will not accept it.
	CACerts []*x509.Certificate
	CAFile  string

	// For tests: how names resolve, how connections are made, which roots
	// are trusted. The defaults are the system's.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	Dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	RootCAs *x509.CertPool
}

// maxRequests bounds a probe: a few dozen at most, whatever happens.
const maxRequests = 40

// The connector's identities (see failure-modes.md). BrowserUA stands for
// the user's browser, which the connector sends to /authorize.
const (
	brokerUA  = "python-httpx/0.28.1"
	mcpUA     = "Claude-User"
	BrowserUA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
	callback  = "https://claude.ai/api/mcp/auth_callback"
)

// Run probes the server. It returns an error only for a URL it cannot
// probe at all; everything the server does wrong is a check.
func Run(ctx context.Context, o Options) (*Result, error) {
	u, err := rules.ParseConnectorURL(o.URL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("%q is not an http(s) URL", u.Raw)
	}
	// The URL as typed is what is requested (a credential in it included);
	// u, the redacted form, is what is shown.
	target, err := url.Parse(strings.TrimSpace(o.URL))
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %v", u.Raw, err)
	}
	if o.Timeout == 0 {
		o.Timeout = 15 * time.Second
	}
	if o.Deadline == 0 {
		o.Deadline = 10 * time.Second
	}
	p := &prober{o: o, u: u, res: &Result{URL: u.Raw}, target: target.String()}
	for _, pin := range o.Pins {
		p.res.Resolve = append(p.res.Resolve, pin.String())
	}
	// The resource the connector names, and compares the metadata's with,
	// is the URL without a user:password@ (which is never shown).
	bare := *target
	bare.User = nil
	p.mcpURL = bare.String()
	p.redact = newRedactor(target.User)
	p.run(ctx)
	p.redact.result(p.res)
	return p.res, nil
}

type prober struct {
	o      Options
	u      *rules.ConnectorURL
	res    *Result
	c      *client
	redact *redactor

	target  string // the URL as typed: what is requested
	mcpURL  string // the URL without its userinfo: the resource
	prmHint string // the challenge's resource_metadata
	prm     map[string]any
	as      map[string]any
	asURL   string
	client  string // a registered client id (with --register)
	secret  string
}

func (p *prober) add(c Check) {
	if c.Mode != "" && c.Fix == "" {
		c.Fix = fixFor(c.Mode)
	}
	if c.Title == "" {
		c.Title = c.ID
	}
	p.res.Checks = append(p.res.Checks, c)
}

func (p *prober) run(ctx context.Context) {
	if !p.checkURL(ctx) {
		return
	}
	if !p.checkProbe(ctx) {
		p.skipRest("the connector stops at the probe's answer")
		return
	}
	p.checkDiscovery(ctx)
	if p.res.Authless {
		p.checkMCP(ctx)
		return
	}
	p.checkRegistration(ctx)
	p.checkAuthorize(ctx)
	p.checkToken(ctx)
	p.checkMCP(ctx)
}

// skipRest marks the steps the connector would never reach.
func (p *prober) skipRest(why string) {
	for _, s := range []struct {
		id    string
		stage rules.Stage
	}{{"discovery", rules.StageDiscovery}, {"register", rules.StageRegistration}, {"authorize", rules.StageAuthorization}, {"token", rules.StageToken}, {"mcp", rules.StageMCP}} {
		p.add(Check{ID: s.id, Title: s.id, Stage: s.stage, Status: Skip, Summary: why})
	}
}

// fixFor is the fix a rule gives for its mode, or ours for the catalogue
// modes no log rule detects. A check whose cause is narrower than its
// mode's gives its own fix instead.
func fixFor(mode rules.Mode) string {
	if r := rules.ByID(string(mode)); r != nil {
		return r.Fix
	}
	return explanations[mode].Fix
}

// excerpt is a short view of a body for the output, whitespace folded,
// cut at a character boundary (never inside a UTF-8 sequence).
func excerpt(b []byte) string {
	const most = 300
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) <= most {
		return s
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
