package parse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Parser reads one log format. Parse fills ev from one redacted line and
// returns an error (its reason never quotes the line) when the line is
// not in this format. Pos, Text and Layer are set by the Scanner; a
// parser sets Text only when it must mask more than the generic
// redaction did, and Format to one of the names its Format emits.
// A parser may keep state for its input (a CSV header): Parsers builds
// a fresh set for every input.
type Parser interface {
	Parse(line []byte, ev *Event) error
}

// errNotRecord marks a line that is part of the format but records
// nothing (a CSV header): neither an event nor a skip.
var errNotRecord = errors.New("not a record")

// Config chooses the parsers for an input.
type Config struct {
	// NginxLogFormat, when set, is the user's log_format; it is tried
	// before the built-in formats.
	NginxLogFormat string
	// Format forces one parser by name; empty detects per input.
	Format string
	// MaxLineBytes bounds the length of a line (DefaultMaxLineBytes if 0).
	MaxLineBytes int
	// Location is the zone of logs whose times carry none (UTC if nil);
	// TZExplicit says the user chose it (--tz), so nothing is "assumed".
	Location   *time.Location
	TZExplicit bool
	// CloudflareFields is the field list of a Logpush job whose CSV has
	// no header row.
	CloudflareFields []string
	// JSONFields maps our field names to gjson paths, for JSON loggers
	// mcptriage does not know (--json-field name=path).
	JSONFields map[string]string
}

// Detection looks at up to sniffLines non-blank lines, and holds no more
// than sniffRecords lines (over-long ones count) or sniffBytes bytes
// (plus the line that crosses it) while it does: blank lines are counted
// and dropped at once, so no mix of lines makes it hold much.
const (
	sniffLines   = 32
	sniffRecords = 4 * sniffLines
	sniffBytes   = 1 << 20
)

// maxHeld bounds the events kept while waiting for a line with a time.
const maxHeld = 4096

// synthBase anchors the invented times of an input that has none: its
// events keep their order and nothing else.
var synthBase = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)

// Scanner reads events from one input. Use it like bufio.Scanner:
//
//	for s.Next() { use(s.Event()) }
//	if err := s.Err(); err != nil { ... }
//
// Lines no parser understands are counted in Stats, never fatal.
type Scanner struct {
	name    string
	in      *bufio.Reader
	maxLine int
	lines   lineSource
	set     *ParserSet
	parsers []Parser
	primary int // index of the detected parser, -1 while unknown
	wrapped int // lines read from inside a container prefix or envelope

	pending []pendingLine // lines read during detection, replayed in order
	ev      Event
	stats   Stats
	formats map[string]int
	started bool

	orderCache []int
	orderFor   int
	known      bool

	// The fast path: after `after` lines of an access log, lines are
	// filtered in parallel and only those that may matter are parsed.
	prefilter PrefilterFactory
	after     int
	wantStep  func(time.Time, netip.Addr) bool
	switched  bool
	uaSeen    [2]int // events parsed without and with a user agent field

	// blank counts the blank lines read (counted in Lines, never parsed);
	// chunkBlank those the fast path passed over.
	blank, chunkBlank int

	// Time backfill: events without a time take their neighbour's.
	held      []Event
	ready     []Event
	lastTime  time.Time
	synthetic bool
	eof       bool
	// Dating times of day (clock.go): the last time's zone as written,
	// and whether its date was invented.
	lastZone     string
	lastInvented bool
	// lookSpent counts the lines records looked at and put back
	// (records.go); pasteLike: detection found more of a paste than of
	// any specific format.
	lookSpent int
	pasteLike bool
}

// lineSource yields lines: from the text itself, or from the records of
// a JSON document.
type lineSource interface {
	next() bool
	current() (n int, line []byte, tooLong bool)
	error() error
}

type pendingLine struct {
	n        int
	line     []byte
	long     bool
	redacted bool // line is redacted already (detection did it)
}

// NewScanner reads r as the input called name with a parser set from
// Parsers (fresh for this input).
func NewScanner(r io.Reader, name string, parsers *ParserSet, maxLine int) *Scanner {
	if maxLine <= 0 {
		maxLine = DefaultMaxLineBytes
	}
	s := &Scanner{name: name, in: bufio.NewReaderSize(r, 64<<10), maxLine: maxLine, set: parsers, primary: -1, formats: map[string]int{}}
	for _, b := range parsers.list {
		s.parsers = append(s.parsers, b.p)
	}
	return s
}

// SetPrefilter turns the fast path on: once after lines have been read
// in full, the rest of an access log is filtered on every core and only
// the lines f passes are parsed; the others are counted in
// Stats.Filtered. A Weak line is parsed when wantStep, asked in order
// with the line's time, says so (nil: always). Inputs whose format can
// hold an application's own messages, and JSON documents, are always
// read in full.
func (s *Scanner) SetPrefilter(f PrefilterFactory, after int, wantStep func(t time.Time, peer netip.Addr) bool) {
	s.prefilter, s.after, s.wantStep = f, after, wantStep
}

// weakWanted asks wantStep about a Weak line whose time (and peer) the
// worker that judged it has read (see stampOf); a line whose time could
// not be read without knowing a zone, or could not be read at all, is
// parsed, to be safe.
func (s *Scanner) weakWanted(line []byte, st stamp) bool {
	if s.wantStep == nil || !st.ok {
		return true
	}
	var peer netip.Addr
	if st.peer.Found() {
		peer = ParseAddr(string(st.peer.Of(line)))
	}
	return s.wantStep(st.t, peer)
}

// stamp is a Weak line's time (UTC) and where its peer is, read by the
// worker that judged it, so that the scanner's own goroutine, which
// decides in order, only asks: on a busy server's day, reading them there
// for every other client's login page was a tenth of the run, on one core.
type stamp struct {
	t    time.Time
	peer Span
	ok   bool
}

// stamper reads stamps; it remembers the last time it read, since a log's
// lines share their second with their neighbours. One per goroutine.
type stamper struct {
	raw []byte
	t   time.Time
}

// stampOf reads a line's time and peer where its shape locates them.
func (sp *stamper) stampOf(line []byte, sh Shape) stamp {
	var f Fields
	if !sh.Locate(line, &f) || !f.Time.Found() {
		return stamp{}
	}
	raw := f.Time.Of(line)
	st := stamp{peer: f.Peer, ok: true}
	if string(raw) == string(sp.raw) && len(sp.raw) > 0 {
		st.t = sp.t
		return st
	}
	switch sh.Layout {
	case LayoutCombined, LayoutVhostCombined:
		t, _, err := parseTimeLocal(string(raw))
		if err != nil {
			return stamp{}
		}
		st.t = t
	case LayoutJSON:
		t, ok := epoch(string(raw))
		if !ok || !isDigitString(string(raw)) {
			var err error
			if t, err = time.Parse(time.RFC3339Nano, string(raw)); err != nil {
				return stamp{}
			}
		}
		st.t = t.UTC()
	default:
		return stamp{} // HAProxy's accept date has no zone
	}
	sp.raw, sp.t = append(sp.raw[:0], raw...), st.t
	return st
}

// Close stops the goroutines of the fast path when the input is not
// read to its end. It is safe to call more than once.
func (s *Scanner) Close() {
	if cs, ok := s.lines.(*chunkSource); ok {
		cs.close()
	}
}

// maybeSwitch moves to the fast path when it is on, enough lines were
// read in full, and the input is a plain access log.
func (s *Scanner) maybeSwitch() {
	if s.switched || s.prefilter == nil || s.stats.Lines < s.after || len(s.pending) > 0 {
		return
	}
	s.switched = true
	lr, ok := s.lines.(*lineReader)
	if !ok || lr.done {
		return
	}
	format, most := "", 0
	for f, n := range s.formats {
		if n > most {
			format, most = f, n
		}
	}
	decl := LookupFormat(format)
	if decl == nil || !decl.Access || s.wrapped > 0 || most*10 < s.stats.Events*9 || s.stats.Skipped*10 > s.stats.Lines {
		return // an app's words, wrapped, mixed or troubled input: read it all
	}
	sh := decl.Shape
	sh.UAKnown = s.uaSeen[1] > 0 && s.uaSeen[0] == 0
	cs := newChunkSource(lr.br, lr.n+1, s.maxLine, s.prefilter, sh)
	cs.weakWanted = s.weakWanted
	s.lines = cs
}

// Next advances to the next event.
func (s *Scanner) Next() bool {
	if !s.started {
		s.started = true
		s.open()
		s.detect()
	}
	for {
		if len(s.ready) > 0 {
			s.ev = s.ready[0]
			s.ready = s.ready[1:]
			s.emit()
			return true
		}
		if s.eof {
			if len(s.held) == 0 {
				return false
			}
			s.release()
			continue
		}
		if !s.nextParsed(&s.ev) {
			s.eof = true
			continue
		}
		if !s.ev.Time.IsZero() && len(s.held) == 0 {
			// The common case: a line with its own time, nothing waiting.
			s.lastTime, s.lastZone, s.lastInvented = s.ev.Time, s.ev.Zone, false
			s.emit()
			return true
		}
		s.place(s.ev)
	}
}

// place puts an event in time: its own, its predecessor's, its
// successor's, or, for an input without any, an invented one.
func (s *Scanner) place(ev Event) {
	if ev.clock.set && ev.Time.IsZero() && !s.dateClock(&ev) {
		s.hold(ev) // a time of day, and no date yet to give it
		return
	}
	switch {
	case !ev.Time.IsZero():
		s.lastTime, s.lastZone, s.lastInvented = ev.Time, ev.Zone, ev.DateInvented
		s.flushHeld(ev)
		s.ready = append(s.ready, ev)
	case !s.lastTime.IsZero() && !s.synthetic:
		ev.Time, ev.TimeInherited, ev.DateInvented = s.lastTime, true, s.lastInvented
		s.ready = append(s.ready, ev)
	case s.synthetic:
		s.ready = append(s.ready, synthesize(ev))
	default:
		s.hold(ev)
	}
}

func (s *Scanner) hold(ev Event) {
	s.held = append(s.held, ev)
	if len(s.held) >= maxHeld {
		s.release()
	}
}

// release gives held events invented times: no time came to inherit.
// Times of day among them get an invented date instead (clock.go).
func (s *Scanner) release() {
	if s.inventDates() {
		return
	}
	s.synthetic = true
	for _, ev := range s.held {
		s.ready = append(s.ready, synthesize(ev))
	}
	s.held = s.held[:0]
}

// IsSynthetic reports whether t is an invented time (see TimeSynthetic).
func IsSynthetic(t time.Time) bool { return !t.IsZero() && t.Year() == synthBase.Year() }

func synthesize(ev Event) Event {
	ev.Time = synthBase.Add(time.Duration(ev.Pos.Line) * time.Millisecond)
	ev.TimeSynthetic = true
	return ev
}

func (s *Scanner) emit() {
	s.stats.Events++
	if s.ev.IsRequest() {
		if s.ev.UAKnown {
			s.uaSeen[1]++
		} else {
			s.uaSeen[0]++
		}
	}
	if s.ev.IsRequest() {
		s.stats.Requests++
	}
	s.formats[s.ev.Format]++
	if !s.ev.TimeSynthetic && !s.ev.DateInvented {
		s.stats.noteZone(s.ev.Zone)
		s.stats.noteTime(s.ev.Time)
	}
	if s.ev.ZoneAssumed {
		s.stats.ZoneAssumed = true
	}
	if s.ev.TimeSynthetic {
		s.stats.NoTimes = true
	}
	s.stats.DateAssumed = s.stats.DateAssumed || s.ev.DateAssumed
	s.stats.DateInvented = s.stats.DateInvented || s.ev.DateInvented
}

// nextParsed reads lines until one parses into dst, counting the others.
func (s *Scanner) nextParsed(dst *Event) bool {
	for {
		var p pendingLine
		if len(s.pending) > 0 {
			p = s.pending[0]
			s.pending = s.pending[1:]
		} else {
			s.maybeSwitch()
			ok := s.lines.next()
			if cs, isChunks := s.lines.(*chunkSource); isChunks {
				if d := cs.filteredLines() - s.stats.Filtered; d > 0 {
					s.stats.Filtered += d
					s.stats.Lines += d
				}
				if d := cs.blankLines() - s.chunkBlank; d > 0 {
					s.chunkBlank += d
					s.blank += d
					s.stats.Lines += d
				}
			}
			if !ok {
				return false
			}
			p.n, p.line, p.long = s.lines.current()
			if cs, isChunks := s.lines.(*chunkSource); isChunks {
				p.redacted = cs.redacted
			}
		}
		s.stats.Lines++
		if q := s.assemble(p); !sameBytes(q.line, p.line) {
			// Lines joined into one record: redact the whole of it.
			p, p.redacted = q, false
		}
		pos := Pos{File: s.name, Line: p.n}
		if p.long {
			s.stats.skip(pos, fmt.Sprintf("line longer than %d bytes", s.maxLine))
			continue
		}
		if len(bytes.TrimSpace(p.line)) == 0 {
			s.skipBlank()
			continue
		}
		if s.parse(p.line, pos, dst, p.redacted) {
			return true
		}
	}
}

// parse tries the detected parser first, then the others: one file can
// hold more than one format (a paste, a restart with a new format).
func (s *Scanner) parse(line []byte, pos Pos, dst *Event, redacted bool) bool {
	if !redacted {
		line = Redact(line)
	}
	u := unwrap(line)
	if u.wrapped {
		s.wrapped++
	}
	err := s.try(u.line, pos, s.order(), dst)
	if err != nil && u.wrapped && len(u.line) != len(line) {
		// Not a line of ours inside: perhaps an app's own JSON record
		// that happens to have such keys.
		if s.try(line, pos, s.order(), dst) == nil {
			err = nil
		}
	}
	if err == nil {
		if dst.Time.IsZero() && !u.when.IsZero() {
			dst.Time = u.when
		}
		return true
	}
	if errors.Is(err, errNotRecord) {
		return false
	}
	reason := err.Error()
	if errors.Is(err, ErrHeaderlessCSV) {
		s.stats.Hint = ErrHeaderlessCSV.Error()
	}
	if bytes.IndexByte(line, 0) >= 0 || (!utf8.Valid(line) && binaryShare(line) > 0.3) {
		reason = "binary data, not a log line"
	} else if !s.known {
		reason = "matches no known log format (" + reason + ")"
	}
	s.stats.skip(pos, reason)
	return false
}

// try runs parsers in order; the error is the detected format's (else
// the first parser's), which says most about why the line is not in the
// input's format.
func (s *Scanner) try(line []byte, pos Pos, order []int, dst *Event) error {
	var firstErr error
	for _, i := range order {
		if len(line) > maxFallbackLine && s.set.list[i].f.Fallback {
			continue
		}
		*dst = Event{Pos: pos}
		err := s.parsers[i].Parse(line, dst)
		if err == nil {
			if e := LookupFormat(dst.Format); e != nil {
				dst.Layer = e.Layer
			}
			if dst.Text == "" {
				dst.Text = evidenceText(line)
			} else {
				dst.Text = evidenceText([]byte(dst.Text))
			}
			return nil
		}
		if errors.Is(err, errNotRecord) {
			return err
		}
		if firstErr == nil || errors.Is(err, ErrHeaderlessCSV) || (i == s.primary && !errors.Is(firstErr, ErrHeaderlessCSV)) {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = errors.New("no parser")
	}
	return firstErr
}

func (s *Scanner) order() []int {
	if s.orderCache != nil && s.orderFor == s.primary {
		return s.orderCache
	}
	out := make([]int, 0, len(s.parsers))
	// A lenient primary (an input only the recognisers read, a paste)
	// keeps its rank: the specific formats and the request recogniser
	// still get a line before the message reader does.
	if s.primary >= 0 && !s.set.list[s.primary].f.Fallback {
		out = append(out, s.primary)
	}
	for i := range s.parsers {
		if i != s.primary || s.set.list[i].f.Fallback {
			out = append(out, i)
		}
	}
	s.orderCache, s.orderFor = out, s.primary
	return out
}

// open decides how to split the input into records: lines, or the
// elements of a JSON document (an array, or pretty-printed objects).
func (s *Scanner) open() {
	if isJSONDocument(s.in) {
		s.lines = newJSONDocument(s.in, s.maxLine)
		return
	}
	s.lines = &lineReader{br: s.in, max: s.maxLine}
}

// detect reads up to sniffLines non-blank lines, keeps them for replay,
// and picks the parser that reads most of them.
func (s *Scanner) detect() {
	score := make([]int, len(s.parsers))
	// A parser's verdict on a sample must not disturb its state (the CSV
	// header), so detection asks fresh ones.
	probes := s.set.fresh()
	seen, held := 0, 0
	for seen < sniffLines && len(s.pending) < sniffRecords && held < sniffBytes && s.lines.next() {
		var p pendingLine
		n, line, long := s.lines.current()
		if !long && len(bytes.TrimSpace(line)) == 0 {
			s.stats.Lines++
			s.skipBlank()
			continue
		}
		p.n, p.long = n, long
		if !long {
			p.line = append([]byte(nil), line...)
			held += len(line)
		}
		if !long {
			// Redacted once, here: parse uses it as it is.
			p.line, p.redacted = Redact(p.line), true
		}
		s.pending = append(s.pending, p)
		if p.long {
			continue
		}
		seen++
		sample := unwrap(p.line).line
		for i := range probes {
			if len(sample) > maxFallbackLine && s.set.list[i].f.Fallback {
				continue
			}
			if probe(probes[i], sample) {
				score[i]++
			}
		}
	}
	// A specific format that reads some lines beats the lenient
	// recognisers, which read almost anything with a path in it.
	best := -1
	for pass := 0; pass < 2 && best < 0; pass++ {
		for i, sc := range score {
			if s.set.list[i].f.Fallback != (pass == 1) {
				continue
			}
			if sc > 0 && (best < 0 || sc > score[best]) {
				best = i
			}
		}
	}
	if best >= 0 {
		s.primary, s.known = best, true
	}
	// A paste: the lenient recognisers read more of the sample than the
	// specific format does (records.go joins its lines).
	for i, sc := range score {
		if s.set.list[i].f.Fallback && (best < 0 || sc > score[best]) {
			s.pasteLike = true
		}
	}
}

// maxFallbackLine: the lenient recognisers read pasted summaries and an
// app's sentences, never this long; their patterns would take seconds on
// a line of megabytes.
const maxFallbackLine = 64 << 10

// maxPatternLine: the formats a regular expression reads (HAProxy's, an
// app's plain lines, a format added by its pattern) never write lines
// this long (HAProxy's own buffer is 16 KB), and Go's regexp reads a few
// megabytes a second: a line of megabytes, tried against each of them
// while the input's format is being found, took seconds each.
const maxPatternLine = 64 << 10

// tooLongFor is the error of a pattern-read format for such a line.
func tooLongFor(format string, line []byte) error {
	return fmt.Errorf("a line of %d bytes is longer than a %s line can be", len(line), format)
}

// probe tells whether p reads line.
func probe(p Parser, line []byte) bool {
	var ev Event
	err := p.Parse(line, &ev)
	return err == nil || errors.Is(err, errNotRecord)
}

// skipBlank counts the blank lines that follow one, without reading them
// one by one (a log of nothing but newlines is read at the speed of the
// disk or the decompressor).
func (s *Scanner) skipBlank() {
	s.blank++
	if lr, ok := s.lines.(*lineReader); ok {
		k := lr.skipBlankLines()
		s.blank += k
		s.stats.Lines += k
	}
}

// Event returns the current event. It is overwritten by the next call to Next.
func (s *Scanner) Event() *Event { return &s.ev }

// Err returns the read error that ended the input early, if any. It is
// an *InputError when nothing of the input could be read as text: it is
// empty or blank, or reading it failed before its first line.
func (s *Scanner) Err() error {
	var err error
	if s.lines != nil {
		err = s.lines.error()
	}
	if err == nil {
		if s.started && s.stats.Lines == s.blank && s.eof {
			if s.stats.Lines == 0 {
				return &InputError{Reason: "the input is empty"}
			}
			return &InputError{Reason: fmt.Sprintf("the input holds only blank lines (%d)", s.stats.Lines)}
		}
		return nil
	}
	n, _, _ := s.lines.current()
	var de *documentError
	switch {
	case errors.As(err, &de):
		return fmt.Errorf("%s:%d: %s", s.name, de.line, de.reason)
	case s.stats.Lines == 0:
		return &InputError{Reason: "reading it failed before its first line", Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		read := fmt.Sprintf("the %d lines before that were read", n)
		if n == 1 {
			read = "the line before that was read"
		}
		return fmt.Errorf("%s: the input ends in the middle of a compressed block (a compressed file cut short?); %s", s.name, read)
	}
	return fmt.Errorf("%s: read error after line %d: %w", s.name, n, err)
}

// Stats reports what has been read so far.
func (s *Scanner) Stats() Stats { return s.stats }

// Format names the input's format: the one most events were read with,
// joined by "+" with any other that read at least a tenth of them.
func (s *Scanner) Format() string {
	type fc struct {
		name string
		n    int
	}
	var list []fc
	for name, n := range s.formats {
		list = append(list, fc{name, n})
	}
	sort.Slice(list, func(i, j int) bool {
		return list[i].n > list[j].n || (list[i].n == list[j].n && list[i].name < list[j].name)
	})
	var names []string
	for i, f := range list {
		if i == 0 || f.n*10 >= s.stats.Events {
			names = append(names, f.name)
		}
	}
	return strings.Join(names, " + ")
}

// Recognised says whether detection found a format in the first lines.
func (s *Scanner) Recognised() bool { return s.known }

// maxEvidenceBytes bounds the evidence text kept per event.
const maxEvidenceBytes = 2048

func evidenceText(line []byte) string {
	if len(line) > maxEvidenceBytes {
		line = append(append([]byte(nil), line[:maxEvidenceBytes]...), []byte(" [… line cut]")...)
	}
	if !utf8.Valid(line) {
		return string(bytes.ToValidUTF8(line, []byte("\uFFFD")))
	}
	return string(line)
}

func binaryShare(line []byte) float64 {
	if len(line) == 0 {
		return 0
	}
	bad := 0
	for _, c := range line {
		if c < 0x09 || (c > 0x0d && c < 0x20) || c >= 0x80 {
			bad++
		}
	}
	return float64(bad) / float64(len(line))
}
