package parse

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// A Format is one parser and the log formats it reads. Formats is the
// only place a parser is registered: detection tries them in its order,
// --format accepts the names they emit, the fast path filters the
// formats they declare as access logs, and every event's layer comes
// from here. Adding a format is adding an entry (and its fixture).
type Format struct {
	// Name is the parser's, for messages ("not a haproxy line").
	Name string
	// Emits lists the names its events carry in Event.Format; a parser
	// that tells variants apart (a JSON record's logger, what follows a
	// combined line's user agent) emits several.
	Emits []Emit
	// Fallback: a lenient recogniser (it reads almost any line with a
	// path in it). Detection picks it only when no other format reads
	// the first lines, and it is tried last on every line.
	Fallback bool
	// New builds a fresh parser for one input (a parser may keep state,
	// such as a CSV header). It returns nil when the configuration does
	// not ask for this format (nginx-custom without --nginx-log-format).
	New func(Config) (Parser, error)
}

// Emit is one format name: what an input summary (inputs[].format) and
// --format say.
type Emit struct {
	Name  string
	Layer Layer
	// Access: every record of this format is a request, never an
	// application's own words, so the fast path may filter its lines
	// with a prefilter; Shape says what the prefilter can rely on.
	Access bool
	Shape  Shape
}

// Shape tells a prefilter what it can rely on in an input's lines, and
// locates their fields (see Locate).
type Shape struct {
	// UAKnown: the format logs user agents (set by the scanner from the
	// events it parsed).
	UAKnown bool
	// Combined: nginx's combined layout or one that extends it (the
	// same as Layout == LayoutCombined).
	Combined bool
	// TimeKey: a JSON access log whose time is this top-level key.
	TimeKey string
	// Layout says where the fields are; Locate finds them.
	Layout Layout
	// keys are a JSON layout's paths (LayoutJSON).
	keys *jsonKeys
}

// stateless is the New of a parser that needs no configuration and
// keeps no state: one instance serves every input.
func stateless(p Parser) func(Config) (Parser, error) {
	return func(Config) (Parser, error) { return p, nil }
}

var (
	combinedShape = Shape{Combined: true, Layout: LayoutCombined}
	caddyShape    = Shape{TimeKey: "ts", Layout: LayoutJSON, keys: &jsonKeys{
		Time: []string{"ts"}, Peer: []string{"request.client_ip", "request.remote_ip"},
		Method: []string{"request.method"}, Target: []string{"request.uri"},
		UserAgent: []string{"request.headers.User-Agent.0"}, Forwarded: []string{"request.headers.X-Forwarded-For.0"},
		Status: []string{"status"},
	}}
	cloudflareShape = Shape{TimeKey: "EdgeStartTimestamp", Layout: LayoutJSON, keys: &jsonKeys{
		Time: []string{"EdgeStartTimestamp"}, Peer: []string{"ClientIP"},
		Method: []string{"ClientRequestMethod"}, Target: []string{"ClientRequestURI", "ClientRequestPath"},
		UserAgent: []string{"ClientRequestUserAgent"}, Status: []string{"EdgeResponseStatus"},
	}}
)

func origin(name string) Emit { return Emit{Name: name, Layer: LayerOrigin} }
func app(name string) Emit    { return Emit{Name: name, Layer: LayerApp} }
func access(name string, l Layer, sh Shape) Emit {
	return Emit{Name: name, Layer: l, Access: true, Shape: sh}
}

// Formats is every format mcptriage reads, in detection order: the
// specific ones first, the lenient recognisers last.
var Formats = []Format{
	{Name: "nginx-custom", Emits: []Emit{access("nginx-custom", LayerOrigin, Shape{})},
		New: func(cfg Config) (Parser, error) {
			if cfg.NginxLogFormat == "" {
				return nil, nil
			}
			p, err := NewNginxParser(cfg.NginxLogFormat)
			if err != nil {
				return nil, fmt.Errorf("--nginx-log-format: %w", err)
			}
			return p, nil
		}},
	// Before combined: HAProxy's clf variant starts like it.
	{Name: "haproxy", Emits: []Emit{
		access("haproxy", LayerOrigin, Shape{Layout: LayoutHAProxy}),
		access("haproxy-clf", LayerOrigin, Shape{Layout: LayoutHAProxyCLF}),
	}, New: func(cfg Config) (Parser, error) { return &haproxyParser{cfg: cfg, uaAt: -1}, nil }},
	{Name: "nginx-combined", Emits: []Emit{
		access("nginx-combined", LayerOrigin, combinedShape),
		access("nginx-combined+timing", LayerOrigin, combinedShape),
		access("nginx-combined+extra", LayerOrigin, combinedShape),
		access("nginx-main", LayerOrigin, combinedShape),
		access("nginx-main+timing", LayerOrigin, combinedShape),
		access("nginx-main+extra", LayerOrigin, combinedShape),
	}, New: stateless(nginxCombined)},
	{Name: "nginx-common", Emits: []Emit{access("nginx-common", LayerOrigin, combinedShape)}, New: stateless(nginxCommon)},
	{Name: "apache-vhost-combined", Emits: []Emit{access("apache-vhost-combined", LayerOrigin, Shape{Layout: LayoutVhostCombined})}, New: stateless(apacheVhostCombined)},
	{Name: "cloudflare", Emits: []Emit{
		access("cloudflare-http", LayerEdge, cloudflareShape),
		access("cloudflare-firewall", LayerEdge, Shape{}),
		access("cloudflare-security-events", LayerEdge, Shape{}),
	}, New: stateless(cloudflareJSON{})},
	{Name: "cloudflare-csv", Emits: []Emit{access("cloudflare-csv", LayerEdge, Shape{})},
		New: func(cfg Config) (Parser, error) { return newCloudflareCSV(cfg), nil }},
	{Name: "json", Emits: []Emit{
		access("json-caddy", LayerOrigin, caddyShape),
		access("json-traefik", LayerOrigin, Shape{}),
		origin("json-gcp"), origin("json-vercel"),
		app("json-pino"), app("json-bunyan"), app("json-zap"), app("json-zerolog"), app("json-slog-logrus"),
		app("json-winston"), app("json-structlog"), app("json-python"), app("json-cf-worker"), app("json-generic"),
	}, New: func(cfg Config) (Parser, error) { return &jsonLogParser{cfg: cfg}, nil }},
	{Name: "gunicorn", Emits: []Emit{app("gunicorn")}, New: func(cfg Config) (Parser, error) { return gunicornParser{cfg: cfg}, nil }},
	{Name: "uvicorn", Emits: []Emit{app("uvicorn")}, New: regexFormat(uvicornRegex)},
	{Name: "morgan-dev", Emits: []Emit{app("morgan-dev")}, New: regexFormat(morganDevRegex)},
	{Name: "morgan-short", Emits: []Emit{app("morgan-short")}, New: regexFormat(morganShortRegex)},
	{Name: "nextjs", Emits: []Emit{app("nextjs")}, New: regexFormat(nextRegex)},
	{Name: "envoy", Emits: []Emit{access("envoy", LayerOrigin, Shape{})}, New: regexFormat(envoyRegex)},
	{Name: "aws-alb", Emits: []Emit{access("aws-alb", LayerOrigin, Shape{})}, New: regexFormat(albRegex)},
	{Name: "tower-http", Emits: []Emit{app("tower-http")}, New: regexFormat(towerRegex)},
	// Gin's default logger (Go): "[GIN] 2026/11/26 - 10:00:01 | 401 |  1.2ms |  160.79.106.35 | POST  \"/mcp\""
	{Name: "gin", Emits: []Emit{app("gin")}, New: regexFormat(&regexSpec{name: "gin",
		re: regexp.MustCompile(`^\[GIN\] (?P<date>\d{4}/\d{2}/\d{2}) - (?P<time>\d{2}:\d{2}:\d{2}) \|\s*(?P<status>\d{3})\s*\|\s*(?P<dur>[\d.]+[µnmu]?s)\s*\|\s*(?P<client>\S+)\s*\|\s*(?P<method>[A-Z]+)\s+"(?P<target>[^"]*)"`)})},
	{Name: "nginx-error", Emits: []Emit{origin("nginx-error")}, New: regexFormat(nginxErrorRegex)},
	// One reader for pasted requests and an app's words (generic.go): a
	// table's header or a startup line read once serves both.
	{Name: "generic", Fallback: true, Emits: []Emit{app("generic"), app("message"), {Name: "generic-edge", Layer: LayerEdge}},
		New: func(cfg Config) (Parser, error) { return &genericParser{cfg: cfg}, nil }},
}

// emits indexes every emitted name.
var emits = func() map[string]*Emit {
	m := map[string]*Emit{}
	for i := range Formats {
		for j := range Formats[i].Emits {
			e := &Formats[i].Emits[j]
			if _, dup := m[e.Name]; dup {
				panic("parse: format name declared twice: " + e.Name) // a programming error, caught by any test
			}
			m[e.Name] = e
		}
	}
	return m
}()

// LookupFormat returns the declaration of a format name (as in
// Event.Format), or nil.
func LookupFormat(name string) *Emit { return emits[name] }

// FormatNames lists the names --format accepts and inputs report, sorted.
func FormatNames() []string {
	names := make([]string, 0, len(emits))
	for n := range emits {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParserSet is the parsers for one input, in detection order, with the
// formats they were built from.
type ParserSet struct {
	cfg  Config
	list []bound
}

type bound struct {
	f *Format
	p Parser
}

// Parsers builds a fresh parser set for one input. With cfg.Format it
// holds only the parser that reads that format name.
func Parsers(cfg Config) (*ParserSet, error) {
	set := &ParserSet{cfg: cfg}
	var only *Format
	if cfg.Format != "" {
		for i := range Formats {
			if slices.ContainsFunc(Formats[i].Emits, func(e Emit) bool { return e.Name == cfg.Format }) {
				only = &Formats[i]
			}
		}
		switch {
		case only == nil:
			return nil, fmt.Errorf("unknown --format %q (known: %s)", cfg.Format, strings.Join(FormatNames(), ", "))
		case only.Name == "nginx-custom" && cfg.NginxLogFormat == "":
			return nil, errors.New("--format nginx-custom needs the log_format itself: pass it with --nginx-log-format")
		}
	}
	for i := range Formats {
		f := &Formats[i]
		if only != nil && f != only {
			continue
		}
		p, err := f.New(cfg)
		if err != nil {
			return nil, err
		}
		if p != nil {
			set.list = append(set.list, bound{f: f, p: p})
		}
	}
	return set, nil
}

// Len is the number of parsers in the set.
func (s *ParserSet) Len() int { return len(s.list) }

// Names lists the set's parsers by name, in order.
func (s *ParserSet) Names() []string {
	out := make([]string, len(s.list))
	for i, b := range s.list {
		out[i] = b.f.Name
	}
	return out
}

// fresh builds new parsers from the same formats, for a look at lines
// that must not disturb the real ones' state (detection).
func (s *ParserSet) fresh() []Parser {
	out := make([]Parser, len(s.list))
	for i, b := range s.list {
		p, err := b.f.New(s.cfg)
		if err != nil || p == nil {
			p = b.p // built once already, so it cannot fail now
		}
		out[i] = p
	}
	return out
}
