package parse

import (
	"errors"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Plain-text access lines of the servers MCP developers run, and a
// last-resort recogniser for any line that carries a request and its
// status. Each parser is a regular expression plus a small setter.

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// stripANSI removes colour codes (morgan's dev format writes them even to files).
func stripANSI(line []byte) string {
	if !strings.Contains(string(line), "\x1b[") {
		return string(line)
	}
	return ansiEscape.ReplaceAllString(string(line), "")
}

// regexSpec is one line shape: a regular expression and a setter. The
// leading-timestamp handling is shared: a timestamp before the line
// (Docker, a supervisor, a logging prefix) becomes the event's time.
type regexSpec struct {
	name string
	re   *regexp.Regexp
	// set reads the match into the event; nil reads it by its group
	// names (setNamed).
	set func(p *regexParser, m map[string]string, ev *Event) error
	// quiet matches the format's own lines that record nothing (a
	// server's start and stop): neither an event nor a skip, unless they
	// state a fact about the flow or name a request.
	quiet *regexp.Regexp
}

// regexParser reads one regexSpec with an input's configuration.
type regexParser struct {
	*regexSpec
	cfg Config
}

// regexFormat is a Format's New for a regexSpec.
func regexFormat(spec *regexSpec) func(Config) (Parser, error) {
	return func(cfg Config) (Parser, error) { return &regexParser{regexSpec: spec, cfg: cfg}, nil }
}

func (p *regexParser) Parse(line []byte, ev *Event) error {
	if len(line) > maxPatternLine {
		return tooLongFor(p.name, line)
	}
	text := stripANSI(line)
	t, zone, assumed, rest, hasTS := p.cfg.cutTimestamp(text)
	sub := p.re.FindStringSubmatch(rest)
	if sub == nil && hasTS {
		sub = p.re.FindStringSubmatch(text)
		hasTS = false
	}
	if sub == nil {
		if p.quiet != nil && p.quiet.MatchString(rest) && SignalsOf(rest) == 0 && !genericRequest.MatchString(rest) {
			return errNotRecord
		}
		return errors.New("not a " + p.name + " line")
	}
	m := make(map[string]string, len(sub))
	for i, n := range p.re.SubexpNames() {
		if n != "" {
			m[n] = sub[i]
		}
	}
	ev.Format, ev.Bytes = p.name, -1
	if hasTS {
		ev.Time, ev.Zone, ev.ZoneAssumed = t, zone, assumed
	}
	if p.set == nil {
		return setNamed(p, m, ev)
	}
	return p.set(p, m, ev)
}

var (
	uvicornRegex = &regexSpec{name: "uvicorn",
		// INFO:     160.79.106.35:40112 - "POST /mcp HTTP/1.1" 401 Unauthorized
		// (under gunicorn's uvicorn worker: no level, no reason phrase;
		// "None:0" when every forwarded address was a trusted proxy's)
		re:  regexp.MustCompile(`^(?:(?P<level>[A-Z]+):\s+)?(?P<client>\S+:\d+|\[[^\]]+\]:\d+) - "(?P<method>[A-Z]+) (?P<target>.*?) HTTP/(?P<ver>[\d.]+)" (?P<status>\d{3})(?: (?P<phrase>.*))?$`),
		set: setUvicorn,
		// INFO:     Started server process [41]
		quiet: regexp.MustCompile(`^(?:TRACE|DEBUG|INFO|WARNING|ERROR|CRITICAL):\s+\S`)}
	morganDevRegex = &regexSpec{name: "morgan-dev",
		// POST /mcp 401 12.345 ms - 68   (dev)   POST /mcp 401 68 - 12.345 ms   (tiny)
		// POST /token - - ms - -         (dev, the client left before the response)
		re:  regexp.MustCompile(`^(?P<method>[A-Z]+) (?P<target>/\S*) (?P<status>\d{3}|-) (?:(?P<ms1>[\d.]+|-) ms - (?P<len1>\S+)|(?P<len2>\S+) - (?P<ms2>[\d.]+|-) ms)\s*$`),
		set: setMorgan}
	morganShortRegex = &regexSpec{name: "morgan-short",
		// ::ffff:160.79.106.35 - POST /mcp HTTP/1.1 401 68 - 3.102 ms
		re:  regexp.MustCompile(`^(?P<client>\S+) \S+ (?P<method>[A-Z]+) (?P<target>\S+) HTTP/(?P<ver>[\d.]+) (?P<status>\d{3}|-) (?P<len1>\S+) - (?P<ms1>[\d.]+|-) ms$`),
		set: setMorgan}
	nextRegex = &regexSpec{name: "nextjs",
		//  POST /api/mcp 401 in 12ms
		re:  regexp.MustCompile(`^\s*(?P<method>GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (?P<target>/\S*) (?P<status>\d{3}) in (?P<dur>[\d.]+)(?P<unit>ms|s)\b`),
		set: setNext}
	envoyRegex = &regexSpec{name: "envoy",
		// [2026-11-18T09:14:02.412Z] "POST /mcp HTTP/1.1" 401 - 0 68 3 2 "160.79.106.35" "Claude-User" "id" "mcp.example.com" "10.0.0.5:8080"
		re:  regexp.MustCompile(`^\[(?P<ts>[^\]]+)\] "(?P<method>[A-Z]+) (?P<target>\S+) (?P<proto>[^"]*)" (?P<status>\d{1,3}) (?P<flags>\S+) (?P<rx>\d+) (?P<tx>\d+) (?P<dur>\d+|-) (?P<upst>\S+) "(?P<xff>[^"]*)" "(?P<ua>[^"]*)" "(?P<rid>[^"]*)" "(?P<authority>[^"]*)"`),
		set: setEnvoy}
	albRegex = &regexSpec{name: "aws-alb",
		re:  regexp.MustCompile(`^(?P<type>https?|h2|grpcs|ws|wss) (?P<ts>\d{4}-\d{2}-\d{2}T\S+Z) (?P<elb>\S+) (?P<client>\S+) (?P<target>\S+) (?P<t1>-?[\d.]+) (?P<t2>-?[\d.]+) (?P<t3>-?[\d.]+) (?P<elbstatus>\d{3}|-) (?P<tstatus>\d{3}|-) (?P<rx>\d+) (?P<tx>\d+) "(?P<method>[A-Z-]+) (?P<url>\S+) (?P<proto>[^"]*)" "(?P<ua>[^"]*)"`),
		set: setALB}
	towerRegex = &regexSpec{name: "tower-http",
		// request{method=POST uri=/mcp version=HTTP/1.1}: tower_http::trace::on_response: finished processing request latency=3 ms status=401
		re:  regexp.MustCompile(`(?P<level>TRACE|DEBUG|INFO|WARN|ERROR)?\s*request\{(?P<fields>[^}]*)\}:\s*tower_http::trace::(?P<phase>on_request|on_response|on_failure)\S*:?\s*(?P<msg>.*)$`),
		set: setTower}
	nginxErrorRegex = &regexSpec{name: "nginx-error",
		re:  regexp.MustCompile(`^(?P<ts>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) \[(?P<level>\w+)\] \d+#\d+: (?:\*\d+ )?(?P<msg>.*?)(?:, client: (?P<client>[^,]+))?(?:, server: [^,]*)?(?:, request: "(?P<request>[^"]*)")?(?:, upstream: "[^"]*")?(?:, host: "(?P<host>[^"]*)")?(?:, referrer: "[^"]*")?$`),
		set: setNginxError}
)

// setTime reads a line's own time field.
func (p *regexParser) setTime(raw string, ev *Event) error {
	t, zone, assumed, ok := p.cfg.parseTimestamp(raw)
	if !ok {
		return errors.New("the time field could not be read")
	}
	ev.Time, ev.Zone, ev.ZoneAssumed = t, zone, assumed
	return nil
}

func atoiStatus(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 999 {
		return 0
	}
	return n
}

func setUvicorn(p *regexParser, m map[string]string, ev *Event) error {
	// With --proxy-headers (uvicorn's default) the client is the address
	// X-Forwarded-For named, written with port 0; the proxy's own address
	// is not logged. "None:0": the header named only trusted proxies.
	if host, port, ok := cutPort(m["client"]); ok && port == "0" {
		if a := ParseAddr(host); a.IsValid() {
			ev.ForwardedFor = []netip.Addr{a}
		}
	} else {
		ev.Peer = ParseAddr(m["client"])
	}
	ev.Method = m["method"]
	setTarget(ev, strings.TrimSpace(m["target"]))
	ev.Proto = "HTTP/" + m["ver"]
	ev.Status = atoiStatus(m["status"])
	ev.Level = m["level"]
	return nil
}

// cutPort splits "host:port" and "[v6]:port" at the port.
func cutPort(s string) (host, port string, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, "", false
	}
	return strings.Trim(s[:i], "[]"), s[i+1:], true
}

func setMorgan(p *regexParser, m map[string]string, ev *Event) error {
	ev.Method = m["method"]
	setTarget(ev, m["target"])
	if m["status"] == "-" {
		// morgan writes "-" when the client left before any response.
		ev.ClientGone = true
	} else {
		ev.Status = atoiStatus(m["status"])
	}
	if a := ParseAddr(m["client"]); a.IsValid() {
		ev.Peer = a
	}
	ms := m["ms1"] + m["ms2"]
	if f, err := strconv.ParseFloat(ms, 64); err == nil {
		ev.Duration, ev.HasDuration = time.Duration(f*float64(time.Millisecond)), true
	}
	if n, err := strconv.ParseInt(m["len1"]+m["len2"], 10, 64); err == nil {
		ev.Bytes = n
	}
	return nil
}

func setNext(p *regexParser, m map[string]string, ev *Event) error {
	ev.Method = m["method"]
	setTarget(ev, m["target"])
	ev.Status = atoiStatus(m["status"])
	if f, err := strconv.ParseFloat(m["dur"], 64); err == nil {
		unit := time.Millisecond
		if m["unit"] == "s" {
			unit = time.Second
		}
		ev.Duration, ev.HasDuration = time.Duration(f*float64(unit)), true
	}
	return nil
}

func setEnvoy(p *regexParser, m map[string]string, ev *Event) error {
	if err := p.setTime(m["ts"], ev); err != nil {
		return err
	}
	ev.Method = m["method"]
	setTarget(ev, m["target"])
	ev.Proto = m["proto"]
	ev.Status = atoiStatus(m["status"])
	ev.Bytes, _ = strconv.ParseInt(m["tx"], 10, 64)
	if ms, err := strconv.Atoi(m["dur"]); err == nil {
		ev.Duration, ev.HasDuration = time.Duration(ms)*time.Millisecond, true
	}
	if m["xff"] != "-" {
		ev.ForwardedFor = ParseAddrList(m["xff"])
	}
	ev.UserAgent, ev.UAKnown = dashEmpty(m["ua"]), true
	ev.RequestID = dashEmpty(m["rid"])
	ev.Host = dashEmpty(m["authority"])
	setEnvoyFlags(ev, m["flags"])
	return nil
}

// Envoy's response flags that mean Envoy answered itself: no healthy or
// reachable upstream, no route, an upstream timeout, a local rate limit,
// an external authorization's refusal, an overflow, a local reset.
var envoyOwnAnswer = map[string]bool{
	"UH": true, "UF": true, "UO": true, "NR": true, "URX": true, "UT": true, "RL": true,
	"UAEX": true, "RLSE": true, "LH": true, "NC": true, "DPE": true, "UMSDR": true, "LR": true,
	"IH": true, "SI": true, "DF": true, "NFCF": true, "OM": true,
}

// setEnvoyFlags reads %RESPONSE_FLAGS% ("-", "UT", "DC,UT").
func setEnvoyFlags(ev *Event, flags string) {
	if flags == "" || flags == "-" {
		return
	}
	ev.Termination = flags
	for _, f := range strings.Split(flags, ",") {
		switch {
		case f == "DC":
			ev.ClientGone = true // downstream connection termination
		case f == "UC" || f == "UR":
			ev.Cut = true // the upstream closed or reset mid-response
		case envoyOwnAnswer[f]:
			ev.ProxyAnswered = true
		}
	}
}

func setALB(p *regexParser, m map[string]string, ev *Event) error {
	t, err := time.Parse(time.RFC3339Nano, m["ts"])
	if err != nil {
		return errors.New("the time field could not be read")
	}
	ev.Time = t.UTC()
	ev.Peer = ParseAddr(m["client"])
	ev.Method = m["method"]
	setTarget(ev, m["url"])
	if h, _, found := strings.Cut(ev.Host, ":"); found {
		ev.Host = h
	}
	ev.Proto = m["proto"]
	ev.Status = atoiStatus(m["elbstatus"])
	ev.Bytes, _ = strconv.ParseInt(m["tx"], 10, 64)
	var total float64
	known := true
	for _, k := range []string{"t1", "t2", "t3"} {
		f, err := strconv.ParseFloat(m[k], 64)
		if err != nil || f < 0 {
			known = false
			break
		}
		total += f
	}
	if known {
		ev.Duration, ev.HasDuration = time.Duration(total*float64(time.Second)), true
	}
	ev.UserAgent, ev.UAKnown = dashEmpty(m["ua"]), true
	return nil
}

var towerField = regexp.MustCompile(`(\w+)=("[^"]*"|\S+)`)

func setTower(p *regexParser, m map[string]string, ev *Event) error {
	for _, kv := range towerField.FindAllStringSubmatch(m["fields"], -1) {
		v := strings.Trim(kv[2], `"`)
		switch kv[1] {
		case "method":
			ev.Method = v
		case "uri":
			setTarget(ev, v)
		case "version":
			ev.Proto = v
		}
	}
	if ev.Method == "" {
		return errors.New("a tower-http span without a method")
	}
	ev.Level = m["level"]
	for _, kv := range towerField.FindAllStringSubmatch(m["msg"], -1) {
		if kv[1] == "status" {
			ev.Status = atoiStatus(strings.Trim(kv[2], `"`))
		}
	}
	if lm := towerLatency.FindStringSubmatch(m["msg"]); lm != nil {
		unit := strings.Replace(lm[2], "µs", "us", 1)
		if d, err := time.ParseDuration(lm[1] + unit); err == nil {
			ev.Duration, ev.HasDuration = d, true
		}
	}
	return nil
}

var towerLatency = regexp.MustCompile(`latency=([\d.]+)\s*(ns|µs|us|ms|s)\b`)

func setNginxError(p *regexParser, m map[string]string, ev *Event) error {
	if err := p.setTime(m["ts"], ev); err != nil {
		return err
	}
	ev.Level = m["level"]
	ev.Message = m["msg"]
	ev.Signals = SignalsOf(m["msg"])
	ev.Peer = ParseAddr(m["client"])
	ev.Host = m["host"]
	if m["request"] != "" {
		setRequestLine(ev, m["request"])
	}
	return nil
}

func dashEmpty(s string) string {
	if s == "-" {
		return ""
	}
	return s
}
