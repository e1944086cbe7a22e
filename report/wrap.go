package report

import (
	"regexp"
	"strings"

	"github.com/mattn/go-runewidth"
)

// widths measures text as a terminal shows it: a CJK character or an
// emoji takes two columns, a combining mark none. The condition is fixed
// here rather than read from the locale, so the output does not depend on
// the environment.
var widths = &runewidth.Condition{EastAsianWidth: false}

// sgr is the painter's own colour codes; log text never carries an escape
// (Printable escaped it), so these are the only ones to skip.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// displayWidth is the number of columns s takes on a terminal.
func displayWidth(s string) int {
	if strings.IndexByte(s, '\x1b') >= 0 {
		s = sgr.ReplaceAllString(s, "")
	}
	return widths.StringWidth(s)
}

// writeWrapped writes text after prefix, wrapped to width columns;
// continuation lines align with the text. Multi-line text keeps its
// lines, and a line that starts with a space (a config snippet) is not
// re-flowed. width 0 means no wrapping.
func writeWrapped(b *strings.Builder, prefix, text string, width int) {
	pad := strings.Repeat(" ", displayWidth(prefix))
	for i, para := range strings.Split(text, "\n") {
		lead := prefix
		if i > 0 {
			lead = pad
		}
		if strings.HasPrefix(para, " ") {
			b.WriteString(lead + para + "\n")
			continue
		}
		wrapLine(b, lead, pad, para, width)
	}
}

// Wrap returns text after prefix wrapped to width display columns, as
// writeWrapped writes it (for the commands that print prose of their own).
func Wrap(prefix, text string, width int) string {
	var b strings.Builder
	writeWrapped(&b, prefix, text, width)
	return b.String()
}

// DisplayWidth is the number of columns s takes on a terminal.
func DisplayWidth(s string) int { return displayWidth(s) }

// writeLogLine writes a log line after prefix; when it is wider than the
// terminal it goes on under pad, broken only at spaces, so every token
// (a URL, a query, a user agent's parts) stays whole and copyable.
func writeLogLine(b *strings.Builder, prefix, pad, line string, width int) {
	wrapLine(b, prefix, pad, line, width)
}

// wrapLine fills lines of at most width columns, breaking at single
// spaces (a run of spaces inside the text is kept). A word wider than the
// line is never cut: it overflows.
func wrapLine(b *strings.Builder, lead, pad, text string, width int) {
	col := displayWidth(lead)
	if width <= 0 || col+widths.StringWidth(text) <= width {
		b.WriteString(lead + text + "\n")
		return
	}
	padWidth := displayWidth(pad)
	b.WriteString(lead)
	empty := true
	for _, word := range strings.Split(text, " ") {
		w := widths.StringWidth(word)
		if !empty && col+1+w > width {
			b.WriteString("\n" + pad + word)
			col = padWidth + w
			continue
		}
		if !empty {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += w
		empty = false
	}
	b.WriteByte('\n')
}
