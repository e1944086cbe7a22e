// Package pipeline is the one path from log sources to a report: inputs
// are opened, decompressed, scanned into events, filtered by the fast
// path, collected and analysed by rules, and summarised for the report.
// The commands that read logs (analyze, report, search) call Run, and
// only turn their flags into Settings and Sources.
//
// It sits between cmd and report: cmd → pipeline → report → probe →
// rules → parse. It imports report only to build the Report, which every
// command renders.
package pipeline

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mcptriage/mcptriage/internal/scrub"
	"github.com/mcptriage/mcptriage/parse"
	"github.com/mcptriage/mcptriage/report"
	"github.com/mcptriage/mcptriage/rules"
)

// Result is what an analysis produced.
type Result struct {
	Report *report.Report
	// NoLog, when set, says why no input could be read as a log; the
	// report must not be taken as a diagnosis.
	NoLog error
	// Passed counts what the sources passed over without reading.
	Passed Passed
	// Inputs is how many inputs were read.
	Inputs int
}

// earlyScrubBelow: inputs smaller than this start the output's redaction
// rules loading while they are read (see scrub.Prepare).
const earlyScrubBelow = 16 << 20

// fastPathAfter is how many lines of an input are always parsed in full:
// small logs keep exact accounting of every line, big ones go fast.
const fastPathAfter = 2_000

// maxListed is how many inputs of one source the report lists one by
// one; a source with more (a directory of a hundred thousand files) is
// summarised as one entry, so memory and output stay bounded.
const maxListed = 20

// Run reads every input of the sources in order and analyses them as one
// set of logs.
func Run(sources []Source, o Options) *Result {
	collector := rules.NewCollector(o.Rules)
	pf := prefilterFor(o, collector)
	res := &Result{}
	var groups []*group
	named, namedAdded := &group{}, false // files named one by one share a group
	var bad badInputs
	events := 0
	for _, src := range sources {
		g := named
		if _, ok := src.(single); !ok {
			g = &group{name: src.Name()}
			groups = append(groups, g)
		} else if !namedAdded {
			groups, namedAdded = append(groups, named), true
		}
		passed := src.Inputs(func(in Input) bool {
			sum, binary := readInput(in, o, collector, pf)
			if binary {
				res.Passed.Binary++
				return true
			}
			sum.TZName = tzName(o.Parse)
			res.Inputs++
			events += sum.Stats.Events
			if sum.Stats.Events == 0 {
				bad.add(sum)
			}
			g.add(sum)
			return true
		})
		res.Passed.add(passed)
	}
	var summaries []report.InputSummary
	for _, g := range groups {
		summaries = append(summaries, g.summaries()...)
	}
	scrub.Prepare() // for the output, while the attempts are reconstructed
	res.Report = report.Build(collector.Analyze(), summaries)
	switch {
	case res.Inputs == 0:
		var names []string
		for _, src := range sources {
			names = append(names, src.Name())
		}
		msg := fmt.Sprintf("%s: no file to read", strings.Join(names, ", "))
		if p := res.Passed.String(); p != "" {
			msg += " (passed over " + p + ")"
		}
		res.NoLog = errors.New(msg)
	case events == 0:
		res.NoLog = bad.err()
	}
	if res.Passed.Total() > 0 {
		res.Report.Notes = append(res.Report.Notes, "passed over "+res.Passed.String())
	}
	if o.Rules.ClaudeError != "" && !KnownClaudeMessage(o.Rules.ClaudeError) {
		res.Report.Notes = append(res.Report.Notes, fmt.Sprintf("--error %q is none of the messages Claude is known to show, so it decides nothing here; paste the message as Claude showed it (it usually starts \"Couldn't register…\", \"Couldn't reach…\" or \"Authorization with … failed\")", parse.RedactString(o.Rules.ClaudeError)))
	}
	return res
}

// prefilterFor returns the fast path's filter for an analysis, or nil
// when it cannot be used (--full-parse, an IPv6 --egress).
func prefilterFor(o Options, c *rules.Collector) parse.PrefilterFactory {
	if o.FullParse {
		return nil
	}
	pf, ok := rules.NewPrefilter(o.Rules)
	if !ok {
		return nil
	}
	pf.ReportTo(c) // the look-alikes it drops are counted with the parsed ones
	return func() parse.Prefilter {
		p := pf.Clone()
		return p.Check
	}
}

// readInput reads one input into the collector. binary reports a file
// found in a directory walk whose first bytes are not text: it is passed
// over, not read.
func readInput(in Input, o Options, c *rules.Collector, pf parse.PrefilterFactory) (sum report.InputSummary, binary bool) {
	sum = report.InputSummary{Path: in.Name}
	if in.Size > 0 && in.Size < earlyScrubBelow {
		// A small log reads in less time than gitleaks' rules take to
		// load: load them meanwhile, on the other core.
		scrub.Prepare()
	}
	rc, err := in.Open()
	if err != nil {
		sum.Err = fmt.Errorf("cannot open it: %v", PathlessError(err))
		return sum, false
	}
	defer rc.Close()
	var r io.Reader = rc
	if in.Found {
		br := bufio.NewReaderSize(rc, 64<<10)
		head, _ := br.Peek(sniffBytes)
		if isBinary(head) {
			return sum, true
		}
		r = br
	}
	if o.Observe != nil {
		wrapped, done := o.Observe(in, readCloser{r, rc})
		if done != nil {
			defer done()
		}
		r = wrapped
	}
	r, err = parse.Decompress(r)
	if err != nil {
		sum.Err = err
		return sum, false
	}
	parsers, _ := parse.Parsers(o.Parse) // fresh per input; validated by Settings.Options
	s := parse.NewScanner(r, in.Name, parsers, o.Parse.MaxLineBytes)
	defer s.Close()
	if pf != nil {
		s.SetPrefilter(pf, fastPathAfter, c.WantsBrowserStep)
	}
	for s.Next() {
		c.Add(s.Event())
	}
	sum.Stats = s.Stats()
	c.PassedOver(in.Name, sum.Stats.Filtered)
	sum.Format = s.Format()
	sum.Err = withoutName(s.Err(), in.Name)
	sum.Unrecognised = !s.Recognised() && sum.Stats.Events == 0
	if sum.Err == nil && sum.Stats.Lines == 0 {
		sum.Err = errors.New("the input is empty")
	}
	return sum, false
}

type readCloser struct {
	io.Reader
	io.Closer
}

// withoutName drops the input's name from the front of an error: the
// report already says which input it is about.
func withoutName(err error, name string) error {
	if err == nil {
		return nil
	}
	if msg, ok := strings.CutPrefix(err.Error(), name+": "); ok {
		return errors.New(msg)
	}
	return err
}

// sniffBytes is how much of a found file decides whether it is text.
const sniffBytes = 8 << 10

// compressedMagic are the starts of compressed files: logs, whatever
// their bytes look like (the parser says which it cannot read).
var compressedMagic = [][]byte{
	{0x1f, 0x8b},                     // gzip
	{0x28, 0xb5, 0x2f, 0xfd},         // zstd
	{0xfd, '7', 'z', 'X', 'Z', 0x00}, // xz
	{'B', 'Z', 'h'},                  // bzip2
	{0x04, 0x22, 0x4d, 0x18},         // lz4
}

// isBinary says whether a file's first bytes are not text: a NUL byte,
// or more than one byte in ten a control character or invalid UTF-8.
func isBinary(head []byte) bool {
	for _, m := range compressedMagic {
		if bytes.HasPrefix(head, m) {
			return false
		}
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	bad := 0
	for i := 0; i < len(head); {
		r, size := utf8.DecodeRune(head[i:])
		switch {
		case r == utf8.RuneError && size == 1 && len(head)-i >= utf8.UTFMax:
			bad++
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' && r != 0x1b:
			bad++
		}
		i += size
	}
	return bad*10 > len(head)
}

// group gathers the inputs of one source: listed one by one while they
// are few, summarised as one entry when they are many.
type group struct {
	name         string
	n            int
	listed       []report.InputSummary
	total        parse.Stats
	formats      map[string]int
	errs         int
	firstErr     string
	unrecognised int
}

func (g *group) add(s report.InputSummary) {
	g.n++
	if len(g.listed) < maxListed {
		g.listed = append(g.listed, s)
	}
	if g.formats == nil {
		g.formats = map[string]int{}
	}
	if s.Format != "" {
		g.formats[s.Format]++
	}
	if s.Err != nil {
		g.errs++
		if g.firstErr == "" {
			g.firstErr = s.Path + ": " + s.Err.Error()
		}
	}
	if s.Unrecognised {
		g.unrecognised++
	}
	mergeStats(&g.total, s.Stats)
}

// summaries are the report's entries for the group.
func (g *group) summaries() []report.InputSummary {
	if g.n <= maxListed {
		return g.listed
	}
	sum := report.InputSummary{
		Path:   fmt.Sprintf("%s (%s files)", g.name, rules.Thousands(g.n)),
		Stats:  g.total,
		Format: majority(g.formats),
		TZName: g.listed[0].TZName,
	}
	if g.name == "" {
		sum.Path = fmt.Sprintf("%s files named on the command line", rules.Thousands(g.n))
	}
	if g.errs > 0 {
		sum.Err = fmt.Errorf("%s of them could not be read in full; the first: %s", rules.Thousands(g.errs), g.firstErr)
	}
	sum.Unrecognised = g.unrecognised == g.n
	return []report.InputSummary{sum}
}

// mergeStats adds one input's counts to a group's.
func mergeStats(t *parse.Stats, s parse.Stats) {
	t.Lines += s.Lines
	t.Filtered += s.Filtered
	t.Events += s.Events
	t.Requests += s.Requests
	t.Skipped += s.Skipped
	for _, e := range s.FirstSkipped {
		if len(t.FirstSkipped) < 5 {
			t.FirstSkipped = append(t.FirstSkipped, e)
		}
	}
	for _, z := range s.Zones {
		if len(t.Zones) < 8 && !slices.Contains(t.Zones, z) {
			t.Zones = append(t.Zones, z)
		}
	}
	if !s.First.IsZero() && (t.First.IsZero() || s.First.Before(t.First)) {
		t.First = s.First
	}
	if s.Last.After(t.Last) {
		t.Last = s.Last
	}
	t.ZoneAssumed = t.ZoneAssumed || s.ZoneAssumed
	t.NoTimes = t.NoTimes || s.NoTimes
	t.DateAssumed = t.DateAssumed || s.DateAssumed
	t.DateInvented = t.DateInvented || s.DateInvented
	if t.Hint == "" {
		t.Hint = s.Hint
	}
}

// majority names the formats a group was read with: the commonest, and
// any other that read at least a tenth of the files.
func majority(counts map[string]int) string {
	best, total := "", 0
	for name, n := range counts {
		total += n
		if n > counts[best] || n == counts[best] && name < best {
			best = name
		}
	}
	names := []string{best}
	for name, n := range counts {
		if name != best && n*10 >= total {
			names = append(names, name)
		}
	}
	slices.Sort(names[1:])
	return strings.Join(names, " + ")
}

// badInputs remembers why inputs held no event, for the message when
// none of them did; the first few are named.
type badInputs struct {
	n       int
	first   []string
	unknown bool
}

const maxNamedBad = 5

func (b *badInputs) add(s report.InputSummary) {
	b.n++
	if s.Unrecognised && s.Stats.Lines > 0 {
		b.unknown = true
	}
	if len(b.first) < maxNamedBad {
		b.first = append(b.first, s.Path+": "+whyNoEvents(s))
	}
}

// whyNoEvents says why an input gave no event.
func whyNoEvents(s report.InputSummary) string {
	switch {
	case s.Err != nil && s.Stats.Lines == 0:
		if s.Err.Error() == "the input is empty" {
			if s.Path == "stdin" {
				return "it is empty: nothing was piped in (e.g. cat access.log | mcptriage analyze -)"
			}
			return "it is empty (rotated a moment ago? the lines are in the rotated file, e.g. " + s.Path + ".1)"
		}
		return s.Err.Error()
	case s.Unrecognised:
		why := fmt.Sprintf("none of its %s lines matched a known log format", rules.Thousands(s.Stats.Lines))
		if s.Stats.Hint != "" {
			why += "; " + s.Stats.Hint
		}
		if s.Err != nil {
			// A compressed stream cut short after a line or two says
			// more about the input than the lines do.
			why += "; " + s.Err.Error()
		}
		return why
	case s.Stats.Skipped > 0 && len(s.Stats.FirstSkipped) > 0:
		return fmt.Sprintf("none of its %s lines could be read (the first: %s)", rules.Thousands(s.Stats.Lines), s.Stats.FirstSkipped[0].Error())
	case s.Err != nil:
		return s.Err.Error()
	}
	return fmt.Sprintf("its %s lines hold no request", rules.Thousands(s.Stats.Lines))
}

func (b *badInputs) err() error {
	var sb strings.Builder
	sb.WriteString("no input reads as a log, so there is nothing to analyse:")
	for _, f := range b.first {
		sb.WriteString("\n  " + f)
	}
	if more := b.n - len(b.first); more > 0 {
		fmt.Fprintf(&sb, "\n  and %s more inputs", rules.Thousands(more))
	}
	if b.unknown {
		sb.WriteString("\nmcptriage reads nginx, Cloudflare, JSON app logs and the access lines of common servers. For a custom nginx format, pass its log_format with --nginx-log-format; for JSON keys it does not know, map them with --json-field")
	}
	return errors.New(sb.String())
}
