package report

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/mcptriage/mcptriage/rules"
)

// mermaid draws the attempt: Claude's backend, the user's browser, the
// edge when one is known, and the server; the last arrow is where it stopped.
func (w *draftWriter) mermaid() string {
	edge := w.r.Context.BehindCloudflare || w.r.Context.EdgeLogFrom != ""
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	b.WriteString("    participant C as Claude (backend)\n")
	b.WriteString("    participant B as Browser\n")
	if edge {
		b.WriteString("    participant E as Edge (CDN)\n")
	}
	b.WriteString("    participant S as MCP server\n")
	type step struct {
		from, to, req, resp string
		failed              bool
		n                   int
	}
	var steps []step
	for _, e := range w.a.Events {
		if e.Method == "" {
			continue
		}
		from := "C"
		if e.Source == SourceBrowser {
			from = "B"
		}
		to := "S"
		if e.EdgeBlocked && edge {
			to = "E"
		}
		req := e.Method + " " + shortPath(e.Path)
		if e.UserAgent == "Claude-User" {
			req += " (Claude-User)"
		}
		resp := fmt.Sprint(e.Status)
		if e.Status == 0 {
			resp = "?"
		}
		if e.EdgeBlocked && e.EdgeRule != "" {
			resp += " " + e.EdgeRule
		}
		// A 401 to the probe is the challenge the flow starts with; an
		// unlogged status is unknown, not a failure.
		failed := e.Status >= 400 && !(e.Role == rules.RoleProbe.String() && e.Status == 401)
		if n := len(steps); n > 0 && steps[n-1].req == req && steps[n-1].resp == resp && steps[n-1].from == from {
			steps[n-1].n++
			continue
		}
		steps = append(steps, step{from: from, to: to, req: req, resp: resp, failed: failed, n: 1})
	}
	if len(steps) > 16 {
		steps = append(steps[:8], steps[len(steps)-8:]...)
	}
	for _, s := range steps {
		times := ""
		if s.n > 1 {
			times = fmt.Sprintf(" ×%d", s.n)
		}
		arrow := "-->>"
		if s.failed {
			arrow = "--x"
		}
		fmt.Fprintf(&b, "    %s->>%s: %s%s\n", s.from, s.to, mermaidText(s.req), times)
		fmt.Fprintf(&b, "    %s%s%s: %s\n", s.to, arrow, s.from, mermaidText(s.resp))
	}
	if f := w.finding(); f != nil && w.a.Outcome != rules.OutcomeConnected {
		fmt.Fprintf(&b, "    Note over C,S: stops here: %s\n", mermaidText(string(f.Mode)))
	}
	return b.String()
}

// shortPath keeps a label short, cutting between characters.
func shortPath(p string) string {
	if r := []rune(p); len(r) > 48 {
		return string(r[:45]) + "…"
	}
	return p
}

// mermaidText keeps a label from breaking the diagram's syntax or
// carrying markup into it (Mermaid reads HTML, entities like #35; and
// statement separators in labels): only letters, digits, spaces and the
// punctuation of a path or a status are kept; anything else becomes "·".
func mermaidText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ':
			return r
		case strings.ContainsRune("/.-_?=,()+'×…", r):
			return r
		}
		return '·'
	}, s)
}
