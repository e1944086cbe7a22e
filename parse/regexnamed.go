package parse

import (
	"strconv"
	"strings"
	"time"
)

// setNamed reads a regexSpec's match by its group names, so that a new
// line format is a regular expression and nothing more (a Format entry
// with regexFormat(&regexSpec{name, re})): ts (or date and time), method,
// target (path and query, or an absolute URL), proto, status (or "-":
// the client left), bytes, client (an address, with or without a port),
// xff, ua, referer, host, rid, and the duration as dur_ms, dur_s, or dur
// with its unit ("1.2ms", "350µs", "2s").
func setNamed(p *regexParser, m map[string]string, ev *Event) error {
	ts := m["ts"]
	if ts == "" && m["date"] != "" {
		ts = m["date"] + " " + m["time"]
	}
	if ts != "" {
		if err := p.setTime(ts, ev); err != nil {
			return err
		}
	}
	ev.Method = m["method"]
	setTarget(ev, strings.TrimSpace(m["target"]))
	ev.Proto = m["proto"]
	if st := m["status"]; st == "-" {
		ev.ClientGone = true
	} else {
		ev.Status = atoiStatus(st)
	}
	if b, err := strconv.ParseInt(m["bytes"], 10, 64); err == nil {
		ev.Bytes = b
	}
	if c := strings.TrimSpace(m["client"]); c != "" {
		if a := ParseAddr(c); a.IsValid() {
			ev.Peer = a
		} else if host, _, ok := cutPort(c); ok {
			ev.Peer = ParseAddr(host)
		}
	}
	if x := dashEmpty(m["xff"]); x != "" {
		ev.ForwardedFor = ParseAddrList(x)
	}
	if p.re.SubexpIndex("ua") >= 0 {
		ev.UserAgent, ev.UAKnown = dashEmpty(m["ua"]), true
	}
	ev.Referer = dashEmpty(m["referer"])
	ev.Host = dashEmpty(m["host"])
	ev.RequestID = dashEmpty(m["rid"])
	switch {
	case m["dur_ms"] != "":
		if ms, err := strconv.ParseFloat(m["dur_ms"], 64); err == nil {
			ev.Duration, ev.HasDuration = time.Duration(ms*float64(time.Millisecond)), true
		}
	case m["dur_s"] != "":
		if s, err := strconv.ParseFloat(m["dur_s"], 64); err == nil {
			ev.Duration, ev.HasDuration = time.Duration(s*float64(time.Second)), true
		}
	case m["dur"] != "":
		if d, err := time.ParseDuration(strings.ReplaceAll(strings.TrimSpace(m["dur"]), "µ", "u")); err == nil {
			ev.Duration, ev.HasDuration = d, true
		}
	}
	return nil
}
