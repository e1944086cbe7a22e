package report

import (
	"fmt"
	"strings"
)

// Comment is a short note for an existing issue: the ofid, the time, how
// far the flow got, and one evidence line.
func Comment(r *Report, opts DraftOptions) string {
	r, opts = forPublishing(r, opts)
	ofids := MatchOFIDs(r, opts.OFIDs)
	a := subject(r, ofids)
	var b strings.Builder
	b.WriteString("Another occurrence")
	if len(ofids) > 0 {
		var refs []string
		for _, m := range ofids {
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
		b.WriteString("My server's logs show no request from Claude for it (" + mdText(coverage(r)) + ").\n")
		return b.String()
	}
	fmt.Fprintf(&b, "Server logs (UTC): the attempt started %s and reached stage %d (%s).", humanUTC(a.Start), a.LastCompletedStage.Number, a.LastCompletedStage.Name)
	if len(a.Findings) > 0 {
		f := a.Findings[0]
		fmt.Fprintf(&b, " %s\n\nmcptriage: %s (%s confidence).\n", mdText(f.Summary), mdCode(string(f.Mode)), f.Confidence)
		lines := map[string]Event{}
		for _, e := range a.Events {
			lines[e.At] = e
		}
		if len(f.Evidence) > 0 {
			e := lines[f.Evidence[len(f.Evidence)-1]]
			b.WriteString("\n" + mdFence("", utcOrUnknown(e.Time)+"  "+e.Line))
		}
	} else {
		b.WriteString("\n")
	}
	return b.String()
}
