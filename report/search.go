package report

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/mcptriage/mcptriage/report/tracker"
)

// SearchQuery is the diagnosis of the attempt the ofids point at (or the
// most recent failed one), as a tracker search. Without an attempt it
// is the run's own finding, such as no connector traffic at all.
func SearchQuery(r *Report, ofids []OFID, claudeError string) tracker.Query {
	q := tracker.Query{Error: claudeError}
	for _, o := range ofids {
		q.OFIDs = append(q.OFIDs, o.ID)
	}
	findings := r.Findings
	if a := subject(r, MatchOFIDs(r, ofids)); a != nil {
		findings, q.Host = a.Findings, a.Host
	}
	if q.Host == "" && r.ConnectorURL != "" {
		if u, err := url.Parse(r.ConnectorURL); err == nil {
			q.Host = u.Hostname()
		}
	}
	for _, f := range findings {
		q.Modes = append(q.Modes, string(f.Mode))
	}
	if len(findings) > 0 {
		q.Stage = findings[0].Stage
	}
	return q
}

// SearchJSON is what `search --json` prints.
type SearchJSON struct {
	Version int `json:"version"`
	tracker.Result
	// Suggest is the issue to add an ofid to instead of filing a new one.
	Suggest int `json:"suggest_comment_on,omitempty"`
}

// WriteSearchJSON writes a search's result for scripts.
func WriteSearchJSON(w io.Writer, res tracker.Result) error {
	out := SearchJSON{Version: Version, Result: res}
	if m, ok := res.Strongest(); ok {
		out.Suggest = m.Number
	}
	if out.Matches == nil {
		out.Matches = []tracker.Match{}
	}
	return WriteJSON(w, out)
}

// SearchView says how to show a search.
type SearchView struct {
	Style
	Limit int
	Now   time.Time
	// CommentCommand is the command line that writes the comment adding
	// the user's ofid to an issue, with {n} for its number.
	CommentCommand string
}

// WriteSearch renders a search's result for the terminal. Titles and
// words come from GitHub and the user: their control characters are
// escaped.
func WriteSearch(w io.Writer, res tracker.Result, v SearchView) error {
	res = *mapStrings(&res, forTerminal)
	v.CommentCommand = forTerminal(v.CommentCommand)
	p := painter{on: v.Color}
	b := &strings.Builder{}
	fmt.Fprintf(b, "%s %s\n", p.bold("Tracker issues for"), describeQuery(res.Query))
	fmt.Fprintf(b, "%s\n\n", p.dim(searchedWhere(res)))
	if len(res.Matches) == 0 {
		b.WriteString("No issue matches. If the failure is new, `mcptriage report` drafts one.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	shown := res.Matches
	if v.Limit > 0 && len(shown) > v.Limit {
		shown = shown[:v.Limit]
	}
	for _, m := range shown {
		state := p.green("open  ")
		if m.State != "open" {
			state = p.dim("closed")
		}
		writeWrapped(b, fmt.Sprintf("%s  %s  ", p.bold(fmt.Sprintf("#%-5d", m.Number)), state), m.Title, v.Width)
		const indent = "        "
		if m.Summary != "" {
			writeWrapped(b, indent+p.dim("about   "), m.Summary, v.Width)
		}
		if facts := issueFacts(m, v.Now); facts != "" {
			writeWrapped(b, indent+p.dim("facts   "), facts, v.Width)
		}
		writeWrapped(b, indent+p.dim("why     "), strings.Join(m.Why, "; "), v.Width)
		writeWrapped(b, indent, m.URL, v.Width)
		b.WriteString("\n")
	}
	if n := len(res.Matches) - len(shown); n > 0 {
		fmt.Fprintf(b, "%d more (--limit 0 shows all, --json lists them for scripts).\n\n", n)
	}
	if m, ok := res.Strongest(); ok {
		fmt.Fprintf(b, "#%d already tracks this failure: adding your ofid there helps the maintainers more than a new issue.\n", m.Number)
		if v.CommentCommand != "" {
			fmt.Fprintf(b, "  %s\n", strings.ReplaceAll(v.CommentCommand, "{n}", fmt.Sprint(m.Number)))
		}
	} else {
		b.WriteString("No open issue clearly tracks this failure; `mcptriage report` drafts a new one.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func describeQuery(q tracker.Query) string {
	var parts []string
	if len(q.Modes) > 0 {
		s := q.Modes[0]
		if q.Stage > 0 {
			s += fmt.Sprintf(" (stage %d)", q.Stage)
		}
		if len(q.Modes) > 1 {
			s += ", also possible: " + strings.Join(q.Modes[1:], ", ")
		}
		parts = append(parts, s)
	}
	if q.Text != "" {
		parts = append(parts, fmt.Sprintf("%q", q.Text))
	}
	if q.Error != "" && len(q.Modes) == 0 {
		parts = append(parts, fmt.Sprintf("the error %q", q.Error))
	}
	parts = append(parts, q.OFIDs...)
	if len(parts) == 0 {
		return "(nothing to search for)"
	}
	return strings.Join(parts, "; ")
}

func searchedWhere(res tracker.Result) string {
	n, newest := tracker.IndexSize()
	index := fmt.Sprintf("the built-in index (%d issues, up to #%d)", n, newest)
	if !strings.EqualFold(res.Repo, tracker.DefaultRepo) {
		index = "no built-in index for this tracker"
	}
	switch {
	case !res.Online:
		return fmt.Sprintf("in %s: %s; offline", res.Repo, index)
	case res.Cached:
		return fmt.Sprintf("in %s: GitHub search (%d, some from the cache) and %s", res.Repo, len(res.Queries), index)
	default:
		return fmt.Sprintf("in %s: GitHub search (%d) and %s", res.Repo, len(res.Queries), index)
	}
}

func issueFacts(m tracker.Match, now time.Time) string {
	var facts []string
	if len(m.Labels) > 0 {
		facts = append(facts, strings.Join(m.Labels, ", "))
	}
	if !m.CreatedAt.IsZero() {
		s := "opened " + m.CreatedAt.UTC().Format("2006-01-02")
		if !now.IsZero() {
			s += " (" + age(now.Sub(m.CreatedAt)) + ")"
		}
		facts = append(facts, s)
	}
	if !m.UpdatedAt.IsZero() && !now.IsZero() {
		facts = append(facts, "updated "+age(now.Sub(m.UpdatedAt)))
	}
	if m.Comments > 0 {
		facts = append(facts, count(m.Comments, "comment", "comments"))
	}
	return strings.Join(facts, " · ")
}

// age says how long ago, as people do.
func age(d time.Duration) string {
	days := int(d.Hours() / 24)
	switch {
	case d < time.Hour:
		return "just now"
	case days < 1:
		return count(int(d.Hours()), "hour", "hours") + " ago"
	case days < 60:
		return count(days, "day", "days") + " ago"
	case days < 730:
		return count(days/30, "month", "months") + " ago"
	}
	return count(days/365, "year", "years") + " ago"
}

func count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, pluralize(n, one, many))
}
