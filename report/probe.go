package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/mcptriage/mcptriage/probe"
	"github.com/mcptriage/mcptriage/rules"
)

// ProbeJSON is what `probe --json` prints.
type ProbeJSON struct {
	Version int `json:"version"`
	*probe.Result
	Worst     probe.Status `json:"worst"`
	Predicted []string     `json:"predicted"`
}

// WriteProbeJSON writes a probe's result for scripts.
func WriteProbeJSON(w io.Writer, res *probe.Result) error {
	out := ProbeJSON{Version: Version, Result: res, Worst: res.Worst(), Predicted: res.Predicted()}
	if out.Predicted == nil {
		out.Predicted = []string{}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteProbe renders a probe as a funnel: the connector's stages in
// order, each check's verdict, and for a problem the mode, the exchange
// that showed it and the fix.
func WriteProbe(w io.Writer, res *probe.Result, st Style) error {
	p := painter{on: st.Color}
	b := &strings.Builder{}
	fmt.Fprintf(b, "%s %s\n\n", p.bold("mcptriage probe"), res.URL)
	width := 0
	for _, c := range res.Checks {
		width = max(width, len(c.ID))
	}
	last := rules.Stage(-1)
	counts := map[probe.Status]int{}
	for _, c := range res.Checks {
		counts[c.Status]++
		stage := ""
		if c.Stage != last {
			stage = fmt.Sprintf("%d %s", int(c.Stage), c.Stage)
			last = c.Stage
		}
		mark := map[probe.Status]string{probe.Pass: p.green("✓"), probe.Warn: p.yellow("!"), probe.Fail: p.red("✗"), probe.Skip: p.dim("·")}[c.Status]
		prefix := fmt.Sprintf("%-15s %s %-*s  ", stage, mark, width, c.ID)
		summary := c.Summary
		if c.Status == probe.Skip {
			summary = p.dim(summary)
		}
		writeWrapped(b, prefix, summary, st.Width)
		if c.Status != probe.Warn && c.Status != probe.Fail {
			continue
		}
		indent := strings.Repeat(" ", 15+3+width+2)
		if c.Mode != "" {
			what := c.Mode
			if r := rules.ByID(c.Mode); r != nil {
				what += " · " + sideWords(string(r.Side))
			}
			fmt.Fprintf(b, "%s%s %s\n", indent, p.bold("→"), what)
		}
		if x := c.Exchange; x != nil {
			writeWrapped(b, indent+"  ", exchangeLine(x), st.Width)
		}
		if c.Fix != "" {
			writeWrapped(b, indent+"  "+p.bold("fix")+" ", c.Fix, st.Width)
		}
	}
	b.WriteString("\n")
	fmt.Fprintf(b, "%d pass, %d warn, %d fail, %d skipped; %d %s.", counts[probe.Pass], counts[probe.Warn], counts[probe.Fail], counts[probe.Skip], res.Requests, pluralize(res.Requests, "request", "requests"))
	switch pred := res.Predicted(); {
	case len(pred) > 0:
		fmt.Fprintf(b, " Predicted: %s ('mcptriage rules <mode>' explains each).\n", strings.Join(pred, ", "))
	case counts[probe.Fail]+counts[probe.Warn] == 0:
		b.WriteString(" Nothing here stops Claude's connector.\n")
	default:
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// exchangeLine: the request and what came back, in one line.
func exchangeLine(x *probe.Exchange) string {
	ua := x.UserAgent
	if ua == "" {
		ua = "no user agent"
	}
	s := fmt.Sprintf("%s %s (%s) → ", x.Method, x.URL, ua)
	if x.Error != "" {
		return s + x.Error
	}
	s += fmt.Sprint(x.Status)
	var parts []string
	if x.ContentType != "" {
		parts = append(parts, x.ContentType)
	}
	if x.Server != "" {
		parts = append(parts, "server "+x.Server)
	}
	if x.Location != "" {
		parts = append(parts, "location "+x.Location)
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, "; ") + ")"
	}
	if x.Body != "" {
		body := x.Body
		if len(body) > 160 {
			body = body[:160] + "…"
		}
		s += ": " + body
	}
	return s
}
