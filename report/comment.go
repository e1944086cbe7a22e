package report

import (
	"fmt"
	"strings"
)

// Comment is a short note for an existing issue: the ofid, the time, how
// far the flow got, and one evidence line.
func Comment(r *Report, opts DraftOptions) string {
	d := &Draft{}
	d.OFIDs = MatchOFIDs(r, opts.OFIDs)
	var a *Attempt
	for _, m := range d.OFIDs {
		if m.Attempt != 0 {
			a = attemptByID(r, m.Attempt)
			break
		}
	}
	if a == nil && len(opts.OFIDs) == 0 {
		a = lastFailed(r)
	}
	var b strings.Builder
	b.WriteString("Another occurrence")
	if len(d.OFIDs) > 0 {
		var refs []string
		for _, m := range d.OFIDs {
			if m.Time != "" {
				refs = append(refs, fmt.Sprintf("`%s` at %s", m.ID, humanUTC(m.Time)))
			} else {
				refs = append(refs, fmt.Sprintf("`%s`", m.ID))
			}
		}
		b.WriteString(": " + strings.Join(refs, ", "))
	}
	b.WriteString(".\n\n")
	if a == nil {
		b.WriteString("My server's logs show no request from Claude for it (" + coverage(r) + ").\n")
		return withHosts(b.String(), r, opts)
	}
	fmt.Fprintf(&b, "Server logs (UTC): the attempt started %s and reached stage %d (%s).", humanUTC(a.Start), a.LastCompletedStage.Number, a.LastCompletedStage.Name)
	if len(a.Findings) > 0 {
		f := a.Findings[0]
		fmt.Fprintf(&b, " %s\n\nmcptriage: `%s` (%s confidence).\n", f.Summary, f.Mode, f.Confidence)
		lines := map[string]Event{}
		for _, e := range a.Events {
			lines[e.At] = e
		}
		if len(f.Evidence) > 0 {
			e := lines[f.Evidence[len(f.Evidence)-1]]
			fmt.Fprintf(&b, "\n```\n%s  %s\n```\n", utcOrUnknown(e.Time), e.Line)
		}
	} else {
		b.WriteString("\n")
	}
	return withHosts(b.String(), r, opts)
}

func withHosts(s string, r *Report, opts DraftOptions) string {
	if !opts.RedactHosts {
		return s
	}
	return newHostRedactor(r, opts).apply(s)
}
