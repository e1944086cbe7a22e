package report

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mcptriage/mcptriage/report/tracker"
	"github.com/mcptriage/mcptriage/rules"
)

// DraftOptions are what the user tells the draft besides the logs.
type DraftOptions struct {
	User         bool // the User Report form instead of the developer's
	OFIDs        []OFID
	ServerURL    string
	Where        string
	Transport    string
	Registration string
	Browser      string
	WorksIn      []string
	ClaudeError  string
	// RedactHosts replaces the server's host names and every address but
	// Anthropic's and the documentation ranges (--redact-hosts).
	RedactHosts bool
	// KeepAddresses publishes people's addresses and e-mail addresses,
	// which are otherwise replaced (--keep-addresses).
	KeepAddresses bool
	// Related is a tracker search for this diagnosis (report --search);
	// without one, the index's issues for the mode are named.
	Related *tracker.Result
}

// Draft is an issue ready to file: the form's fields, the body a
// submitted form would have, its title.
type Draft struct {
	Template string       `json:"template"`
	Repo     string       `json:"repo"`
	Title    string       `json:"title"`
	Labels   []string     `json:"labels"`
	Fields   []DraftField `json:"fields"`
	Body     string       `json:"body"`
	Attempt  int          `json:"attempt,omitempty"`
	Mode     rules.Mode   `json:"mode,omitempty"`
	OFIDs    []OFIDMatch  `json:"ofids"`
	// Advice is for the person filing, not for the issue: it goes to stderr.
	Advice []string `json:"advice"`
	// Related are the tracker issues a search found, best first.
	Related []tracker.Match `json:"related,omitempty"`
	// SuggestComment is an open issue that already tracks this failure.
	SuggestComment int    `json:"suggest_comment_on,omitempty"`
	URL            string `json:"url,omitempty"`
	// URLShortened says the link carries shortened logs; the body has them whole.
	URLShortened bool `json:"url_shortened,omitempty"`
}

// DraftField is one filled field.
type DraftField struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Value string `json:"value"`
	// Pick says the user must choose this dropdown on the page: GitHub
	// does not prefill dropdowns.
	Pick bool `json:"pick_on_page,omitempty"`
}

func lastFailed(r *Report) *Attempt {
	var last *Attempt
	for i := range r.Attempts {
		if r.Attempts[i].Outcome != rules.OutcomeConnected {
			last = &r.Attempts[i]
		}
	}
	return last
}

func attemptByID(r *Report, id int) *Attempt {
	for i := range r.Attempts {
		if r.Attempts[i].ID == id {
			return &r.Attempts[i]
		}
	}
	return nil
}

// ErrNothingToReport says the logs hold no failed attempt and no ofid
// points anywhere: there is nothing for a maintainer to trace.
var ErrNothingToReport = errors.New("nothing to report")

// BuildDraft writes the issue for the attempt the first ofid points at
// (or the most recent failed one).
func BuildDraft(r *Report, opts DraftOptions) (*Draft, error) {
	d := &Draft{Repo: TrackerRepo, Template: DeveloperTemplate, Labels: []string{"bug", "auth", "auth-issue", "server-developer-report"}}
	form := DeveloperForm
	if opts.User {
		d.Template, form = UserTemplate, UserForm
		d.Labels = []string{"bug", "auth", "auth-issue", "user-report"}
	}
	r, opts = forPublishing(r, opts)
	d.OFIDs = MatchOFIDs(r, opts.OFIDs)
	a := subject(r, d.OFIDs)
	w := &draftWriter{r: r, a: a, opts: opts, d: d}
	if a != nil {
		d.Attempt = a.ID
		if len(a.Findings) > 0 {
			d.Mode = a.Findings[0].Mode
		}
	}
	w.advise()
	w.related()
	for _, f := range form {
		v := f.value(w)
		if f.Shell {
			// GitHub fences the field itself when the form is submitted.
			v = guardFenceLines(v)
		}
		pick := f.Dropdown && v == ""
		if v == "" {
			v = noResponse
		}
		d.Fields = append(d.Fields, DraftField{ID: f.ID, Label: f.Label, Value: v, Pick: pick || f.Dropdown})
	}
	d.Title = w.title()
	d.Body = renderBody(d.Fields, form)
	return d, nil
}

// subject is the attempt a draft (or a search) is about: the one the
// first matched ofid points at, else the most recent failed one when no
// ofid was given.
func subject(r *Report, ofids []OFIDMatch) *Attempt {
	for _, m := range ofids {
		if m.Attempt != 0 {
			return attemptByID(r, m.Attempt)
		}
	}
	if len(ofids) == 0 {
		return lastFailed(r)
	}
	return nil
}

// renderBody writes the fields as a submitted form renders them.
func renderBody(fields []DraftField, form []FormField) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "### %s\n\n", f.Label)
		if form[i].Shell && f.Value != noResponse {
			b.WriteString(mdFence("shell", f.Value))
			continue
		}
		b.WriteString(strings.TrimRight(f.Value, "\n") + "\n")
	}
	return b.String()
}

// Markdown is the draft as one document: the title, then the body.
func (d *Draft) Markdown() string {
	return "# " + d.Title + "\n\n" + d.Body
}

// Field returns the value of a field by id.
func (d *Draft) Field(id string) string {
	for _, f := range d.Fields {
		if f.ID == id {
			return f.Value
		}
	}
	return ""
}

type draftWriter struct {
	r    *Report
	a    *Attempt
	opts DraftOptions
	d    *Draft
}

func (w *draftWriter) finding() *Finding {
	if w.a == nil || len(w.a.Findings) == 0 {
		return nil
	}
	return &w.a.Findings[0]
}

// advise tells the person filing when a report is probably not the next
// step: the evidence points at their own server or infrastructure, or
// the logs show no failure at all.
func (w *draftWriter) advise() {
	for _, m := range w.d.OFIDs {
		if m.NoAttempt {
			at := ""
			if m.Time != "" {
				at = " near " + m.Time
			}
			w.d.Advice = append(w.d.Advice, fmt.Sprintf("%s: no attempt in these logs%s. If the logs cover that time, nothing reached the server: the draft says so, which is evidence in itself.", m.ID, at))
		}
	}
	switch f := w.finding(); {
	case w.a == nil && len(w.d.OFIDs) == 0 && len(w.r.Attempts) == 0:
		w.d.Advice = append(w.d.Advice, "No request from Claude's connector is in these logs. Check first that they cover the time you pressed Connect and come from the host Claude was given ('mcptriage analyze' says what it read); a bug report is probably not the next step yet.")
	case w.a == nil && len(w.d.OFIDs) == 0:
		w.d.Advice = append(w.d.Advice, "Every attempt in these logs connected on the server side, so a bug report is probably not the next step; the draft says what the logs do show.")
	case w.a != nil && w.a.Outcome == rules.OutcomeConnected:
		w.d.Advice = append(w.d.Advice, "This attempt connected on the server side; if Claude still shows an error, the draft is worth filing with its ofid.")
	case f != nil && f.Side != "connector":
		w.d.Advice = append(w.d.Advice, fmt.Sprintf("The evidence points at your %s (%s): %s A bug report is probably not the next step; the draft is there for a second opinion.", sideWords(f.Side), f.Mode, f.Fix))
	}
}

// maxRelated keeps the related issues to the ones worth opening.
const maxRelated = 6

// related records the search's best matches, and advises a comment on an
// open issue that already tracks the failure.
func (w *draftWriter) related() {
	rel := w.opts.Related
	if rel == nil {
		return
	}
	w.d.Related = rel.Matches[:min(len(rel.Matches), maxRelated)]
	if m, ok := rel.Strongest(); ok {
		w.d.SuggestComment = m.Number
		w.d.Advice = append(w.d.Advice, fmt.Sprintf("#%d already tracks this failure (%s): adding your ofid there (report --comment %d) is usually more useful than a new issue.", m.Number, strings.Join(m.Why, "; "), m.Number))
	}
}

func (w *draftWriter) title() string {
	what := "the connection fails"
	if f := w.finding(); f != nil {
		what = f.Symptom
	} else if w.a == nil {
		what = "no request from Claude reaches the server"
	}
	ref := ""
	if len(w.d.OFIDs) > 0 {
		ref = " (" + w.d.OFIDs[0].ID + ")"
	}
	return "Custom connector: " + what + ref
}
