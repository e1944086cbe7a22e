package parse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The formats nginx users have without asking for one. combined is
// nginx's built-in default; the official packages and Docker image log
// "main", which is combined plus "$http_x_forwarded_for"; many
// deployments append timing or key=value fields. All of those are read
// by the combined parser, which interprets whatever follows the user
// agent (see readTail).
const (
	CombinedFormat = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`
	CommonFormat   = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent`
	// Apache's vhost_combined, in nginx's words.
	VhostCombinedFormat = `$host:$server_port ` + CombinedFormat
)

// NginxParser reads one nginx log_format.
type NginxParser struct {
	name   string
	format *nginxFormat
	// tail: the line may continue after the format; read the rest with
	// the combined-tail heuristics.
	tail bool
}

// NewNginxParser compiles a custom log_format, given as it appears in
// nginx.conf (the whole directive, its quoted strings, or the bare text).
func NewNginxParser(logFormat string) (*NginxParser, error) {
	f, err := compileNginxFormat(logFormat)
	if err != nil {
		return nil, err
	}
	return &NginxParser{name: "nginx-custom", format: f}, nil
}

func mustNginx(name, format string, tail bool) *NginxParser {
	f, err := compileNginxFormat(format)
	if err != nil {
		panic(err) // a built-in format that does not compile is a programming error
	}
	return &NginxParser{name: name, format: f, tail: tail}
}

// The built-in layouts. A parser holds no state, so one serves every input.
var (
	// nginxCombined reads combined and everything that starts like it.
	nginxCombined = mustNginx("nginx-combined", CombinedFormat, true)
	// nginxCommon reads the Common Log Format (no referer, no user agent).
	nginxCommon = mustNginx("nginx-common", CommonFormat, false)
	// apacheVhostCombined reads Apache's vhost_combined (Debian's
	// other_vhosts_access.log): "%v:%p " before combined.
	apacheVhostCombined = mustNginx("apache-vhost-combined", VhostCombinedFormat, true)
)

// Parse reads one line into ev.
func (p *NginxParser) Parse(line []byte, ev *Event) error {
	var spanBuf [48][2]int
	spans := spanBuf[:0]
	if len(p.format.segs) <= len(spanBuf) {
		spans = spanBuf[:len(p.format.segs)]
	} else {
		spans = make([][2]int, len(p.format.segs))
	}
	end, ok := p.format.match(line, spans, p.tail)
	if !ok && p.format.escape != escapeJSON && bytes.Count(line, []byte{'"'})%2 == 1 {
		// A line cut inside its last quoted field (a pasted excerpt, a
		// crash mid-write) still holds a whole request: close the quote.
		closed := append(append(make([]byte, 0, len(line)+1), line...), '"')
		if end, ok = p.format.match(closed, spans, p.tail); ok {
			line = closed
		}
	}
	if !ok {
		return p.mismatch(line)
	}
	ev.Format = p.name
	ev.Bytes = -1
	ev.UAKnown = p.format.hasUA
	var masks [][2]int
	for i, seg := range p.format.segs {
		if seg.lit != "" {
			continue
		}
		raw := line[spans[i][0]:spans[i][1]]
		if err := p.setVar(ev, seg, raw); err != nil {
			return err
		}
		if (seg.kind == vAuthValue || seg.kind == vSecret) && len(raw) > 0 && string(raw) != "-" {
			masks = append(masks, spans[i])
		}
	}
	if p.tail && end < len(line) {
		// Only combined names its variants (nginx-main, +timing): the
		// others read what follows and keep their name.
		if variant := readTail(line[end:], ev, p.name); p.name == "nginx-combined" {
			ev.Format = variant
		}
	}
	if len(masks) > 0 {
		ev.Text = maskSpans(line, masks)
	}
	if ev.Time.IsZero() {
		return fmt.Errorf("the time field could not be read")
	}
	return nil
}

// mismatch explains, without quoting the line, why it is not in this format.
func (p *NginxParser) mismatch(line []byte) error {
	switch {
	case len(bytes.TrimSpace(line)) == 0:
		return fmt.Errorf("empty line")
	case bytes.IndexByte(line, 0) >= 0:
		return fmt.Errorf("binary data, not a log line")
	case line[0] == '{':
		return fmt.Errorf("a JSON line, not %s", p.name)
	case bytes.IndexByte(line, '[') < 0:
		return fmt.Errorf("no [time] field: not %s", p.name)
	case bytes.IndexByte(line, '"') < 0:
		return fmt.Errorf("no quoted request field: not %s", p.name)
	case bytes.Count(line, []byte{'"'})%2 == 1:
		return fmt.Errorf("a quoted field is never closed (truncated line?)")
	}
	return fmt.Errorf("fields do not line up with %s", p.name)
}

func (p *NginxParser) unescape(raw []byte) string {
	switch p.format.escape {
	case escapeJSON:
		return unescapeJSONString(raw)
	case escapeNone:
		return string(raw)
	}
	return string(unescapeNginx(raw))
}

func (p *NginxParser) setVar(ev *Event, seg segment, raw []byte) error {
	if len(raw) == 0 || string(raw) == "-" {
		switch seg.kind {
		case vStatus:
			// morgan's combined writes "-" when the client left before
			// any response (nginx never does).
			ev.ClientGone = string(raw) == "-"
		case vAuthValue:
			ev.Authorization = Absent
		case vWWWAuth:
			ev.HasWWWAuth = Absent
		}
		return nil
	}
	switch seg.kind {
	case vRemoteAddr:
		ev.Peer = ParseAddr(string(raw))
	case vTimeLocal:
		t, zone, err := parseTimeLocal(string(raw))
		if err != nil {
			return fmt.Errorf("time %s", err)
		}
		ev.Time, ev.Zone = t, zone
	case vTimeISO:
		t, err := time.Parse(time.RFC3339Nano, string(raw))
		if err != nil {
			return fmt.Errorf("time field is not ISO 8601")
		}
		ev.Time, ev.Zone = t.UTC(), zoneOf(t)
	case vMsec:
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return fmt.Errorf("$msec is not a number")
		}
		sec, frac := math.Modf(f)
		ev.Time = time.Unix(int64(sec), int64(frac*1e9)).UTC().Round(time.Millisecond)
	case vRequest:
		setRequestLine(ev, p.unescape(raw))
	case vMethod:
		ev.Method = p.unescape(raw)
	case vRequestURI:
		setTarget(ev, p.unescape(raw))
	case vURI:
		if ev.Path == "" {
			ev.Path = p.unescape(raw)
		}
	case vArgs:
		if ev.RawQuery == "" {
			ev.RawQuery = p.unescape(raw)
		}
	case vProto:
		ev.Proto = p.unescape(raw)
	case vStatus:
		ev.Status, _ = strconv.Atoi(string(raw))
		// 499 is nginx's record of a client that gave up waiting.
		ev.ClientGone = ev.Status == 499
	case vBytes:
		ev.Bytes, _ = strconv.ParseInt(string(raw), 10, 64)
	case vReferer:
		ev.Referer = p.unescape(raw)
	case vUserAgent:
		ev.UserAgent = p.unescape(raw)
	case vXFF:
		ev.ForwardedFor = ParseAddrList(p.unescape(raw))
	case vConnIP:
		ev.ConnectingIP = ParseAddr(p.unescape(raw))
		ev.ConnectingIPHeader = headerNameOf(seg.name)
	case vHost:
		if ev.Host == "" {
			ev.Host = p.unescape(raw)
		}
	case vAuthValue:
		ev.Authorization = Present
	case vAuthFlag:
		ev.Authorization = ParsePresence(p.unescape(raw))
	case vRequestTime:
		if d, ok := parseSeconds(string(raw)); ok {
			ev.Duration, ev.HasDuration = d, true
		}
	case vUpstreamTime:
		if d, ok := parseUpstreamSeconds(string(raw)); ok {
			ev.UpstreamDuration, ev.HasUpstream = d, true
		}
	case vContentType:
		ev.ContentType = p.unescape(raw)
	case vWWWAuth:
		ev.WWWAuthenticate = p.unescape(raw)
		ev.HasWWWAuth = Present
	case vLocation:
		ev.Location = p.unescape(raw)
	case vRay:
		ev.RayID, _, _ = strings.Cut(p.unescape(raw), "-")
	case vRequestID:
		ev.RequestID = p.unescape(raw)
	}
	return nil
}

func headerNameOf(variable string) string {
	name := strings.TrimPrefix(variable, "http_")
	parts := strings.Split(name, "_")
	for i, w := range parts {
		switch w {
		case "ip", "cf":
			parts[i] = strings.ToUpper(w)
		default:
			if w != "" {
				parts[i] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
	}
	return strings.Join(parts, "-")
}

// setRequestLine splits "METHOD target PROTO". A line that is not a
// request (TLS bytes on a plain port, a bare "-") leaves Method empty.
func setRequestLine(ev *Event, req string) {
	parts := strings.SplitN(req, " ", 3)
	if !isMethod(parts[0]) || len(parts) < 2 {
		return
	}
	ev.Method = parts[0]
	setTarget(ev, parts[1])
	if len(parts) == 3 {
		ev.Proto = parts[2]
	}
}

func isMethod(s string) bool {
	if len(s) == 0 || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// setTarget reads an origin-form or absolute-form request target.
func setTarget(ev *Event, target string) {
	if rest, ok := cutScheme(target); ok {
		host, path, found := strings.Cut(rest, "/")
		if ev.Host == "" {
			ev.Host = host
		}
		target = "/"
		if found {
			target += path
		}
	}
	path, query, _ := strings.Cut(target, "?")
	ev.Path = path
	ev.RawQuery = query
}

func cutScheme(s string) (string, bool) {
	if rest, ok := strings.CutPrefix(s, "https://"); ok {
		return rest, true
	}
	return strings.CutPrefix(s, "http://")
}

const timeLocalLayout = "02/Jan/2006:15:04:05 -0700"

// parseTimeLocal reads nginx's $time_local and keeps the offset as written.
func parseTimeLocal(s string) (time.Time, string, error) {
	t, err := time.Parse(timeLocalLayout, s)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("is not dd/Mon/yyyy:hh:mm:ss +zzzz")
	}
	return t.UTC(), zoneOf(t), nil
}

// zoneOf renders a time's offset as "+0200", or "" for UTC.
func zoneOf(t time.Time) string {
	_, off := t.Zone()
	if off == 0 {
		return ""
	}
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%c%02d%02d", sign, off/3600, off%3600/60)
}

func parseSeconds(s string) (time.Duration, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) || f > 1e6 {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)).Round(time.Millisecond), true
}

// parseUpstreamSeconds reads "0.012", "0.012, 0.004" or "0.1 : 0.2"; the
// last value is the upstream that answered.
func parseUpstreamSeconds(s string) (time.Duration, bool) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ':' || r == ' ' })
	for i := len(fields) - 1; i >= 0; i-- {
		if d, ok := parseSeconds(fields[i]); ok {
			return d, true
		}
	}
	return 0, false
}

// ParsePresence reads the values users give a "was Authorization sent"
// field: present/absent, yes/no, 1/0, true/false, or a redacted value.
func ParsePresence(s string) Presence {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(s), `"`)) {
	case "", "-", "absent", "no", "0", "false", "none", "missing", "(none)", "null", "[]":
		return Absent
	case "present", "yes", "1", "true", "set", "bearer":
		return Present
	}
	return Present // some other non-empty value: a (redacted) credential
}

// unescapeNginx undoes the escaping of combined-style logs: nginx's
// \xHH, and the \" and \\ that Apache, gunicorn and morgan write (nginx
// writes those characters as \x22 and \x5C, so they never mean
// anything else).
func unescapeNginx(s []byte) []byte {
	if bytes.IndexByte(s, '\\') < 0 {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch c := s[i+1]; {
			case c == 'x' && i+3 < len(s):
				if v, err := strconv.ParseUint(string(s[i+2:i+4]), 16, 8); err == nil {
					out = append(out, byte(v))
					i += 3
					continue
				}
			case c == '"' || c == '\\':
				out = append(out, c)
				i++
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}

func unescapeJSONString(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	var s string
	quoted := append(append([]byte{'"'}, raw...), '"')
	if err := json.Unmarshal(quoted, &s); err != nil {
		return string(raw)
	}
	return s
}

func maskSpans(line []byte, spans [][2]int) string {
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.Write(line[last:sp[0]])
		b.WriteString(Mask(string(line[sp[0]:sp[1]])))
		last = sp[1]
	}
	b.Write(line[last:])
	return b.String()
}

// ParseAddr reads an address as logs write it: IPv4, IPv6 with or
// without brackets, IPv4-mapped IPv6, with or without a port.
// It returns the zero Addr for anything else.
func ParseAddr(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.Unmap().WithZone("")
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	return netip.Addr{}
}

// ParseAddrList reads an X-Forwarded-For value, dropping entries that
// are not addresses ("unknown", obfuscated identifiers).
func ParseAddrList(s string) []netip.Addr {
	var out []netip.Addr
	for _, part := range strings.Split(s, ",") {
		if a := ParseAddr(part); a.IsValid() {
			out = append(out, a)
		}
	}
	return out
}
