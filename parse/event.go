// Package parse turns log lines into Events. One parser per log format,
// one Event type for all of them, and one reader that handles what every
// format shares: gzip, line numbering, over-long lines, CRLF, BOM and
// redaction of secrets before any parser sees a line.
package parse

import (
	"fmt"
	"net/netip"
	"time"
)

// Pos is where a line came from.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Presence is a tri-state for facts a log may or may not record,
// such as whether a request carried an Authorization header.
type Presence uint8

const (
	Unknown Presence = iota
	Present
	Absent
)

func (p Presence) String() string {
	switch p {
	case Present:
		return "present"
	case Absent:
		return "absent"
	}
	return "unknown"
}

// Event is one request (or one app message about a request) read from a log.
// Strings are copies: an Event stays valid after the reader moves on.
type Event struct {
	Pos    Pos
	Format string // name of the parser that read it

	Time time.Time // always UTC; zero when the line carried no time
	// Zone is the source's UTC offset as written ("+0200") when the time
	// was converted from another zone; empty when the source was UTC.
	Zone string

	Peer         netip.Addr   // the address that connected to the logging server
	ForwardedFor []netip.Addr // X-Forwarded-For, left to right, when logged
	// ConnectingIP is a single-address client header (CF-Connecting-IP,
	// True-Client-IP, X-Real-IP) when logged; ConnectingIPHeader names it.
	ConnectingIP       netip.Addr
	ConnectingIPHeader string

	Method   string
	Host     string
	Path     string
	RawQuery string // already redacted
	Proto    string

	Status    int   // 0 when unknown
	Bytes     int64 // -1 when unknown
	UserAgent string
	Referer   string // redacted

	Duration         time.Duration
	HasDuration      bool
	UpstreamDuration time.Duration
	HasUpstream      bool

	// Authorization tells whether the request carried an Authorization
	// header, when the format logs that (never the value).
	Authorization Presence

	// Response headers, when the format logs them (values redacted).
	ContentType     string
	WWWAuthenticate string
	HasWWWAuth      Presence
	Location        string

	Text string // the whole line, redacted, for evidence
}

// LineError says why a line was skipped. Reason never quotes the line:
// it may hold secrets.
type LineError struct {
	Pos    Pos
	Reason string
}

func (e *LineError) Error() string { return e.Pos.String() + ": " + e.Reason }

// Stats counts what one input held.
type Stats struct {
	Lines        int
	Events       int
	Skipped      int
	FirstSkipped []LineError // the first few, in order
	// Zones lists the distinct non-UTC offsets seen, in order of appearance.
	Zones []string
	// First and Last are the earliest and latest event times (UTC).
	First, Last time.Time
}

const maxFirstSkipped = 5

func (s *Stats) skip(pos Pos, reason string) {
	s.Skipped++
	if len(s.FirstSkipped) < maxFirstSkipped {
		s.FirstSkipped = append(s.FirstSkipped, LineError{Pos: pos, Reason: reason})
	}
}

func (s *Stats) noteTime(t time.Time) {
	if t.IsZero() {
		return
	}
	if s.First.IsZero() || t.Before(s.First) {
		s.First = t
	}
	if t.After(s.Last) {
		s.Last = t
	}
}

func (s *Stats) noteZone(z string) {
	if z == "" {
		return
	}
	for _, have := range s.Zones {
		if have == z {
			return
		}
	}
	if len(s.Zones) < 8 {
		s.Zones = append(s.Zones, z)
	}
}
