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
// Its access log is the combined layout (read as nginx-combined). A line
// that holds a uvicorn access message is that request; one that states a
// fact about the flow (a worker killed by its timeout) is an app message
// with its time, zone and level; the others (starting, booting,
// stopping) record nothing.
type gunicornParser struct{ cfg Config }

var gunicornLine = regexp.MustCompile(`^\[(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?: [+-]\d{4})?)\] \[(?P<pid>\d+)\] \[(?P<level>[A-Z]+)\] (?P<msg>.*)$`)

func (p gunicornParser) Parse(line []byte, ev *Event) error {
	if len(line) > maxPatternLine {
		return tooLongFor("gunicorn", line)
	}
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
		ev.Signals = SignalsOf(msg)
		if ev.Signals == 0 {
			// Starting, booting, stopping: nothing about a request. As
			// events, their times would be lent to the untimed uvicorn
			// lines between them, minutes or hours away.
			return errNotRecord
		}
		ev.Message = msg
	}
	ev.Format, ev.Bytes = "gunicorn", -1
	ev.Time, ev.Zone, ev.ZoneAssumed = t, zone, assumed
	ev.Level = strings.ToLower(sub[3])
	return nil
}
