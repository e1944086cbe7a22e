package parse

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Timestamps as logs write them. Layouts with a zone are read as written;
// the others are local times of an unknown zone, read in cfg.Location.
var (
	zonedLayouts = []string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999Z0700",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999 -0700",
		"2006-01-02 15:04:05 -0700 MST",
		"02/Jan/2006:15:04:05 -0700",
		"02/Jan/2006:15:04:05.999 -0700",
		"Mon, 02 Jan 2006 15:04:05 MST",
	}
	localLayouts = []string{
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02 15:04:05,999999999",
		"2006/01/02 15:04:05.999999999",
		"02/Jan/2006:15:04:05.999",
		"01/02/06 15:04:05",
		"Jan _2 15:04:05",
	}
)

// gmtOffset matches the "GMT+5" / "UTC-03:30" suffixes people paste.
var gmtOffset = regexp.MustCompile(`^(?:GMT|UTC)([+-])(\d{1,2})(?::?(\d{2}))?$`)

// parseTimestamp reads a timestamp in any of the layouts above (or a
// trailing "GMT+5"), returning UTC, the source's offset as "+0500", and
// whether the zone had to be assumed.
func (c Config) parseTimestamp(s string) (t time.Time, zone string, assumed bool, ok bool) {
	s = strings.TrimSpace(strings.Trim(s, "[]"))
	if s == "" {
		return t, "", false, false
	}
	for _, layout := range zonedLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			return v.UTC(), zoneOf(v), false, true
		}
	}
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		if m := gmtOffset.FindStringSubmatch(s[i+1:]); m != nil {
			h, _ := strconv.Atoi(m[2])
			mins, _ := strconv.Atoi(m[3])
			off := h*3600 + mins*60
			if m[1] == "-" {
				off = -off
			}
			if v, _, _, ok := c.parseLocal(s[:i], time.FixedZone("", off)); ok {
				return v.UTC(), zoneOf(v.In(time.FixedZone("", off))), false, true
			}
		}
	}
	return c.parseLocal(s, c.location())
}

func (c Config) parseLocal(s string, loc *time.Location) (time.Time, string, bool, bool) {
	for _, layout := range localLayouts {
		if v, err := time.ParseInLocation(layout, s, loc); err == nil {
			if layout == "Jan _2 15:04:05" {
				return time.Time{}, "", false, false // no year: not worth guessing
			}
			return v.UTC(), zoneOf(v), loc == c.location() && !c.TZExplicit, true
		}
	}
	return time.Time{}, "", false, false
}

func (c Config) location() *time.Location {
	if c.Location != nil {
		return c.Location
	}
	return time.UTC
}

// leadingTimestamp finds a timestamp at the start of a line (bare or in
// brackets), returning it and the rest of the line.
var leadingTimestamp = regexp.MustCompile(`^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2}| [+-]\d{4}(?: [A-Z]{3,4})?| (?:GMT|UTC)[+-]\d{1,2}(?::?\d{2})?)?|\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?|\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d+)?(?: [+-]\d{4})?)\]?\s*`)

func (c Config) cutTimestamp(line string) (t time.Time, zone string, assumed bool, rest string, ok bool) {
	m := leadingTimestamp.FindStringSubmatchIndex(line)
	if m == nil {
		return t, "", false, line, false
	}
	t, zone, assumed, ok = c.parseTimestamp(line[m[2]:m[3]])
	if !ok {
		return t, "", false, line, false
	}
	return t, zone, assumed, line[m[1]:], true
}

// epoch reads a number of seconds, milliseconds, microseconds or
// nanoseconds since 1970, telling the unit by its size. Integers are read
// exactly (a nanosecond timestamp does not fit a float64).
func epoch(raw string) (time.Time, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return time.Time{}, false
	}
	if !strings.ContainsAny(raw, ".eE") {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n <= 0 {
			return time.Time{}, false
		}
		switch {
		case n > 1e17:
			return time.Unix(0, n).UTC(), true
		case n > 1e14:
			return time.UnixMicro(n).UTC(), true
		case n > 1e11:
			return time.UnixMilli(n).UTC(), true
		}
		return time.Unix(n, 0).UTC(), true
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || f <= 0 {
		return time.Time{}, false
	}
	switch {
	case f > 1e17:
		return time.Unix(0, int64(f)).UTC(), true
	case f > 1e14:
		return time.UnixMicro(int64(f)).UTC(), true
	case f > 1e11:
		return time.UnixMilli(int64(f)).UTC(), true
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC().Round(time.Microsecond), true
}
