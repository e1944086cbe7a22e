package parse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Parser reads one log format. Parse fills ev from one redacted line and
// returns an error (its reason never quotes the line) when the line is
// not in this format. Pos and Text are set by the Scanner; a parser sets
// Text only when it must mask more than the generic redaction did.
type Parser interface {
	Name() string
	Parse(line []byte, ev *Event) error
}

// Config chooses the parsers for an input.
type Config struct {
	// NginxLogFormat, when set, is the user's log_format; it is tried
	// before the built-in formats.
	NginxLogFormat string
	// Format forces one parser by name ("nginx-combined", "nginx-common",
	// "nginx-custom"); empty detects per input.
	Format string
	// MaxLineBytes bounds the length of a line (DefaultMaxLineBytes if 0).
	MaxLineBytes int
}

// FormatNames lists the names --format accepts.
func FormatNames() []string { return []string{"nginx-combined", "nginx-common", "nginx-custom"} }

// Parsers builds the parser list for cfg, in detection order.
func Parsers(cfg Config) ([]Parser, error) {
	var list []Parser
	if cfg.NginxLogFormat != "" {
		p, err := NewNginxParser(cfg.NginxLogFormat)
		if err != nil {
			return nil, fmt.Errorf("--nginx-log-format: %w", err)
		}
		list = append(list, p)
	}
	list = append(list, NginxCombined(), NginxCommon())
	if cfg.Format == "" {
		return list, nil
	}
	for _, p := range list {
		if p.Name() == cfg.Format {
			return []Parser{p}, nil
		}
	}
	if cfg.Format == "nginx-custom" {
		return nil, errors.New("--format nginx-custom needs --nginx-log-format")
	}
	return nil, fmt.Errorf("unknown --format %q (known: %v)", cfg.Format, FormatNames())
}

// sniffLines is how many non-empty lines detection looks at.
const sniffLines = 32

// Scanner reads events from one input. Use it like bufio.Scanner:
//
//	for s.Next() { use(s.Event()) }
//	if err := s.Err(); err != nil { ... }
//
// Lines no parser understands are counted in Stats, never fatal.
type Scanner struct {
	name    string
	lr      *lineReader
	parsers []Parser
	primary int // index of the detected parser, -1 while unknown

	pending    []pendingLine // lines read during detection, replayed in order
	ev         Event
	stats      Stats
	format     string
	detected   bool
	recognised bool
}

type pendingLine struct {
	n    int
	line []byte
	long bool
}

// NewScanner reads r (gzip is detected) as the input called name.
func NewScanner(r io.Reader, name string, parsers []Parser, maxLine int) *Scanner {
	return &Scanner{
		name:    name,
		lr:      newLineReader(r, maxLine),
		parsers: parsers,
		primary: -1,
	}
}

// Next advances to the next event.
func (s *Scanner) Next() bool {
	if !s.detected {
		s.detect()
	}
	for {
		var (
			n    int
			line []byte
			long bool
		)
		if len(s.pending) > 0 {
			p := s.pending[0]
			s.pending = s.pending[1:]
			n, line, long = p.n, p.line, p.long
		} else {
			if !s.lr.next() {
				return false
			}
			n, line, long = s.lr.n, s.lr.line, s.lr.tooLong
		}
		s.stats.Lines++
		pos := Pos{File: s.name, Line: n}
		if long {
			s.stats.skip(pos, fmt.Sprintf("line longer than %d bytes", s.lr.max))
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if s.parse(line, pos) {
			s.stats.Events++
			s.stats.noteZone(s.ev.Zone)
			s.stats.noteTime(s.ev.Time)
			return true
		}
	}
}

// parse tries the detected parser first, then the others: one file can
// hold more than one format (a paste, a restart with a new format).
func (s *Scanner) parse(line []byte, pos Pos) bool {
	line = Redact(line)
	var firstErr error
	order := s.order()
	for _, i := range order {
		s.ev = Event{Pos: pos}
		err := s.parsers[i].Parse(line, &s.ev)
		if err == nil {
			if s.ev.Text == "" {
				s.ev.Text = evidenceText(line)
			} else {
				s.ev.Text = evidenceText([]byte(s.ev.Text))
			}
			return true
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	reason := "no known log format"
	switch {
	case bytes.IndexByte(line, 0) >= 0 || !utf8.Valid(line) && binaryShare(line) > 0.3:
		reason = "binary data, not a log line"
	case firstErr != nil && s.primary >= 0:
		reason = firstErr.Error()
	case firstErr != nil:
		reason = "matches no known log format (" + firstErr.Error() + ")"
	}
	s.stats.skip(pos, reason)
	return false
}

func (s *Scanner) order() []int {
	out := make([]int, 0, len(s.parsers))
	if s.primary >= 0 {
		out = append(out, s.primary)
	}
	for i := range s.parsers {
		if i != s.primary {
			out = append(out, i)
		}
	}
	return out
}

// detect reads up to sniffLines non-empty lines, keeps them for replay,
// and picks the parser that reads most of them.
func (s *Scanner) detect() {
	s.detected = true
	score := make([]int, len(s.parsers))
	variants := make([]map[string]int, len(s.parsers))
	for i := range variants {
		variants[i] = map[string]int{}
	}
	seen := 0
	for seen < sniffLines && s.lr.next() {
		p := pendingLine{n: s.lr.n, long: s.lr.tooLong}
		if !p.long {
			p.line = append([]byte(nil), s.lr.line...)
		}
		s.pending = append(s.pending, p)
		if p.long || len(bytes.TrimSpace(p.line)) == 0 {
			continue
		}
		seen++
		line := Redact(p.line)
		for i, parser := range s.parsers {
			var ev Event
			if parser.Parse(line, &ev) == nil {
				score[i]++
				variants[i][ev.Format]++
			}
		}
	}
	best := -1
	for i, sc := range score {
		if sc > 0 && (best < 0 || sc > score[best]) {
			best = i
		}
	}
	if best < 0 {
		return
	}
	s.primary = best
	s.recognised = true
	s.format = s.parsers[best].Name()
	// Name the variant most lines used ("nginx-main+timing").
	top := 0
	for v, c := range variants[best] {
		if c > top || (c == top && v < s.format) {
			top, s.format = c, v
		}
	}
}

// Event returns the current event. It is overwritten by the next call to Next.
func (s *Scanner) Event() *Event { return &s.ev }

// Err returns the read error that ended the input early, if any.
func (s *Scanner) Err() error {
	if s.lr.err == nil {
		return nil
	}
	if errors.Is(s.lr.err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: the input ends in the middle of a compressed block (a gzip file cut short?); the %d lines before that were read", s.name, s.lr.n)
	}
	return fmt.Errorf("%s: read error after line %d: %w", s.name, s.lr.n, s.lr.err)
}

// Stats reports what has been read so far.
func (s *Scanner) Stats() Stats { return s.stats }

// Format names the format detected for this input, or "" if none matched
// the first lines.
func (s *Scanner) Format() string { return s.format }

// Recognised says whether detection found a format in the first lines.
func (s *Scanner) Recognised() bool { return s.recognised }

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
