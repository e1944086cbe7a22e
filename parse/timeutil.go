package parse

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// One reader of times and zones for the whole tool: the times logs
// write (Config.parseTimestamp), the times people type (ParseZonedTime,
// for an ofid's time) and the zones they name (LoadZone, for --tz).
//
// Layouts with a zone are read as written; the others are local times
// of an unknown zone, read in cfg.Location (logs) or refused (what people
// type).
var (
	zonedLayouts = []string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999Z0700",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999 -0700",
		"2006-01-02 15:04:05.999999999 Z07:00",
		"2006-01-02 15:04:05 -0700 MST",
		"02/Jan/2006:15:04:05 -0700",
		"02/Jan/2006:15:04:05.999 -0700",
		time.RFC1123Z,
		time.RFC1123,
		"2006-01-02 15:04:05 MST",
		"2006-01-02T15:04:05 MST",
		"2006-01-02T15:04:05 Z07:00",
		// Without seconds, as people type them.
		"2006-01-02T15:04Z07:00",
		"2006-01-02 15:04Z07:00",
		"2006-01-02 15:04 -0700",
		"2006-01-02 15:04 Z07:00",
		"2006-01-02 15:04 MST",
	}
	localLayouts = []string{
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02 15:04:05,999999999",
		"2006/01/02 15:04:05.999999999",
		"02/Jan/2006:15:04:05.999",
		"02/Jan/2006 15:04:05.999", // Django's runserver
		"01/02/06 15:04:05",
		"2006-01-02T15:04",
		"2006-01-02 15:04",
		"Mon, 02 Jan 2006 15:04:05",
	}
)

// parseZoned reads a time that states its zone: an offset, Z, UTC or GMT,
// or a "GMT+5" / "UTC-03:30" suffix.
func parseZoned(s string) (time.Time, bool) {
	for _, layout := range zonedLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		// Go reads any abbreviation, and an unknown one as UTC: only UTC
		// and GMT may be taken at their word (an offset beside one wins).
		if strings.HasSuffix(layout, "MST") && !strings.Contains(layout, "-0700") && !knownZoneAbbrev(t) {
			continue
		}
		return t, true
	}
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		if loc, ok := offsetZone(s[i+1:], true); ok {
			if t, ok := parseLocalIn(s[:i], loc); ok {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

func knownZoneAbbrev(t time.Time) bool {
	name, _ := t.Zone()
	return name == "UTC" || name == "GMT" || name == "Z"
}

func parseLocalIn(s string, loc *time.Location) (time.Time, bool) {
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseTimestamp reads a log's timestamp, returning UTC, the source's
// offset as "+0500", and whether the zone had to be assumed (a local time
// read in cfg.Location without the user naming it).
func (c Config) parseTimestamp(s string) (t time.Time, zone string, assumed bool, ok bool) {
	s = strings.TrimSpace(strings.Trim(s, "[]"))
	if s == "" {
		return t, "", false, false
	}
	if v, ok := parseZoned(s); ok {
		return v.UTC(), zoneOf(v), false, true
	}
	if v, ok := parseLocalIn(s, c.location()); ok {
		return v.UTC(), zoneOf(v), !c.TZExplicit, true
	}
	// A zone named by an abbreviation Go cannot resolve ("CET", and the
	// ambiguous "CST"): a local time, read in the --tz zone like the
	// others without one.
	if i := strings.LastIndexByte(s, ' '); i > 0 && isAbbrev(s[i+1:]) {
		if v, ok := parseLocalIn(s[:i], c.location()); ok {
			return v.UTC(), zoneOf(v), !c.TZExplicit, true
		}
	}
	return time.Time{}, "", false, false
}

func isAbbrev(s string) bool {
	if len(s) < 2 || len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// ParseZonedTime reads a time a person typed (an ofid's, --ofid
// ofid_…@TIME) in any common form that states its zone, returning UTC. A
// time without a zone is refused rather than guessed.
func ParseZonedTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, ok := parseZoned(s); ok {
		return t.UTC(), nil
	}
	if _, ok := parseLocalIn(s, time.UTC); ok {
		iso := strings.Replace(s, " ", "T", 1)
		return time.Time{}, fmt.Errorf("the time %q has no zone; add one, e.g. %sZ or %s+02:00", s, iso, iso)
	}
	return time.Time{}, fmt.Errorf("the time %q is not one mcptriage reads; write it like 2026-11-20T09:00:32Z or \"2026-11-20 10:00:32 +01:00\"", s)
}

// LoadZone reads a zone as --tz takes it: an IANA name (Europe/Madrid,
// UTC; case-exact, as the zone database writes them) or a fixed offset
// (+02:00, -0500, UTC+2, GMT-3:30).
func LoadZone(s string) (*time.Location, error) {
	switch s {
	case "":
		return nil, errors.New("empty: name a zone (Europe/Madrid) or an offset (+02:00)")
	case "Local":
		// The machine's zone is not the log's: parse reads no environment.
		return nil, errors.New("name the zone (Europe/Madrid) or its offset (+02:00): the logs' zone is the server's, not this machine's")
	}
	if loc, err := time.LoadLocation(s); err == nil {
		return loc, nil
	}
	m := offsetPattern.FindStringSubmatch(s)
	if m == nil {
		msg := "not a zone name (Europe/Madrid) or an offset (+02:00)"
		if strings.Contains(s, "/") {
			msg += "; zone names are case-exact, as the IANA database writes them"
			if fixed := titleZone(s); fixed != s {
				if _, err := time.LoadLocation(fixed); err == nil {
					msg += fmt.Sprintf(": did you mean %s?", fixed)
				}
			}
		}
		return nil, errors.New(msg)
	}
	if mins, _ := strconv.Atoi(m[4]); mins >= 60 {
		return nil, fmt.Errorf("the minutes of an offset are below 60, not %d", mins)
	}
	loc, ok := offsetZone(s, false)
	if !ok {
		return nil, errors.New("offsets run from -12:00 to +14:00; give the server's offset from UTC, e.g. +02:00")
	}
	return loc, nil
}

// titleZone writes a zone name as the database usually does: each word
// capitalised ("america/new_york" → "America/New_York").
func titleZone(s string) string {
	b := []byte(strings.ToLower(s))
	for i := range b {
		if (i == 0 || b[i-1] == '/' || b[i-1] == '_' || b[i-1] == '-') && b[i] >= 'a' && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

// offsetPattern: "+02:00", "-0500", "UTC+2", "GMT-3:30".
var offsetPattern = regexp.MustCompile(`^(UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$`)

// offsetZone reads a fixed offset within -12:00…+14:00; needPrefix asks
// for the UTC or GMT in front (a word after a time in a log line must
// say it is a zone).
func offsetZone(s string, needPrefix bool) (*time.Location, bool) {
	m := offsetPattern.FindStringSubmatch(s)
	if m == nil || (needPrefix && m[1] == "") {
		return nil, false
	}
	h, _ := strconv.Atoi(m[3])
	mins, _ := strconv.Atoi(m[4])
	off := h*3600 + mins*60
	if mins > 59 || (m[2] == "+" && off > 14*3600) || (m[2] == "-" && off > 12*3600) {
		return nil, false
	}
	if m[2] == "-" {
		off = -off
	}
	return time.FixedZone(s, off), true
}

func (c Config) location() *time.Location {
	if c.Location != nil {
		return c.Location
	}
	return time.UTC
}

// leadingTimestamp finds a timestamp at the start of a line (bare or in
// brackets), returning it and the rest of the line.
var leadingTimestamp = regexp.MustCompile(`^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2}| [+-]\d{4}(?: [A-Z]{3,4})?| (?:GMT|UTC)[+-]\d{1,2}(?::?\d{2})?)?|\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?|\d{2}/[A-Z][a-z]{2}/\d{4}[: ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?: [+-]\d{4})?)\]?\s*`)

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
