package parse

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Times as people paste them: a time of day without its date
// ("14:02:11", "9:05:03.123", "2:05:03 PM"), a syslog stamp without its
// year ("Nov 24 14:02:11.326"), a full stamp after a tag or a prefix
// ("[api] 2026-11-24 14:02:11 …", "web.1 | 14:02:11 …"). A time of day
// is kept as a clockTime on the event; the Scanner dates it from another
// line of the input, or invents a date when none has one, and the
// intervals between such lines stay real.

// clockTime is a time of day a line wrote without its full date.
type clockTime struct {
	set   bool
	since time.Duration // since midnight
	// month and day, when the line wrote them (a syslog stamp); 0 when not.
	month time.Month
	day   int
	// loc is the zone the line named ("Z", "UTC", "+02:00"); nil when none.
	loc *time.Location
}

// inventedDate anchors the dates of an input whose lines have times of
// day and no date anywhere (its noon, so that the first is dated on its
// day). It is not synthBase: these times are real times of day, only the
// date is made up.
var inventedDate = time.Date(2000, time.January, 1, 12, 0, 0, 0, time.UTC)

var (
	// 14:02:11, 9:05:03.123, 14:02:11,123, 2:05:03 PM, 14:02:11Z, 14:02:11 UTC, 14:02:11+02:00
	clockPattern = regexp.MustCompile(`^(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?:\s?([AaPp][Mm])\b)?(Z|\s?UTC|\s?GMT|[+-]\d{2}:?\d{2})?`)
	// Nov 24 14:02:11.326, Nov  4 09:05:03 (syslog, a host's log viewer)
	syslogPattern = regexp.MustCompile(`^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? {1,2}(\d{1,2}),? (\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,9})?)`)
	// Thu Nov 24 2026 14:02:11 GMT+0000 (Coordinated Universal Time): JavaScript's Date
	jsDatePattern = regexp.MustCompile(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{2} \d{4} \d{2}:\d{2}:\d{2}) GMT([+-]\d{4})(?: \([^)]{0,64}\))?`)
)

var monthAbbrev = map[string]time.Month{
	"Jan": time.January, "Feb": time.February, "Mar": time.March, "Apr": time.April,
	"May": time.May, "Jun": time.June, "Jul": time.July, "Aug": time.August,
	"Sep": time.September, "Oct": time.October, "Nov": time.November, "Dec": time.December,
}

// parseClock reads a time of day at the start of s; n is how much of s it
// used (0: none).
func parseClock(s string) (c clockTime, n int) {
	m := clockPattern.FindStringSubmatchIndex(s)
	if m == nil {
		return c, 0
	}
	// Not the start of something longer: an IPv6 address, a version, a
	// duration list ("14:02:11:07").
	if m[1] < len(s) {
		if b := s[m[1]]; b == ':' || isDigit(b) || b == '.' && m[1]+1 < len(s) && isDigit(s[m[1]+1]) {
			return c, 0
		}
	}
	h, _ := strconv.Atoi(s[m[2]:m[3]])
	mi, _ := strconv.Atoi(s[m[4]:m[5]])
	sec, _ := strconv.Atoi(s[m[6]:m[7]])
	if m[10] >= 0 { // AM/PM
		if h < 1 || h > 12 {
			return c, 0
		}
		pm := s[m[10]] == 'P' || s[m[10]] == 'p'
		h %= 12
		if pm {
			h += 12
		}
	}
	if h > 23 || mi > 59 || sec > 60 {
		return c, 0
	}
	d := time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(sec)*time.Second
	if m[8] >= 0 {
		frac := s[m[8]:m[9]]
		ns, _ := strconv.Atoi((frac + "000000000")[:9])
		d += time.Duration(ns)
	}
	c = clockTime{set: true, since: d}
	if m[12] >= 0 {
		switch z := strings.TrimSpace(s[m[12]:m[13]]); z {
		case "Z", "UTC", "GMT":
			c.loc = time.UTC
		default:
			if loc, ok := offsetZone(z, false); ok {
				c.loc = loc
			}
		}
	}
	return c, m[1]
}

// stampAt reads a time that starts at s[0]: a full timestamp (t), or a
// time of day with or without a month and day (c). n is its length.
func (cfg Config) stampAt(s string) (t time.Time, zone string, assumed bool, c clockTime, n int) {
	if len(s) > 80 {
		s = s[:80] // a stamp is short: never look further into a long line
	}
	if len(s) == 0 {
		return
	}
	switch b := s[0]; {
	case isDigit(b):
		if m := leadingTimestamp.FindStringSubmatchIndex(s); m != nil {
			if v, z, a, ok := cfg.parseTimestamp(s[m[2]:m[3]]); ok {
				return v, z, a, c, m[3]
			}
		}
		if c, n = parseClock(s); n > 0 {
			return t, "", false, c, n
		}
	case b == '[':
		// A bracketed stamp ("[14:02:11]", "[Nov 24 14:02:11]").
		if end := strings.IndexByte(s, ']'); end > 1 {
			if v, z, a, c2, n2 := cfg.stampAt(s[1:end]); n2 == end-1 {
				return v, z, a, c2, end + 1
			}
		}
	case b >= 'A' && b <= 'Z':
		if m := jsDatePattern.FindStringSubmatchIndex(s); m != nil {
			if v, err := time.Parse("Jan 02 2006 15:04:05 -0700", s[m[2]:m[3]]+" "+s[m[4]:m[5]]); err == nil {
				return v.UTC(), zoneOf(v), false, c, m[1]
			}
		}
		if m := syslogPattern.FindStringSubmatchIndex(s); m != nil {
			day, _ := strconv.Atoi(s[m[4]:m[5]])
			if cl, cn := parseClock(s[m[6]:]); cn > 0 && day >= 1 && day <= 31 {
				cl.month, cl.day = monthAbbrev[s[m[2]:m[2]+3]], day
				return t, "", false, cl, m[6] + cn
			}
		}
	}
	return t, "", false, c, 0
}

// stampLead is how far into a line a stamp may start: past a tag, a
// level, a process name or a container's prefix, not into the message.
const stampLead = 48

// lineTime is the time a pasted line wrote, and where.
type lineTime struct {
	t        time.Time
	zone     string
	assumed  bool
	clock    clockTime
	from, to int // its place in the line
}

func (lt lineTime) found() bool { return !lt.t.IsZero() || lt.clock.set }

// findStamp looks for a time at the start of text or after a short
// prefix (a tag, a level, a process name), at the start of a word. It
// tries at most stampLead places, each on a bounded window: the cost
// does not grow with the line.
func (cfg Config) findStamp(text string) lineTime {
	limit := min(len(text), stampLead)
	for i := 0; i < limit; i++ {
		b := text[i]
		if i > 0 && !stampBoundary(text[i-1]) {
			continue
		}
		if !(isDigit(b) || b == '[' || b >= 'A' && b <= 'Z') {
			continue
		}
		// The prefix is a tag, not a request or a sentence with a path.
		if i > 0 && strings.ContainsAny(text[:i], "/\"") {
			return lineTime{}
		}
		t, zone, assumed, c, n := cfg.stampAt(text[i:])
		if n > 0 {
			return lineTime{t: t, zone: zone, assumed: assumed, clock: c, from: i, to: i + n}
		}
	}
	return lineTime{}
}

func stampBoundary(b byte) bool {
	switch b {
	case ' ', '\t', '[', '(', '|', '@', '`', '*', '_', '>', ',', ';', '=':
		return true
	}
	return false
}

// applyTime puts a line's time on its event: a full time as it is, a
// time of day for the Scanner to date.
func (lt lineTime) apply(ev *Event) {
	switch {
	case !lt.t.IsZero():
		ev.Time, ev.Zone, ev.ZoneAssumed = lt.t, lt.zone, lt.assumed
	case lt.clock.set:
		ev.clock = lt.clock
	}
}

// dateClock gives a time of day the date that puts it nearest to ref:
// the day before, the same or the day after (a paste that crosses
// midnight), in the clock's own zone, else the reference's, else loc.
// With a month and day written, only the year is chosen.
func dateClock(c clockTime, ref time.Time, refZone string, loc *time.Location) (time.Time, bool) {
	assumed := false
	switch {
	case c.loc != nil:
		loc = c.loc
	case refZone != "":
		if z, ok := offsetZone(refZone, false); ok {
			loc = z
		}
	default:
		assumed = true
	}
	r := ref.In(loc)
	var best time.Time
	consider := func(t time.Time) {
		if best.IsZero() || absDur(t.Sub(ref)) < absDur(best.Sub(ref)) {
			best = t
		}
	}
	if c.month != 0 {
		for _, y := range []int{r.Year() - 1, r.Year(), r.Year() + 1} {
			consider(time.Date(y, c.month, c.day, 0, 0, 0, 0, loc).Add(c.since))
		}
	} else {
		for _, dd := range []int{-1, 0, 1} {
			consider(time.Date(r.Year(), r.Month(), r.Day()+dd, 0, 0, 0, 0, loc).Add(c.since))
		}
	}
	return best.UTC(), assumed
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// dateClock dates a time of day from the last time the input gave (its
// date, its zone), when there is one. On an input that had no time at
// all before (synthetic), the date is invented.
func (s *Scanner) dateClock(ev *Event) bool {
	switch {
	case !s.lastTime.IsZero():
		s.giveDate(ev, s.lastTime, s.lastZone, s.lastInvented)
	case s.synthetic:
		s.giveDate(ev, inventedDate, "", true)
	default:
		return false
	}
	return true
}

func (s *Scanner) giveDate(ev *Event, ref time.Time, refZone string, invented bool) {
	loc := s.set.cfg.location()
	t, assumed := dateClock(ev.clock, ref, refZone, loc)
	ev.Time, ev.Zone = t, zoneOf(t.In(zoneFor(ev.clock, refZone, loc)))
	ev.ZoneAssumed = assumed && !s.set.cfg.TZExplicit
	ev.DateAssumed, ev.DateInvented = true, invented
	ev.clock = clockTime{}
}

// zoneFor is the zone a time of day is read in (see dateClock).
func zoneFor(c clockTime, refZone string, loc *time.Location) *time.Location {
	if c.loc != nil {
		return c.loc
	}
	if z, ok := offsetZone(refZone, false); ok && refZone != "" {
		return z
	}
	return loc
}

// flushHeld releases the events held for want of a time, now that next
// has one: times of day are dated backwards from it, each from the one
// after it, and lines without any time take the time of the line after
// them.
func (s *Scanner) flushHeld(next Event) {
	ref, refZone, invented := next.Time, next.Zone, next.DateInvented
	for i := len(s.held) - 1; i >= 0; i-- {
		h := &s.held[i]
		if h.clock.set {
			s.giveDate(h, ref, refZone, invented)
			ref, refZone = h.Time, h.Zone
			continue
		}
		h.Time, h.TimeInherited = ref, true
	}
	s.ready = append(s.ready, s.held...)
	s.held = s.held[:0]
}

// inventDates dates the held times of day when no line of the input has
// a date: the first on inventedDate, each next one from the one before.
// Lines without a time before the first take its time. It reports false
// when nothing held has a time of day (the input's order is all there is).
func (s *Scanner) inventDates() bool {
	first := -1
	for i := range s.held {
		if s.held[i].clock.set {
			first = i
			break
		}
	}
	if first < 0 {
		return false
	}
	ref, refZone := inventedDate, ""
	for i := first; i < len(s.held); i++ {
		h := &s.held[i]
		if h.clock.set {
			s.giveDate(h, ref, refZone, true)
			ref, refZone = h.Time, h.Zone
			continue
		}
		h.Time, h.TimeInherited, h.DateInvented = ref, true, true
	}
	for i := 0; i < first; i++ {
		s.held[i].Time, s.held[i].TimeInherited, s.held[i].DateInvented = s.held[first].Time, true, true
	}
	s.lastTime, s.lastZone, s.lastInvented = ref, refZone, true
	s.ready = append(s.ready, s.held...)
	s.held = s.held[:0]
	return true
}
