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
	"errors"
	"fmt"
	"strings"

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
}

// fastPathAfter is how many lines of an input are always parsed in full:
// small logs keep exact accounting of every line, big ones go fast.
const fastPathAfter = 10_000

// Run reads every input of the sources in order and analyses them as one
// set of logs.
func Run(sources []Source, o Options) *Result {
	collector := rules.NewCollector(o.Rules)
	pf := prefilterFor(o)
	res := &Result{}
	var summaries []report.InputSummary
	for _, src := range sources {
		passed := src.Inputs(func(in Input) bool {
			sum := readInput(in, o, collector, pf)
			sum.TZName = tzName(o.Parse)
			summaries = append(summaries, sum)
			return true
		})
		res.Passed.add(passed)
	}
	res.Report = report.Build(collector.Analyze(), summaries)
	if len(summaries) == 0 {
		var names []string
		for _, src := range sources {
			names = append(names, src.Name())
		}
		msg := fmt.Sprintf("%s: no file to read", strings.Join(names, ", "))
		if p := res.Passed.String(); p != "" {
			msg += " (passed over " + p + ")"
		}
		res.NoLog = errors.New(msg)
	} else if msg := unreadable(summaries); msg != "" {
		res.NoLog = errors.New(msg)
	}
	return res
}

// prefilterFor returns the fast path's filter for an analysis, or nil
// when it cannot be used (--full-parse, an IPv6 --egress).
func prefilterFor(o Options) parse.PrefilterFactory {
	if o.FullParse {
		return nil
	}
	pf, ok := rules.NewPrefilter(o.Rules)
	if !ok {
		return nil
	}
	return func() parse.Prefilter {
		p := pf.Clone()
		return func(line []byte, sh parse.Shape) parse.Verdict {
			switch {
			case sh.Combined:
				return p.CheckCombined(line, sh.UAKnown)
			case sh.TimeKey != "":
				return p.CheckJSON(line, sh.UAKnown)
			}
			if p.Relevant(line, sh.UAKnown) {
				return parse.Keep
			}
			return parse.Drop
		}
	}
}

func readInput(in Input, o Options, c *rules.Collector, pf parse.PrefilterFactory) report.InputSummary {
	sum := report.InputSummary{Path: in.Name}
	rc, err := in.Open()
	if err != nil {
		sum.Err = fmt.Errorf("cannot open: %v", PathlessError(err))
		return sum
	}
	defer rc.Close()
	if o.Observe != nil {
		wrapped, done := o.Observe(in, rc)
		if done != nil {
			defer done()
		}
		rc = wrapped
	}
	r, err := parse.Decompress(rc)
	if err != nil {
		sum.Err = err
		return sum
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
	sum.Format = s.Format()
	sum.Err = s.Err()
	sum.Unrecognised = !s.Recognised() && sum.Stats.Events == 0
	if sum.Err == nil && sum.Stats.Lines == 0 {
		sum.Err = errors.New("the input is empty")
	}
	return sum
}

// unreadable explains why no input could be used, or returns "".
func unreadable(sums []report.InputSummary) string {
	var bad []string
	for _, s := range sums {
		if s.Stats.Events > 0 {
			return ""
		}
		if s.Unrecognised && s.Stats.Lines > 0 {
			bad = append(bad, s.Path)
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return fmt.Sprintf("cannot read %s as a log: no line matched a known format (mcptriage reads nginx, Cloudflare, JSON app logs and the access lines of common servers). For a custom nginx format, pass its log_format with --nginx-log-format; for JSON keys it does not know, map them with --json-field",
		strings.Join(bad, ", "))
}
