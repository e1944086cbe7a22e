package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mcptriage/mcptriage/rules"
)

// Style is how the terminal view may look. The caller decides it from
// the terminal and the environment; renderers never probe either.
type Style struct {
	Color bool
	// Width is the display width to wrap at, in terminal columns (a CJK
	// character takes two); 0 means no wrapping. The caller knows the
	// terminal: without one, it passes DefaultWidth.
	Width int
}

// DefaultWidth is the width text wraps at when no terminal says otherwise
// (a pipe, a file).
const DefaultWidth = 80

type painter struct{ on bool }

func (p painter) wrap(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}
func (p painter) bold(s string) string   { return p.wrap("1", s) }
func (p painter) dim(s string) string    { return p.wrap("2", s) }
func (p painter) red(s string) string    { return p.wrap("31", s) }
func (p painter) green(s string) string  { return p.wrap("32", s) }
func (p painter) yellow(s string) string { return p.wrap("33", s) }
func (p painter) cyan(s string) string   { return p.wrap("36", s) }

// maxShownIssues keeps the tracker line short; the JSON has them all.
const maxShownIssues = 8

// WriteText renders the terminal view. Log text reaches it with its
// control characters escaped (\x1b), so a log cannot drive the terminal.
func WriteText(w io.Writer, r *Report, st Style) error {
	r = mapStrings(r, forTerminal)
	p := painter{on: st.Color}
	b := &strings.Builder{}
	lines, events := 0, 0
	for _, in := range r.Inputs {
		lines += in.Lines
		events += in.Requests
	}
	writeWrapped(b, p.bold("mcptriage:")+" ", fmt.Sprintf("%s in %s (%s lines, %s requests)",
		countAttempts(r.Attempts), inputNames(r.Inputs), group(lines), group(events)), st.Width)
	if r.ConnectorURL != "" {
		writeWrapped(b, "connector URL: ", r.ConnectorURL, st.Width)
	}
	for _, f := range r.Findings {
		b.WriteString("\n")
		writeFinding(b, p, f, nil, "", st)
	}
	for _, a := range r.Attempts {
		b.WriteString("\n")
		writeAttempt(b, p, a, st)
	}
	b.WriteString("\n")
	writeInputs(b, p, r, st.Width)
	_, err := io.WriteString(w, b.String())
	return err
}

func countAttempts(as []Attempt) string {
	failed := 0
	for _, a := range as {
		if a.Outcome != rules.OutcomeConnected {
			failed++
		}
	}
	switch {
	case len(as) == 0:
		return "no connect attempt"
	case failed == 0:
		return fmt.Sprintf("%d connect %s, all connected", len(as), pluralize(len(as), "attempt", "attempts"))
	}
	return fmt.Sprintf("%d connect %s, %d not connected", len(as), pluralize(len(as), "attempt", "attempts"), failed)
}

func inputNames(ins []Input) string {
	var names []string
	for _, in := range ins {
		names = append(names, in.Path)
	}
	if len(names) > 3 {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:3], ", "), len(names)-3)
	}
	if len(names) == 0 {
		return "no input"
	}
	return strings.Join(names, ", ")
}

func writeAttempt(b *strings.Builder, p painter, a Attempt, st Style) {
	outcome := string(a.Outcome)
	switch a.Outcome {
	case rules.OutcomeConnected:
		outcome = p.green(outcome)
	case rules.OutcomeFailed:
		outcome = p.red(outcome)
	default:
		outcome = p.yellow(outcome)
	}
	start, _ := time.Parse(time.RFC3339Nano, a.Start)
	end, _ := time.Parse(time.RFC3339Nano, a.End)
	when := start.Format("2006-01-02 15:04:05Z") + " → " + end.Format("15:04:05Z")
	if a.Start == "" {
		when = "times not logged (line order)"
	}
	fmt.Fprintf(b, "%s  %s  %s\n", p.bold(fmt.Sprintf("Attempt %d", a.ID)), when, outcome)
	from := strings.Join(a.EgressIPs, ", ")
	switch {
	case a.EgressConfirmed:
		from += " (Anthropic egress)"
	case from == "":
		from = "no address logged: unconfirmed, matched by what the log shows (user agents, paths, Claude's callback, the order of steps)"
	default:
		from += " (a proxy's or private address, not Anthropic's range: unconfirmed, matched by user agents, paths, Claude's callback and the order of steps)"
	}
	if a.AddressNote != "" {
		from += "; " + a.AddressNote
	}
	writeWrapped(b, "  from    ", from, st.Width)
	if a.ConnectorPath != "" {
		writeWrapped(b, "  endpoint ", a.Host+a.ConnectorPath, st.Width)
	}
	writeLadder(b, "  ladder  ", ladder(p, a, start), st.Width)
	fmt.Fprintf(b, "  reached stage %d (%s)\n", a.LastCompletedStage.Number, a.LastCompletedStage.Name)
	events := map[string]Event{}
	for _, e := range a.Events {
		events[e.At] = e
	}
	if len(a.Findings) == 0 {
		if a.Outcome != rules.OutcomeConnected {
			b.WriteString("\n  No rule explains where this attempt stopped; its requests:\n")
			for _, e := range a.Events {
				writeLogLine(b, "    "+p.dim(e.At)+"  ", "      ", e.Line, st.Width)
			}
		}
		return
	}
	b.WriteString("\n")
	if a.Outcome == rules.OutcomeConnected {
		// A connected attempt's findings are notes about later trouble or
		// about Claude's own display, not why it failed.
		for _, f := range a.Findings {
			fmt.Fprintf(b, "  %s %s · %s · %s confidence\n", p.yellow("!"), p.bold(string(f.Mode)), sideWords(f.Side), f.Confidence)
			writeWrapped(b, "    ", f.Summary, st.Width)
		}
		return
	}
	writeFinding(b, p, a.Findings[0], events, "  ", st)
	if len(a.Findings) > 1 {
		fmt.Fprintf(b, "\n  %s\n", p.bold("also possible"))
		for _, f := range a.Findings[1:] {
			fmt.Fprintf(b, "    %s · %s · %s confidence\n", p.cyan(string(f.Mode)), sideWords(f.Side), f.Confidence)
			writeWrapped(b, "      ", f.Summary, st.Width)
			if f.DecisiveNextStep != "" {
				writeWrapped(b, "      decide: ", f.DecisiveNextStep, st.Width)
			}
		}
	}
}

var ladderMarks = map[rules.StageStatus]string{
	rules.StatusOK: "✓", rules.StatusFailed: "✗", rules.StatusNotSeen: "·", rules.StatusStarted: "…", rules.StatusSkipped: "–",
}

// writeLadder puts the rungs on one line, or on several when narrow.
func writeLadder(b *strings.Builder, prefix string, rungs []string, width int) {
	line := prefix
	for i, r := range rungs {
		sep := "  "
		if i == 0 {
			sep = ""
		}
		if width > 0 && i > 0 && displayWidth(line)+len(sep)+displayWidth(r) > width {
			b.WriteString(line + "\n")
			line, sep = strings.Repeat(" ", displayWidth(prefix)), ""
		}
		line += sep + r
	}
	b.WriteString(line + "\n")
}

func ladder(p painter, a Attempt, start time.Time) []string {
	var parts []string
	for _, s := range a.Stages {
		mark := ladderMarks[s.Status]
		label := mark + " " + s.Name
		if s.At != "" {
			if t, err := time.Parse(time.RFC3339Nano, s.At); err == nil {
				label += " " + offset(t.Sub(start))
			}
		}
		switch s.Status {
		case rules.StatusOK:
			label = p.green(label)
		case rules.StatusFailed:
			label = p.red(label)
		case rules.StatusNotSeen, rules.StatusSkipped:
			label = p.dim(label)
		default:
			label = p.yellow(label)
		}
		parts = append(parts, label)
	}
	return parts
}

func offset(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("+%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("+%.0fs", d.Seconds())
	}
	return fmt.Sprintf("+%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

func writeFinding(b *strings.Builder, p painter, f Finding, events map[string]Event, indent string, st Style) {
	fmt.Fprintf(b, "%s%s %s · %s · %s confidence\n", indent, p.red("✗"), p.bold(string(f.Mode)), sideWords(f.Side), f.Confidence)
	writeWrapped(b, indent+"  ", f.Summary, st.Width)
	if len(f.Evidence) > 0 {
		fmt.Fprintf(b, "%s  %s\n", indent, p.bold("evidence"))
		for _, at := range f.Evidence {
			e := events[at]
			writeLogLine(b, indent+"    "+p.dim(at)+"  ", indent+"      ", e.Line, st.Width)
			// The same request in the other logs, under it.
			for _, v := range e.Views {
				writeLogLine(b, indent+"      "+p.dim("= "+v.At)+"  ", indent+"        ", v.Line, st.Width)
			}
		}
	}
	writeWrapped(b, indent+"  "+p.bold("fix")+"     ", f.Fix, st.Width)
	if f.DecisiveNextStep != "" {
		writeWrapped(b, indent+"  "+p.bold("decide")+"  ", f.DecisiveNextStep, st.Width)
	}
	if len(f.KnownIssues) > 0 {
		nums := f.KnownIssues
		more := ""
		if len(nums) > maxShownIssues {
			more = fmt.Sprintf(" (+%d more)", len(nums)-maxShownIssues)
			nums = nums[:maxShownIssues]
		}
		var refs []string
		for _, n := range nums {
			refs = append(refs, fmt.Sprintf("#%d", n))
		}
		fmt.Fprintf(b, "%s  %s  anthropics/claude-ai-mcp %s%s\n", indent, p.bold("tracker"), strings.Join(refs, " "), more)
	}
}

func writeInputs(b *strings.Builder, p painter, r *Report, width int) {
	for _, in := range r.Inputs {
		line := fmt.Sprintf("%s: %s, %s lines, %s requests", in.Path, in.Format, group(in.Lines), group(in.Requests))
		if msgs := in.Events - in.Requests; msgs > 0 {
			line += fmt.Sprintf(", %s app %s", group(msgs), pluralize(msgs, "message", "messages"))
		}
		if in.FirstTime != "" {
			line += fmt.Sprintf(", %s → %s", shortTime(in.FirstTime), shortTime(in.LastTime))
		}
		if in.SourceTimezone != "UTC" && in.SourceTimezone != "" {
			line += fmt.Sprintf("; times converted to UTC from %s", in.SourceTimezone)
		}
		writeWrapped(b, p.dim("input")+" ", line, width)
		if in.Skipped > 0 {
			writeWrapped(b, "      ", fmt.Sprintf("skipped %s %s: %s", group(in.Skipped), pluralize(in.Skipped, "line", "lines"), strings.Join(in.SkipReasons, "; ")), width)
		}
		if in.Error != "" {
			writeWrapped(b, "      "+p.yellow("warning:")+" ", in.Error, width)
		}
		for _, w := range in.Warnings {
			writeWrapped(b, "      "+p.yellow("note:")+" ", w, width)
		}
	}
	for _, n := range r.Notes {
		writeWrapped(b, p.yellow("note:")+" ", n, width)
	}
	b.WriteString(p.dim("All times are UTC.") + "\n")
}

// sideWords renders a side id for people: "identity provider".
func sideWords[S ~string](side S) string { return strings.ReplaceAll(string(side), "_", " ") }

// shortTime renders an RFC 3339 UTC time as "2026-11-24 08:52:48Z".
func shortTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func pluralize(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// group writes 12345 as 12,345.
func group(n int) string { return rules.Thousands(n) }
