package report

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"

	"github.com/mcptriage/mcptriage/probe"
	"github.com/mcptriage/mcptriage/rules"
)

// ProbeJSON is what `probe --json` prints: the result exactly as the
// server sent it (redacted, not escaped: JSON escapes what it must).
type ProbeJSON struct {
	Version int `json:"version"`
	*probe.Result
	Worst     probe.Status `json:"worst"`
	Predicted []rules.Mode `json:"predicted"`
}

// WriteProbeJSON writes a probe's result for scripts.
func WriteProbeJSON(w io.Writer, res *probe.Result) error {
	out := ProbeJSON{Version: Version, Result: res, Worst: res.Worst(), Predicted: res.Predicted()}
	if out.Predicted == nil {
		out.Predicted = []rules.Mode{}
	}
	return WriteJSON(w, out)
}

// The probe's layout: a stage's heading, then its checks indented by
// checkIndent (mark, id, summary in a column), then a problem's details
// indented by detailIndent, their continuation lines by two more.
const (
	checkIndent  = "  "
	detailIndent = "    "
)

// WriteProbe renders a probe as a funnel: the connector's stages in
// order, each check's verdict, and for a problem the mode, the exchange
// that showed it and the fix. Every line fits st.Width (0: no folding)
// but one made of a single longer word, such as a long URL, which is
// never cut. Text that came from the server is escaped.
func WriteProbe(w io.Writer, res *probe.Result, st Style) error {
	p := painter{on: st.Color}
	b := &strings.Builder{}
	wrap(b, p.bold("mcptriage probe")+" ", "  ", safe(res.URL), st.Width, nil)
	if ca := res.PrivateCA; ca != nil {
		wrap(b, p.yellow("!")+" ", "  ", "--cacert "+safe(ca.File)+": "+safe(ca.Warning), st.Width, p.bold)
	}
	b.WriteString("\n")
	idWidth := 0
	for _, c := range res.Checks {
		idWidth = max(idWidth, textWidth(c.ID))
	}
	summaryPad := strings.Repeat(" ", textWidth(checkIndent)+2+idWidth+2)
	more := detailIndent + "  "
	last := rules.Stage(-1)
	counts := map[probe.Status]int{}
	for _, c := range res.Checks {
		counts[c.Status]++
		if c.Stage != last {
			b.WriteString(p.bold(fmt.Sprintf("%d %s", int(c.Stage), c.Stage)) + "\n")
			last = c.Stage
		}
		mark := map[probe.Status]string{probe.Pass: p.green("✓"), probe.Warn: p.yellow("!"), probe.Fail: p.red("✗"), probe.Skip: p.dim("·")}[c.Status]
		id := safe(c.ID)
		prefix := checkIndent + mark + " " + id + strings.Repeat(" ", idWidth-textWidth(id)) + "  "
		var paint func(string) string
		if c.Status == probe.Skip {
			paint = p.dim
		}
		wrap(b, prefix, summaryPad, safe(c.Summary), st.Width, paint)
		if c.Status != probe.Warn && c.Status != probe.Fail {
			continue
		}
		if c.Mode != "" {
			what := string(c.Mode)
			if side := modeSide(c.Mode); side != "" {
				what += " · " + sideWords(string(side))
			}
			wrap(b, detailIndent+p.bold("→")+" ", more, what, st.Width, nil)
		}
		if x := c.Exchange; x != nil {
			wrap(b, more, more+"  ", exchangeLine(x), st.Width, nil)
		}
		if c.Fix != "" {
			wrap(b, more+p.bold("fix")+" ", more+"  ", safe(c.Fix), st.Width, nil)
		}
	}
	b.WriteString("\n")
	tally := fmt.Sprintf("%d pass, %d warn, %d fail, %d skipped; %d %s.", counts[probe.Pass], counts[probe.Warn], counts[probe.Fail], counts[probe.Skip], res.Requests, pluralize(res.Requests, "request", "requests"))
	switch pred := res.Predicted(); {
	case len(pred) > 0:
		ids := make([]string, len(pred))
		for i, m := range pred {
			ids[i] = string(m)
		}
		tally += fmt.Sprintf(" Predicted: %s ('mcptriage rules <mode>' explains each).", strings.Join(ids, ", "))
	case counts[probe.Fail]+counts[probe.Warn] == 0:
		tally += " Nothing here stops Claude's connector."
	}
	if res.PrivateCA != nil {
		tally += " The certificate is from a private CA: Claude will not accept it."
	}
	wrap(b, "", "", tally, st.Width, nil)
	_, err := io.WriteString(w, b.String())
	return err
}

// modeSide is who must act on a mode: its rule's side, or the probe's
// for a mode no log rule detects.
func modeSide(m rules.Mode) rules.Side {
	if r := rules.ByID(string(m)); r != nil {
		return r.Side
	}
	e, _ := probe.Explain(m)
	return e.Side
}

// exchangeLine: the request and what came back, in one line, escaped.
func exchangeLine(x *probe.Exchange) string {
	ua := x.UserAgent
	switch ua {
	case "":
		ua = "no user agent"
	case probe.BrowserUA:
		ua = "a browser's user agent"
	}
	s := fmt.Sprintf("%s %s (%s) → ", safe(x.Method), safe(x.URL), safe(ua))
	if x.Error != "" {
		return s + safe(x.Error)
	}
	s += fmt.Sprint(x.Status)
	var parts []string
	if x.ContentType != "" {
		parts = append(parts, safe(x.ContentType))
	}
	if x.Server != "" {
		parts = append(parts, "server "+safe(x.Server))
	}
	if x.Location != "" {
		parts = append(parts, "location "+safe(x.Location))
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, "; ") + ")"
	}
	if x.Body != "" {
		// Cut before escaping, so that an escape is never cut in two.
		s += ": " + safe(cells.Truncate(x.Body, 160, "…"))
	}
	return s
}

// cells measures text as a terminal shows it. East Asian ambiguous
// characters (→, ✓, …) count as one column whatever the locale, so that
// the output does not depend on the environment.
var cells = &runewidth.Condition{EastAsianWidth: false}

// paintCodes matches the colour codes painter writes.
var paintCodes = regexp.MustCompile("\x1b\\[[0-9;]*m")

// textWidth is the columns s takes, colour codes aside.
func textWidth(s string) int {
	if strings.IndexByte(s, 0x1b) >= 0 {
		s = paintCodes.ReplaceAllString(s, "")
	}
	return cells.StringWidth(s)
}

// wrap writes text after first, folded at width columns by display
// width, each further line starting with rest; paint (if any) colours
// each line's text. Words are never cut: one longer than the room left
// stands alone on its line, where a terminal folds it and a copy takes it
// whole. Width 0 or less: one line.
func wrap(b *strings.Builder, first, rest, text string, width int, paint func(string) string) {
	if paint == nil {
		paint = func(s string) string { return s }
	}
	lead, col := first, textWidth(first)
	var words []string
	flush := func() {
		line := lead + paint(strings.Join(words, " "))
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	for _, word := range strings.Fields(text) {
		w := textWidth(word)
		if len(words) > 0 && width > 0 && col+1+w > width {
			flush()
			lead, col, words = rest, textWidth(rest), nil
		}
		if len(words) > 0 {
			col++
		}
		words = append(words, word)
		col += w
	}
	flush()
}

// safe escapes what a terminal would act on or hide: C0 controls but
// tab, DEL, C1 controls, the bidirectional overrides and isolates, and
// bytes that are not UTF-8, as \xNN or \uNNNN.
func safe(s string) string {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r, size) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1, r < 0x80 && unsafeRune(r, size):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r, size):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func unsafeRune(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case r < 0x20:
		return r != '\t'
	case r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}
