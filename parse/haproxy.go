package parse

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// HAProxy's HTTP log (option httplog), as HAProxy 2.6 writes it to
// syslog or stdout:
//
//	127.0.0.1:53638 [01/Dec/2026:23:30:17.779] fe_mcp be_app/app1 0/0/0/1/3 401 275 - - ---- 1/1/0/0/0 0/0 {python-httpx/0.28.1|160.79.106.35} {application/json} "POST /mcp HTTP/1.1"
//
// The accept date is local time without a zone. The captured request and
// response headers ({…|…}) are whatever the configuration captures, in
// its order. The termination state ("PR--", "sH--", "CD--") says who
// ended the request: HAProxy's own refusals and timeouts are not the
// application's answers. A connection that never sent a request (a
// health check, TLS bytes on a plain port) is logged as "<BADREQ>": not
// a request, and not worth a skip either.
//
// "option httplog clf" writes the same facts in the Common Log Format
// layout, with a zone, and every capture quoted.
type haproxyParser struct {
	cfg Config
	// uaAt is the request capture that held a user agent on an earlier
	// line: captures come in the configuration's order, the same on every
	// line, so a value there that does not look like one ("node") is
	// still the user agent, and an empty one says none was sent. -1 until
	// a line shows it.
	uaAt int
}

var (
	// An optional syslog prefix: the wire's "<134>Dec  1 23:30:17
	// haproxy[7]: ", rsyslog's "Dec  1 23:30:17 host haproxy[7]: " or
	// "2026-12-01T23:30:17.779+01:00 host haproxy[7]: ".
	syslogPrefix   = regexp.MustCompile(`^(?:<\d{1,3}>\d? ?)?(?:(?P<rfc>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2})(?: [^\s\[]+)? [\w./-]+\[\d+\]: `)
	haproxyHTTPLog = regexp.MustCompile(`^(?P<client>\S+):\d+ \[(?P<ts>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)\] \S+ \S+/(?P<srv>\S+) -?\d+/-?\d+/-?\d+/(?P<tr>-?\d+)/(?P<ta>\+?-?\d+) (?P<status>-?\d+) (?P<bytes>\+?-?\d+) \S+ \S+ (?P<term>[-A-Za-z]{4}) [\d/+]+ \d+/\d+(?: \{(?P<req>[^}]*)\})?(?: \{(?P<res>[^}]*)\})? "(?P<request>[^"]*)"?\s*$`)
	haproxyCLF     = regexp.MustCompile(`^(?P<client>\S+) \S+ \S+ \[(?P<ts>[^\]]+)\] "(?P<request>[^"]*)" (?P<status>-?\d+) (?P<bytes>\+?-?\d+) "[^"]*" "[^"]*" \d+ \d+ "[^"]*" "[^"]*" "(?P<srv>[^"]*)" -?\d+ -?\d+ -?\d+ (?P<tr>-?\d+) (?P<ta>\+?-?\d+) (?P<term>[-A-Za-z]{4}) \d+ \d+ \d+ \d+ \+?\d+ \d+ \d+(?P<caps>(?: "[^"]*")*)\s*$`)
)

func (p *haproxyParser) Parse(line []byte, ev *Event) error {
	if len(line) > maxPatternLine {
		return tooLongFor("HAProxy", line)
	}
	text := string(line)
	zone := p.cfg.location()
	zoneKnown := p.cfg.TZExplicit
	if m := syslogPrefix.FindStringSubmatchIndex(text); m != nil {
		if m[2] >= 0 {
			// rsyslog's own stamp carries the host's offset: the accept
			// date is local time in that offset.
			if t, err := time.Parse(time.RFC3339Nano, fixOffset(text[m[2]:m[3]])); err == nil {
				zone, zoneKnown = t.Location(), true
			}
		}
		text = text[m[1]:]
	}
	var f map[string]string
	var reqCaps, resCaps []string
	clf := false
	if sub := haproxyHTTPLog.FindStringSubmatch(text); sub != nil {
		f = submatches(haproxyHTTPLog, sub)
		reqCaps = splitCaptures(f["req"], "|")
		resCaps = splitCaptures(f["res"], "|")
	} else if sub := haproxyCLF.FindStringSubmatch(text); sub != nil {
		f, clf = submatches(haproxyCLF, sub), true
		reqCaps = splitCaptures(strings.TrimSpace(f["caps"]), `" "`)
	} else {
		return errors.New("not a haproxy line")
	}
	if masked, ok := maskCookieCaptures(string(line)); ok {
		ev.Text = masked
	}
	request := haproxyUnescape(f["request"])
	if request == "<BADREQ>" {
		return errNotRecord // a connection that sent no request
	}
	ev.Format, ev.Bytes = "haproxy", -1
	if clf {
		ev.Format = "haproxy-clf"
		t, tz, err := parseTimeLocal(f["ts"])
		if err != nil {
			return errors.New("the time field could not be read")
		}
		ev.Time, ev.Zone = t, tz
	} else {
		t, ok := parseLocalIn(f["ts"], zone)
		if !ok {
			return errors.New("the accept date could not be read")
		}
		ev.Time, ev.Zone, ev.ZoneAssumed = t.UTC(), zoneOf(t), !zoneKnown
	}
	ev.Peer = ParseAddr(f["client"])
	setRequestLine(ev, request)
	if ev.Method == "" {
		return errors.New("a haproxy line without a request")
	}
	if n, err := strconv.Atoi(f["status"]); err == nil && n > 0 && n <= 999 {
		ev.Status = n
	}
	if n, err := strconv.ParseInt(strings.TrimPrefix(f["bytes"], "+"), 10, 64); err == nil && n >= 0 {
		ev.Bytes = n
	}
	tr, _ := strconv.Atoi(f["tr"])
	if ta, err := strconv.Atoi(strings.TrimPrefix(f["ta"], "+")); err == nil && ta >= 0 {
		ev.Duration, ev.HasDuration = time.Duration(ta)*time.Millisecond, true
	}
	if tr >= 0 {
		ev.UpstreamDuration, ev.HasUpstream = time.Duration(tr)*time.Millisecond, true
	}
	setHAProxyTermination(ev, f["term"], tr)
	for i, c := range reqCaps {
		switch {
		case hasFoldPrefix(c, "bearer ") || hasFoldPrefix(c, "basic "):
			// A captured Authorization header (redacted already): it was
			// sent. An empty capture says nothing: it may not be captured.
			ev.Authorization = Present
		case looksLikeAddrList(c) && c != "-":
			if ev.ForwardedFor == nil {
				ev.ForwardedFor = ParseAddrList(c)
			}
		case looksLikeUA(c):
			if !ev.UAKnown {
				ev.UserAgent, ev.UAKnown = c, true
				p.uaAt = i
			}
		case hasFoldPrefix(c, "https://") || hasFoldPrefix(c, "http://"):
			// A request header holding a URL is the Referer (Origin
			// holds no path); it ties a consent step to its authorization.
			if ev.Referer == "" {
				ev.Referer = c
			}
		}
	}
	if !ev.UAKnown && p.uaAt >= 0 && p.uaAt < len(reqCaps) {
		if c := reqCaps[p.uaAt]; !strings.Contains(c, "://") && !(looksLikeAddrList(c) && c != "-") && !hasFoldPrefix(c, "bearer ") {
			ev.UserAgent, ev.UAKnown = c, true
		}
	}
	for _, c := range resCaps {
		switch {
		case hasFoldPrefix(c, "bearer"):
			ev.WWWAuthenticate, ev.HasWWWAuth = c, Present
		case strings.Contains(c, "://"):
			ev.Location = c
		case looksLikeMediaType(c):
			ev.ContentType = c
		}
	}
	return nil
}

// cookieLike: a captured value that holds name=value pairs (a Cookie or
// Set-Cookie header, whatever the configuration named it), not a URL, a
// challenge or the request line, whose parameters the generic redaction
// reads.
func cookieLike(v string) bool {
	if !strings.Contains(v, "=") || strings.Contains(v, "://") || hasFoldPrefix(v, "bearer") || hasFoldPrefix(v, "basic") {
		return false
	}
	method, _, _ := strings.Cut(v, " ")
	return !isMethod(method)
}

// maskCookieCaptures masks the cookie-like values of a line's captures
// ({…|…} blocks, or the quoted values of the clf layout): which header a
// capture holds is the configuration's secret, so a session cookie is
// recognised by its shape.
func maskCookieCaptures(line string) (string, bool) {
	var b strings.Builder
	changed := false
	i := 0
	for {
		open := strings.IndexAny(line[i:], `{"`)
		if open < 0 {
			break
		}
		open += i
		closeCh := byte('}')
		if line[open] == '"' {
			closeCh = '"'
		}
		end := strings.IndexByte(line[open+1:], closeCh)
		if end < 0 {
			break
		}
		end += open + 1
		b.WriteString(line[i : open+1])
		for k, part := range strings.Split(line[open+1:end], "|") {
			if k > 0 {
				b.WriteByte('|')
			}
			if cookieLike(haproxyUnescape(part)) {
				b.WriteString(Mask(part))
				changed = true
			} else {
				b.WriteString(part)
			}
		}
		b.WriteByte(closeCh)
		i = end + 1
	}
	if !changed {
		return "", false
	}
	b.WriteString(line[i:])
	return b.String(), true
}

// setHAProxyTermination reads the termination state's first two
// characters: who ended the session (C/c the client, S/s the server, P
// the proxy, L a local answer, R a resource limit, I an internal error,
// D a server marked down, K an admin), and at which step (R request, Q
// queue, C connect, H response headers, D data, L last data, T tarpit).
// tr is the time the server took to send its response headers; -1: it
// never did, so the status is HAProxy's own.
func setHAProxyTermination(ev *Event, term string, tr int) {
	if len(term) < 2 || term == "----" {
		return
	}
	ev.Termination = term
	who, when := term[0], term[1]
	switch who {
	case 'C', 'c':
		ev.ClientGone = true
	}
	switch {
	case tr < 0:
		ev.ProxyAnswered = true
	case who != '-' && who != 'C' && who != 'c' && (when == 'D' || when == 'L'):
		ev.Cut = true
	}
}

// looksLikeUA: a captured value that is a user agent: product/version
// ("python-httpx/0.28.1", "Mozilla/5.0 …") or Claude's "Claude-User",
// and not a URL or a media type.
func looksLikeUA(v string) bool {
	if v == "" || strings.Contains(v, "://") || looksLikeMediaType(v) {
		return false
	}
	if hasFoldPrefix(v, "claude-user") {
		return true
	}
	slash := strings.IndexByte(v, '/')
	if slash <= 0 {
		return false
	}
	for i := 0; i < slash; i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// looksLikeMediaType: "application/json", "text/html; charset=utf-8".
func looksLikeMediaType(v string) bool {
	for _, t := range []string{"application/", "text/", "multipart/", "image/", "audio/", "video/", "font/", "message/"} {
		if len(v) >= len(t) && strings.EqualFold(v[:len(t)], t) {
			return true
		}
	}
	return false
}

// splitCaptures splits a captures block, decoding HAProxy's #HH escapes.
func splitCaptures(s, sep string) []string {
	s = strings.Trim(s, `"`)
	if s == "" {
		return nil
	}
	parts := strings.Split(s, sep)
	for i := range parts {
		parts[i] = haproxyUnescape(parts[i])
	}
	return parts
}

// haproxyUnescape decodes the #HH escapes HAProxy writes for quotes,
// braces, bars, '#' and non-ASCII bytes in captures and request lines.
func haproxyUnescape(s string) string {
	if !strings.Contains(s, "#") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func hasFoldPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// fixOffset turns "+0100" at the end of an RFC 3339 stamp into "+01:00".
func fixOffset(s string) string {
	if n := len(s); n > 5 && (s[n-5] == '+' || s[n-5] == '-') && isDigits([]byte(s[n-4:])) {
		return s[:n-2] + ":" + s[n-2:]
	}
	return s
}

func submatches(re *regexp.Regexp, sub []string) map[string]string {
	m := make(map[string]string, len(sub))
	for i, n := range re.SubexpNames() {
		if n != "" {
			m[n] = sub[i]
		}
	}
	return m
}
