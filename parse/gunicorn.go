package parse

import (
	"errors"
	"regexp"
	"strings"
)

// gunicorn's error log, where its own lifecycle lines go, and with the
// uvicorn worker what uvicorn logs:
//
//	[2026-12-01 23:28:44 +0100] [19768] [INFO] Starting gunicorn 20.1.0
//	[2026-12-01 23:31:02 +0100] [19768] [CRITICAL] WORKER TIMEOUT (pid:19782)
//
// Its access log is the combined layout (read as nginx-combined). Each
// line becomes an app message with its time, zone and level; one that
// holds a uvicorn access message is that request.
type gunicornParser struct{ cfg Config }

var gunicornLine = regexp.MustCompile(`^\[(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?: [+-]\d{4})?)\] \[(?P<pid>\d+)\] \[(?P<level>[A-Z]+)\] (?P<msg>.*)$`)

func (p gunicornParser) Parse(line []byte, ev *Event) error {
	sub := gunicornLine.FindStringSubmatch(string(line))
	if sub == nil {
		return errors.New("not a gunicorn line")
	}
	t, zone, assumed, ok := p.cfg.parseTimestamp(sub[1])
	if !ok {
		return errors.New("the time field could not be read")
	}
	msg := strings.TrimSpace(sub[4])
	if m := uvicornRegex.re.FindStringSubmatch(msg); m != nil {
		if err := setUvicorn(nil, submatches(uvicornRegex.re, m), ev); err != nil {
			return err
		}
	} else {
		ev.Message = msg
		ev.Signals = SignalsOf(msg)
	}
	ev.Format, ev.Bytes = "gunicorn", -1
	ev.Time, ev.Zone, ev.ZoneAssumed = t, zone, assumed
	ev.Level = strings.ToLower(sub[3])
	return nil
}
