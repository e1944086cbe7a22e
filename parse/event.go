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

// Layer says where on a request's way the log was written.
type Layer uint8

const (
	// LayerOrigin: a web server or proxy in front of the application
	// (nginx, Caddy, Traefik, a load balancer).
	LayerOrigin Layer = iota
	// LayerEdge: a CDN or WAF (Cloudflare). It sees requests the origin
	// never gets.
	LayerEdge
	// LayerApp: the application (its access log or its own messages).
	LayerApp
)

var layerNames = [...]string{"origin", "edge", "app"}

func (l Layer) String() string { return layerNames[l] }

// Event is one request (or one app message about a request) read from a log.
// Strings are copies: an Event stays valid after the reader moves on.
type Event struct {
	Pos    Pos
	Format string // name of the parser that read it
	Layer  Layer

	Time time.Time // always UTC; zero when the line carried no time
	// Zone is the source's UTC offset as written ("+0200") when the time
	// was converted from another zone; empty when the source was UTC.
	Zone string
	// ZoneAssumed: the source wrote local times without a zone; they were
	// read in the --tz zone (UTC unless given).
	ZoneAssumed bool
	// TimeInherited: the line had no time; it took its neighbour's.
	TimeInherited bool
	// TimeSynthetic: the whole input had no times; Time only keeps the
	// lines in order and means nothing else.
	TimeSynthetic bool
	// DateAssumed: the line wrote a time of day without its date (a
	// paste's "14:02:11", a syslog "Nov 24 14:02:11" without its year);
	// the date is another line's. DateInvented: no line of the input
	// had a date, so the date is made up. Either way the time of day
	// and the intervals between such lines are real (unlike
	// TimeSynthetic): timing rules may use them, dates may not.
	DateAssumed  bool
	DateInvented bool
	// clock is a time of day waiting for the scanner to give it a date.
	clock clockTime

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
	// What a pasted line did not write and the reader filled in.
	// MethodAssumed: no method was written (a "/token – 400" line, a
	// CDN summary); Method is the one the path's role implies (POST for
	// a token, registration or MCP endpoint, GET otherwise).
	// PathAssumed: no path was written; the line named the request by
	// its role ("token request failed", "protected resource metadata
	// served") and Path is that role's usual path, or by a JSON-RPC
	// method (RPCMethod), and Path is the endpoint a startup line of
	// the input named, or empty when none did.
	MethodAssumed bool
	PathAssumed   bool
	// RPCMethod is the MCP JSON-RPC method a line names ("initialize",
	// "tools/list"): a POST to the MCP endpoint.
	RPCMethod string
	// Named: an app's words name a request without recording it ("token
	// request rejected: invalid_client", "Processing request of type
	// ListToolsRequest"). Method and Path are its role's (PathAssumed),
	// RPCMethod the JSON-RPC method named; IsRequest is false, because
	// the request's own record is often elsewhere in the same input (an
	// access line written after the app's words). Where none is, the
	// named request is the only trace of it.
	Named bool
	// Outbound: the line records a request the server itself sent (its
	// HTTP client's log: httpx's "HTTP Request: GET https://…", urllib3,
	// a Go or Node client error), never one it received. Method, Host,
	// Path and Status are that request's; IsRequest is false, so the
	// event is only ever an app message with its signals.
	Outbound bool

	Status int   // 0 when unknown, or when no response was sent (see ClientGone)
	Bytes  int64 // -1 when unknown

	// ClientGone: the client went away before the response was complete,
	// so Status is not an answer it saw: nginx's 499, morgan's status
	// "-" (Status 0), HAProxy's C/c termination states (its own 400 or the
	// application's status), Envoy's DC flag, Caddy's status 0.
	ClientGone bool
	// ProxyAnswered: the logging proxy answered itself and the
	// application behind it never did (a deny rule, a timeout waiting for
	// the application, no server to send it to): Status is the proxy's.
	ProxyAnswered bool
	// Cut: the application's response began (Status is its) but the
	// proxy ended it before its end (a timeout or an abort mid-body).
	Cut bool
	// Termination is the proxy's own code for how the request ended, as
	// written (HAProxy's "PR--", Envoy's response flags).
	Termination string

	UserAgent string
	// UAKnown: the format records the user agent, so an empty UserAgent
	// means the request sent none.
	UAKnown bool
	Referer string // redacted

	RequestID string
	RayID     string // Cloudflare's ray id, without the colo suffix

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

	// What the edge did, for Cloudflare events.
	EdgeBlocked  bool   // the edge answered; the origin never saw it
	EdgeAction   string // block, managed_challenge, challenge, jschallenge, …
	EdgeRule     string // the rule's name (or id)
	EdgeSource   string // the product: botManagement, firewallManaged, …
	OriginStatus int    // the origin's answer as the edge saw it; 0: not contacted

	// An application's own words (a log message), redacted, its level,
	// and the facts they state.
	Message string
	Level   string
	Signals Signal

	Text string // the whole line, redacted, for evidence
}

// IsRequest reports whether the event records an HTTP request received
// (rather than only a message). A request the server itself sent
// (Outbound), or one an app's words only name (Named), is an app message.
func (e *Event) IsRequest() bool { return e.Method != "" && !e.Outbound && !e.Named }

// LineError says why a line was skipped. Reason never quotes the line:
// it may hold secrets.
type LineError struct {
	Pos    Pos
	Reason string
}

func (e *LineError) Error() string { return e.Pos.String() + ": " + e.Reason }

// Stats counts what one input held.
type Stats struct {
	Lines int
	// Filtered lines were passed over without parsing: on a big input,
	// lines with no trace of the connector (see Scanner.SetPrefilter).
	Filtered     int
	Events       int
	Requests     int // events that record a request (the rest are app messages)
	Skipped      int
	FirstSkipped []LineError // the first few, in order
	// Zones lists the distinct non-UTC offsets seen, in order of appearance.
	Zones []string
	// First and Last are the earliest and latest event times (UTC).
	First, Last time.Time
	// ZoneAssumed: some times carried no zone and were read in --tz (UTC
	// unless given). NoTimes: some events had no time at all.
	ZoneAssumed bool
	NoTimes     bool
	// DateAssumed: some lines wrote a time of day without a date, dated
	// from another line; DateInvented: no line had a date, so theirs
	// is made up (their times of day and intervals are real).
	DateAssumed  bool
	DateInvented bool
	// Hint is what the user should do for this input, when the reader
	// knows (a Cloudflare CSV without its header).
	Hint string
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
