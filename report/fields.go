package report

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/mcptriage/mcptriage/rules"
)

// serverURL is in a code span: it may come from a log (the resource= of
// an authorization request), and GitHub would make a link of it.
func (w *draftWriter) serverURL() string {
	return mdCode(w.connectorURL())
}

func (w *draftWriter) connectorURL() string {
	if w.opts.ServerURL != "" {
		return w.opts.ServerURL
	}
	if w.r.ConnectorURL != "" {
		return w.r.ConnectorURL
	}
	if w.a != nil {
		// The authorize request names the connector URL as its resource.
		for _, e := range w.a.Events {
			if e.Role != rules.RoleAuthorize.String() {
				continue
			}
			if q, err := url.ParseQuery(e.Query); err == nil && strings.HasPrefix(q.Get("resource"), "https://") {
				return q.Get("resource")
			}
		}
		if w.a.Host != "" {
			return "https://" + w.a.Host + w.a.ConnectorPath
		}
	}
	return ""
}

// where answers the dropdown from the stage where the flow stopped.
func (w *draftWriter) where() string {
	if v := w.opts.Where; v != "" {
		return chosen("where", v)
	}
	switch f := w.finding(); {
	case w.a == nil:
		return WhereConnect
	case w.a.Outcome == rules.OutcomeConnected:
		return WhereConversation
	case f != nil && f.Stage == 4:
		return WhereAuthorize
	case f != nil && f.Stage >= 5:
		return WhereRedirect
	case w.a.LastCompletedStage.Number >= 4:
		return WhereRedirect
	}
	return WhereConnect
}

// transport and registration answer from what the attempt showed
// (rules reads both), unless the user said otherwise.
func (w *draftWriter) transport() string {
	return w.answer("transport", w.opts.Transport, func(a *Attempt) string { return string(a.Transport) })
}

func (w *draftWriter) registration() string {
	return w.answer("registration", w.opts.Registration, func(a *Attempt) string { return string(a.Registration) })
}

// answer is the user's choice for a dropdown, else the attempt's fact,
// else none.
func (w *draftWriter) answer(field, given string, fact func(*Attempt) string) string {
	if given != "" {
		return chosen(field, given)
	}
	if w.a == nil || fact(w.a) == "" {
		return ""
	}
	return chosen(field, fact(w.a))
}

func (w *draftWriter) browserOS() string { return mdText(w.opts.Browser) }

func (w *draftWriter) sseFallback() string {
	if w.transport() == TransportSSE {
		return ""
	}
	return "Not applicable (not using SSE)"
}

func (w *draftWriter) timestamp() string {
	for _, m := range w.d.OFIDs {
		if m.Time != "" {
			return humanUTC(m.Time)
		}
	}
	if w.a != nil && w.a.Start != "" {
		return humanUTC(w.a.Start) + " (the attempt's first request in the server's logs)"
	}
	return ""
}

func (w *draftWriter) description() string {
	var b strings.Builder
	f := w.finding()
	switch {
	case w.a == nil:
		b.WriteString("No request from Claude's connector appears in my server's logs")
		if w.r.Inputs != nil {
			b.WriteString(fmt.Sprintf(" (%s)", mdText(coverage(w.r))))
		}
		b.WriteString(".\n")
		for _, rf := range w.r.Findings {
			b.WriteString("\n" + mdText(rf.Summary) + "\n")
		}
		if len(w.d.OFIDs) > 0 {
			b.WriteString("\n" + w.ofidLines())
		}
	case f != nil:
		fmt.Fprintf(&b, "What my server's logs show, as mcptriage reads them (%s, %s side, %s confidence):\n\n%s\n", mdCode(string(f.Mode)), sideWords(f.Side), f.Confidence, mdQuote(f.Summary))
	default:
		fmt.Fprintf(&b, "The attempt ended at stage %d (%s) and no known failure mode explains it.\n", w.a.LastCompletedStage.Number, w.a.LastCompletedStage.Name)
	}
	if w.a != nil {
		b.WriteString("\nHow far the flow got, from the server's logs (UTC):\n\n")
		b.WriteString(mdFence("text", w.ladder()))
		if ruled := w.ruledOut(); len(ruled) > 0 {
			b.WriteString("\nRuled out:\n")
			for _, r := range ruled {
				// Our words, with times and Anthropic's addresses.
				b.WriteString("- " + r + "\n")
			}
		}
		if len(w.d.OFIDs) > 0 {
			b.WriteString("\n" + w.ofidLines())
		}
		b.WriteString("\n" + mdFence("mermaid", w.mermaid()))
	}
	return b.String()
}

func coverage(r *Report) string {
	var parts []string
	for _, in := range r.Inputs {
		if in.FirstTime != "" {
			parts = append(parts, fmt.Sprintf("%s covers %s to %s", in.Format, humanUTC(in.FirstTime), humanUTC(in.LastTime)))
		}
	}
	if len(parts) == 0 {
		return "the logs carry no times"
	}
	return strings.Join(parts, "; ")
}

// ladder lists the stages with their first request and its answer.
func (w *draftWriter) ladder() string {
	events := map[string]Event{}
	for _, e := range w.a.Events {
		events[e.At] = e
	}
	var b strings.Builder
	for _, s := range w.a.Stages {
		line := fmt.Sprintf("%d. %-13s %-8s", s.Number, s.Name, s.Status)
		if s.At != "" {
			line += " " + clockOf(s.At)
		}
		var reqs []string
		for _, at := range s.Evidence {
			if e, ok := events[at]; ok && e.Method != "" {
				reqs = append(reqs, requestSummary(e))
			}
			if len(reqs) == 3 {
				break
			}
		}
		if len(reqs) > 0 {
			line += "  " + strings.Join(reqs, ", ")
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return b.String()
}

func requestSummary(e Event) string {
	status := fmt.Sprint(e.Status)
	if e.Status == 0 {
		status = "?"
	}
	s := fmt.Sprintf("%s %s → %s", e.Method, e.Path, status)
	if e.EdgeBlocked {
		s += " (blocked at the edge"
		if e.EdgeRule != "" {
			s += " by \"" + e.EdgeRule + "\""
		}
		s += ")"
	}
	return s
}

// ruledOut says which causes the logs exclude, and how.
func (w *draftWriter) ruledOut() []string {
	var out []string
	// ok returns a stage of the ladder and whether it completed.
	ok := func(st rules.Stage) (Stage, bool) {
		for _, s := range w.a.Stages {
			if s.Number == int(st) {
				return s, s.Status == rules.StatusOK
			}
		}
		return Stage{}, false
	}
	if s, done := ok(rules.StageProbe); done {
		what := "Claude's requests reached the server"
		if w.a.EgressConfirmed {
			what += " from Anthropic's egress range"
		}
		var details []string
		if len(w.a.EgressIPs) > 0 {
			details = append(details, strings.Join(w.a.EgressIPs, ", "))
		}
		if s.At != "" {
			details = append(details, "first at "+clockOf(s.At))
		}
		if len(details) > 0 {
			what += " (" + strings.Join(details, ", ") + ")"
		}
		out = append(out, "reachability (DNS, port 443, TLS, firewall): "+what)
	}
	if s, done := ok(rules.StageDiscovery); done {
		out = append(out, "discovery metadata: served at "+clockOf(s.At))
	}
	if s, done := ok(rules.StageRegistration); done {
		out = append(out, "client registration: succeeded at "+clockOf(s.At))
	}
	if _, done := ok(rules.StageAuthorization); done {
		out = append(out, "browser authorization: the consent redirected back to Claude")
	}
	if s, done := ok(rules.StageToken); done {
		out = append(out, "token exchange: the token was issued at "+clockOf(s.At))
	}
	if f := w.finding(); f != nil {
		for _, m := range f.RulesOut {
			if why := ruledOutBecause(m, w.r.Context); why != "" {
				out = append(out, why)
			}
		}
	}
	return out
}

// ruledOutBecause says how the logs exclude a look-alike mode that a
// finding rules out.
func ruledOutBecause(m rules.Mode, c Context) string {
	switch m {
	case rules.ModeEdgeBlocksClaudeUser:
		return fmt.Sprintf("an edge (CDN/WAF) block: the edge's own log (%s to %s) shows no blocked request", humanUTC(c.EdgeLogFrom), humanUTC(c.EdgeLogTo))
	case rules.ModeServerRejectsToken:
		return "a server that rejects the token: the logs record whether Authorization was present, and it was not"
	}
	return string(m)
}

func (w *draftWriter) ofidLines() string {
	var b strings.Builder
	b.WriteString("Claude's references:\n")
	for _, m := range w.d.OFIDs {
		switch {
		case m.NoAttempt && m.Time != "":
			fmt.Fprintf(&b, "- %s at %s: no request from Claude in my logs around that time\n", m.ID, humanUTC(m.Time))
		case m.NoAttempt:
			fmt.Fprintf(&b, "- %s: no matching attempt in my logs\n", m.ID)
		case m.Time != "":
			fmt.Fprintf(&b, "- %s at %s (attempt %d in the logs)\n", m.ID, humanUTC(m.Time), m.Attempt)
		default:
			fmt.Fprintf(&b, "- %s (time not noted; the attempt starting %s)\n", m.ID, humanUTC(attemptByID(w.r, m.Attempt).Start))
		}
	}
	return b.String()
}

func (w *draftWriter) errorDetails() string {
	var lines []string
	if w.opts.ClaudeError != "" {
		lines = append(lines, w.opts.ClaudeError)
	}
	for _, m := range w.d.OFIDs {
		if m.Time != "" {
			lines = append(lines, fmt.Sprintf("%s (%s)", m.ID, humanUTC(m.Time)))
		} else {
			lines = append(lines, m.ID)
		}
	}
	if f := w.finding(); f != nil {
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, "Last stage completed on the server: "+fmt.Sprintf("%d (%s)", w.a.LastCompletedStage.Number, w.a.LastCompletedStage.Name), "mcptriage: "+string(f.Mode))
	}
	return strings.Join(lines, "\n")
}

func (w *draftWriter) expected() string {
	if w.opts.User {
		return "The connector connects and its tools are listed."
	}
	return "After the OAuth flow, Claude sends the authenticated MCP requests (initialize, tools/list) and the connector shows the server's tools."
}

// maxLogLines keeps the draft readable; the JSON report has every line.
const maxLogLines = 40

// serverLogs lists the attempt's lines with their UTC times; the other
// logs' records of a request follow it.
func (w *draftWriter) serverLogs() string {
	if w.a == nil {
		return ""
	}
	var lines []string
	for _, e := range w.a.Events {
		lines = append(lines, fmt.Sprintf("%-24s %s  %s", utcOrUnknown(e.Time), e.At, e.Line))
		for _, v := range e.Views {
			lines = append(lines, fmt.Sprintf("%-24s %s  %s", "  (same request)", v.At, v.Line))
		}
	}
	if len(lines) > maxLogLines {
		head := lines[:maxLogLines/2]
		tail := lines[len(lines)-maxLogLines/2:]
		lines = append(append(append([]string{}, head...), fmt.Sprintf("… %d lines left out …", len(lines)-maxLogLines)), tail...)
	}
	return strings.Join(lines, "\n")
}

func (w *draftWriter) additional() string {
	var parts []string
	if len(w.opts.WorksIn) > 0 {
		parts = append(parts, "The same server works in: "+mdText(strings.Join(w.opts.WorksIn, ", "))+".")
	}
	var facts []string
	if w.r.Context.BehindCloudflare {
		facts = append(facts, "the server sits behind Cloudflare")
	}
	if w.r.Context.EdgeLogFrom != "" {
		facts = append(facts, "the edge's (Cloudflare's) log was included")
	}
	if w.r.Context.AppLog {
		facts = append(facts, "the application's own log was included")
	}
	if w.a != nil && w.a.AddressNote != "" {
		facts = append(facts, "the connector's address was "+w.a.AddressNote)
	}
	if len(facts) > 0 {
		parts = append(parts, "Hosting: "+mdText(strings.Join(facts, "; "))+".")
	}
	if rel := w.opts.Related; rel != nil && len(rel.Matches) > 0 {
		var refs []string
		for _, m := range rel.Matches[:min(len(rel.Matches), maxRelated)] {
			refs = append(refs, fmt.Sprintf("#%d (%s)", m.Number, m.State))
		}
		parts = append(parts, "Tracker issues that look like this failure: "+strings.Join(refs, ", ")+".")
	}
	if f := w.finding(); f != nil {
		if len(f.KnownIssues) > 0 && w.opts.Related == nil {
			var refs []string
			for _, n := range f.KnownIssues[:min(len(f.KnownIssues), maxRelated)] {
				refs = append(refs, fmt.Sprintf("#%d", n))
			}
			parts = append(parts, "Possibly related: "+strings.Join(refs, ", ")+".")
		}
		if len(w.a.Findings) > 1 {
			var alts []string
			for _, g := range w.a.Findings[1:] {
				alts = append(alts, fmt.Sprintf("%s (%s)", mdCode(string(g.Mode)), g.Confidence))
			}
			parts = append(parts, "Other readings mcptriage could not exclude: "+strings.Join(alts, ", ")+".")
		}
	}
	parts = append(parts, "Drafted with mcptriage from the server's logs; secrets are redacted as [redacted:fingerprint].")
	return strings.Join(parts, "\n\n")
}
