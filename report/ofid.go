package report

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/mcptriage/mcptriage/parse"
)

// OFID is a flow reference from Claude's error dialog, with the time the
// user saw it when they know it.
type OFID struct {
	ID   string
	Time time.Time // zero when not given
}

var ofidPattern = regexp.MustCompile(`^ofid_[0-9a-f]{16}$`)

// ParseOFID reads "ofid_0123456789abcdef" or "ofid_0123456789abcdef@TIME".
// TIME needs a zone; it is never guessed.
func ParseOFID(s string) (OFID, error) {
	id, when, hasTime := strings.Cut(strings.TrimSpace(s), "@")
	id = strings.ToLower(strings.Trim(id, "\"'“”"))
	if !ofidPattern.MatchString(id) {
		return OFID{}, fmt.Errorf("%q is not an ofid: it is \"ofid_\" and 16 hex digits, as in Claude's error, e.g. ofid_0123456789abcdef", s)
	}
	o := OFID{ID: id}
	if !hasTime {
		return o, nil
	}
	t, err := ParseZonedTime(when)
	if err != nil {
		return OFID{}, fmt.Errorf("%s: %w", id, err)
	}
	o.Time = t
	return o, nil
}

// ParseZonedTime reads a time a person typed, in any common form that
// states its zone, and refuses one without it rather than guess: parse's
// reader, the one every time goes through.
func ParseZonedTime(s string) (time.Time, error) { return parse.ParseZonedTime(s) }

// OFIDMatch places an ofid on an attempt, or says that none is near it.
type OFIDMatch struct {
	ID        string `json:"ofid"`
	Time      string `json:"time,omitempty"`
	Attempt   int    `json:"attempt,omitempty"`
	NoAttempt bool   `json:"no_attempt,omitempty"`
}

// attempt windows for ofids: Claude shows the error when it gives up, so
// the ofid's time falls at or after the attempt's requests.
const (
	ofidBefore = 2 * time.Minute
	ofidAfter  = 5 * time.Minute
)

// MatchOFIDs places each ofid on the attempt near its time; an ofid
// without a time goes to the most recent failed attempt.
func MatchOFIDs(r *Report, ofids []OFID) []OFIDMatch {
	var out []OFIDMatch
	for _, o := range ofids {
		m := OFIDMatch{ID: o.ID}
		if !o.Time.IsZero() {
			m.Time = utc(o.Time)
			best, bestGap := 0, time.Duration(1<<62)
			for _, a := range r.Attempts {
				start, _ := time.Parse(time.RFC3339Nano, a.Start)
				end, _ := time.Parse(time.RFC3339Nano, a.End)
				if o.Time.Before(start.Add(-ofidBefore)) || o.Time.After(end.Add(ofidAfter)) {
					continue
				}
				gap := absDur(o.Time.Sub(end))
				if gap < bestGap {
					best, bestGap = a.ID, gap
				}
			}
			m.Attempt, m.NoAttempt = best, best == 0
		} else if a := lastFailed(r); a != nil {
			m.Attempt = a.ID
		} else {
			m.NoAttempt = true
		}
		out = append(out, m)
	}
	return out
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// humanUTC writes an RFC 3339 UTC time as "2026-11-20 09:00:32 UTC".
func humanUTC(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	if t.Nanosecond() != 0 {
		return t.UTC().Format("2006-01-02 15:04:05.000") + " UTC"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

func clockOf(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || s == "" {
		return "(time not logged)"
	}
	if t.Nanosecond() != 0 {
		return t.UTC().Format("15:04:05.000Z")
	}
	return t.UTC().Format("15:04:05Z")
}

func utcOrUnknown(s string) string {
	if s == "" {
		return "(time not logged)"
	}
	return s
}
