package parse

import (
	"errors"
	"regexp"
	"strings"
)

// genericParser is the last resort for lines in no known format: pasted
// summaries ("POST /token → 200"), middleware logs ("[mw] POST /mcp -> 401"),
// timestamped app lines. A line is a request when it names a method and a
// path and then a status; a bare "GET /path" line counts too, with an
// unknown status. A line that says a request did not happen is not one.
type genericParser struct{ cfg Config }

var (
	genericRequest = regexp.MustCompile(`\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(/[^\s"'<>` + "`" + `]*|https?://[^\s"'<>` + "`" + `]+)`)
	// A status follows the path, after an arrow, a dash, "status" or just a space.
	genericStatus = regexp.MustCompile(`(?:^|[\s(\[:=>→-])([1-5]\d\d)(?:$|[\s)\],.;:])`)
	// Only numbering, bullets and tags may precede a bare request line.
	bareLead    = regexp.MustCompile(`^\s*(?:(?:\d+[.)]|[-*•>]|\[[^\]]*\]|[A-Z]+:)\s*)*$`)
	bareTail    = regexp.MustCompile(`^\s*(?:HTTP/[\d.]+)?\s*$`)
	absenceNote = regexp.MustCompile(`(?i)\b(never|not (called|sent|received|seen|made|reached)|no (request|call)s?\b|absent|missing from|did ?n[o']t|was ?n[o']t|wasn't|isn't)\b`)
	// Things a pasted summary says about the request in passing.
	inlineUA       = regexp.MustCompile(`(?i)user-agent[:=]\s*"?([^"),;]+)`)
	inlineLocation = regexp.MustCompile(`(?i)location:\s*(\S+)`)
	inlineKV       = regexp.MustCompile(`\b([A-Za-z_]+)=(\([^)]*\)|"[^"]*"|[^\s,;]+)`)
)

func (p *genericParser) Parse(line []byte, ev *Event) error {
	text := stripANSI(line)
	t, zone, assumed, rest, hasTS := p.cfg.cutTimestamp(text)
	m := genericRequest.FindStringSubmatchIndex(rest)
	if m == nil {
		return errors.New("no request (method and path) on the line")
	}
	after := rest[m[1]:]
	if absenceNote.MatchString(after) {
		return errors.New("a note about a request, not a request")
	}
	status := 0
	if sm := genericStatus.FindStringSubmatchIndex(after); sm != nil {
		status = atoiStatus(after[sm[2]:sm[3]])
	} else if !bareLead.MatchString(rest[:m[0]]) || !bareTail.MatchString(after) {
		return errors.New("a path mentioned without a status")
	}
	ev.Format, ev.Bytes = "generic", -1
	if hasTS {
		ev.Time, ev.Zone, ev.ZoneAssumed = t, zone, assumed
	}
	ev.Method = rest[m[2]:m[3]]
	setTarget(ev, rest[m[4]:m[5]])
	ev.Status = status
	if um := inlineUA.FindStringSubmatch(text); um != nil {
		ev.UserAgent, ev.UAKnown = strings.TrimSpace(um[1]), true
	}
	if lm := inlineLocation.FindStringSubmatch(after); lm != nil {
		ev.Location = lm[1]
	}
	for _, kv := range inlineKV.FindAllStringSubmatch(after, -1) {
		val := strings.Trim(kv[2], `"`)
		switch tailKey(kv[1]) {
		case "auth":
			ev.Authorization = ParsePresence(strings.Trim(val, "()"))
		case "request_time":
			if d, ok := parseSeconds(val); ok {
				ev.Duration, ev.HasDuration = d, true
			}
		case "client_ip":
			ev.Peer = ParseAddr(val)
		}
	}
	ev.Message = strings.TrimSpace(after)
	ev.Signals = SignalsOf(text)
	return nil
}

// messageParser keeps a line that is no request but states a fact about
// the flow ("Auth: missing Authorization header", "token issued to c_1").
type messageParser struct{ cfg Config }

func (p *messageParser) Parse(line []byte, ev *Event) error {
	text := stripANSI(line)
	sig := SignalsOf(text)
	if sig == 0 {
		return errors.New("no request and nothing said about the flow")
	}
	t, zone, assumed, rest, hasTS := p.cfg.cutTimestamp(text)
	ev.Format, ev.Bytes = "message", -1
	if hasTS {
		ev.Time, ev.Zone, ev.ZoneAssumed = t, zone, assumed
	}
	ev.Message = strings.TrimSpace(rest)
	ev.Signals = sig
	if lm := inlineLocation.FindStringSubmatch(text); lm != nil {
		ev.Location = lm[1]
	}
	return nil
}
