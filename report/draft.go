package report

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/mcptriage/mcptriage/report/tracker"
	"github.com/mcptriage/mcptriage/rules"
)

// The connector tracker's issue forms. Labels, ids and headings are the
// forms' own: the tracker's labeler applies a form's labels to an issue
// filed outside the form only when enough "### <label>" headings match
// exactly, so they are reproduced to the letter and in the forms' order.
const (
	TrackerRepo       = "anthropics/claude-ai-mcp"
	DeveloperTemplate = "auth_connection_developer.yml"
	UserTemplate      = "auth_connection_user.yml"
)

// FormField is one field of an issue form.
type FormField struct {
	ID       string
	Label    string // the heading in a submitted issue: "### " + Label
	Shell    bool   // rendered in a ```shell block
	Dropdown bool   // GitHub does not prefill dropdowns from a URL
	Required bool
}

// DeveloperForm is "Auth Connection Issue: Server Developer".
var DeveloperForm = []FormField{
	{ID: "server-url", Label: "MCP server URL", Required: true},
	{ID: "where", Label: "Where does the issue occur?", Dropdown: true, Required: true},
	{ID: "transport", Label: "Transport used", Dropdown: true, Required: true},
	{ID: "client-registration", Label: "Client registration type", Dropdown: true, Required: true},
	{ID: "sse-fallback", Label: "SSE only: Does your server return the expected status code for POST requests?", Dropdown: true, Required: true},
	{ID: "timestamp", Label: "When did you last reproduce this?", Required: true},
	{ID: "browser-os", Label: "Browser and OS"},
	{ID: "description", Label: "Describe the issue", Required: true},
	{ID: "error-details", Label: "Issue details", Shell: true, Required: true},
	{ID: "expected", Label: "Expected behavior", Required: true},
	{ID: "server-logs", Label: "Logs from your server", Shell: true},
	{ID: "additional", Label: "Additional context"},
}

// UserForm is "Auth Connection Issue: User Report".
var UserForm = []FormField{
	{ID: "server-url", Label: "MCP server URL or name", Required: true},
	{ID: "connection-method", Label: "How are you connecting?", Dropdown: true, Required: true},
	{ID: "where", Label: "Where does the issue occur?", Dropdown: true, Required: true},
	{ID: "timestamp", Label: "When did you last reproduce this?", Required: true},
	{ID: "browser-os", Label: "Browser and OS"},
	{ID: "description", Label: "Describe the issue", Required: true},
	{ID: "error-details", Label: "Error details", Shell: true, Required: true},
	{ID: "expected", Label: "Expected behavior", Required: true},
	{ID: "additional", Label: "Additional context"},
}

// Dropdown answers, as the forms list them.
const (
	WhereConnect      = "When pressing the Connect button"
	WhereAuthorize    = "In the authorization screen from my server"
	WhereRedirect     = "When auth finishes and redirects back to Claude.ai"
	WhereConversation = "During a conversation (after initial auth)"
	WhereOther        = "Other"

	TransportHTTP = "streamable-http"
	TransportSSE  = "sse (deprecated)"

	RegistrationNone   = "My server does not have auth"
	RegistrationDCR    = "Dynamic Client Registration (DCR)"
	RegistrationStatic = "Static"
	RegistrationOIDC   = "OpenID Connect Discovery (OIDC)"

	noResponse = "_No response_"
)

// Choices lets the flags name a dropdown answer briefly.
var Choices = map[string]map[string]string{
	"where":        {"connect": WhereConnect, "authorization": WhereAuthorize, "redirect": WhereRedirect, "conversation": WhereConversation, "other": WhereOther},
	"transport":    {"streamable-http": TransportHTTP, "sse": TransportSSE, "stdio": "stdio"},
	"registration": {"none": RegistrationNone, "dcr": RegistrationDCR, "static": RegistrationStatic, "oidc": RegistrationOIDC},
}

// OFID is a flow reference from Claude's error dialog, with the time the
// user saw it when they know it.
type OFID struct {
	ID   string
	Time time.Time // zero when not given
}

var ofidPattern = regexp.MustCompile(`^ofid_[0-9a-f]{16}$`)

// ParseOFID reads "ofid_0123456789abcdef" or "ofid_0123456789abcdef@TIME".
// TIME needs a zone; it is never guessed.
func ParseOFID(s string) (OFID, error) {
	id, when, hasTime := strings.Cut(strings.TrimSpace(s), "@")
	id = strings.ToLower(strings.Trim(id, "\"'“”"))
	if !ofidPattern.MatchString(id) {
		return OFID{}, fmt.Errorf("%q is not an ofid: it is \"ofid_\" and 16 hex digits, as in Claude's error, e.g. ofid_0123456789abcdef", s)
	}
	o := OFID{ID: id}
	if !hasTime {
		return o, nil
	}
	t, err := ParseZonedTime(when)
	if err != nil {
		return OFID{}, fmt.Errorf("%s: %w", id, err)
	}
	o.Time = t
	return o, nil
}

var zonedInputLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04 -0700",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04 Z07:00",
	"2006-01-02T15:04:05 Z07:00",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04 MST",
	"2006-01-02T15:04:05 MST",
	"02/Jan/2006:15:04:05 -0700",
	time.RFC1123,
	time.RFC1123Z,
}

// ParseZonedTime reads a time in any common form that states its zone,
// and refuses one without it rather than guess.
func ParseZonedTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range zonedInputLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if strings.Contains(layout, "MST") && !knownZoneAbbrev(t) {
				continue
			}
			return t.UTC(), nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04"} {
		if _, err := time.Parse(layout, s); err == nil {
			return time.Time{}, fmt.Errorf("the time %q has no zone; add one, e.g. %sZ or %s+02:00", s, strings.Replace(s, " ", "T", 1), strings.Replace(s, " ", "T", 1))
		}
	}
	return time.Time{}, fmt.Errorf("the time %q is not one mcptriage reads; write it like 2026-11-20T09:00:32Z or \"2026-11-20 10:00:32 +01:00\"", s)
}

// knownZoneAbbrev: Go accepts any abbreviation and, unknown, reads it as
// UTC; only UTC and GMT are safe to take at their word.
func knownZoneAbbrev(t time.Time) bool {
	name, _ := t.Zone()
	return name == "UTC" || name == "GMT" || name == "Z"
}

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
	RedactHosts  bool
	// Related is a tracker search for this diagnosis (report --search);
	// without one, the index's issues for the mode are named.
	Related *tracker.Result
}

// OFIDMatch places an ofid on an attempt, or says that none is near it.
type OFIDMatch struct {
	ID        string `json:"ofid"`
	Time      string `json:"time,omitempty"`
	Attempt   int    `json:"attempt,omitempty"`
	NoAttempt bool   `json:"no_attempt,omitempty"`
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
	Mode     string       `json:"mode,omitempty"`
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

// attempt windows for ofids: Claude shows the error when it gives up, so
// the ofid's time falls at or after the attempt's requests.
const (
	ofidBefore = 2 * time.Minute
	ofidAfter  = 5 * time.Minute
)

// MatchOFIDs places each ofid on the attempt near its time; an ofid
// without a time goes to the most recent failed attempt.
func MatchOFIDs(r *Report, ofids []OFID) []OFIDMatch {
	var out []OFIDMatch
	for _, o := range ofids {
		m := OFIDMatch{ID: o.ID}
		if !o.Time.IsZero() {
			m.Time = utc(o.Time)
			best, bestGap := 0, time.Duration(1<<62)
			for _, a := range r.Attempts {
				start, _ := time.Parse(time.RFC3339Nano, a.Start)
				end, _ := time.Parse(time.RFC3339Nano, a.End)
				if o.Time.Before(start.Add(-ofidBefore)) || o.Time.After(end.Add(ofidAfter)) {
					continue
				}
				gap := absDur(o.Time.Sub(end))
				if gap < bestGap {
					best, bestGap = a.ID, gap
				}
			}
			m.Attempt, m.NoAttempt = best, best == 0
		} else if a := lastFailed(r); a != nil {
			m.Attempt = a.ID
		} else {
			m.NoAttempt = true
		}
		out = append(out, m)
	}
	return out
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func lastFailed(r *Report) *Attempt {
	var last *Attempt
	for i := range r.Attempts {
		if r.Attempts[i].Outcome != "connected" {
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
	values := w.values()
	for _, f := range form {
		v := values[f.ID]
		pick := f.Dropdown && v == ""
		if v == "" {
			v = noResponse
		}
		d.Fields = append(d.Fields, DraftField{ID: f.ID, Label: f.Label, Value: v, Pick: pick || f.Dropdown})
	}
	d.Title = w.title()
	if opts.RedactHosts {
		hr := newHostRedactor(r, opts)
		d.Title = hr.apply(d.Title)
		for i := range d.Fields {
			d.Fields[i].Value = hr.apply(d.Fields[i].Value)
		}
	}
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
			fmt.Fprintf(&b, "```shell\n%s\n```\n", strings.TrimRight(f.Value, "\n"))
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
	case w.a != nil && w.a.Outcome == "connected":
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

func (w *draftWriter) values() map[string]string {
	v := map[string]string{
		"server-url":          w.serverURL(),
		"where":               w.where(),
		"transport":           w.transport(),
		"client-registration": w.registration(),
		"sse-fallback":        w.sseFallback(),
		"timestamp":           w.timestamp(),
		"browser-os":          w.opts.Browser,
		"description":         w.description(),
		"error-details":       w.errorDetails(),
		"expected":            w.expected(),
		"server-logs":         w.serverLogs(),
		"additional":          w.additional(),
		"connection-method":   "Custom connector URL",
	}
	return v
}

func (w *draftWriter) serverURL() string {
	if w.opts.ServerURL != "" {
		return w.opts.ServerURL
	}
	if w.r.ConnectorURL != "" {
		return w.r.ConnectorURL
	}
	if w.a != nil {
		// The authorize request names the connector URL as its resource.
		for _, e := range w.a.Events {
			if e.Role != "authorize" {
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

// chosen is the option a user's short key (--where redirect) stands for;
// anything else is taken as the option's text.
func chosen(field, v string) string {
	if full, ok := Choices[field][v]; ok {
		return full
	}
	return v
}

// where answers the dropdown from the stage where the flow stopped.
func (w *draftWriter) where() string {
	if v := w.opts.Where; v != "" {
		return chosen("where", v)
	}
	switch f := w.finding(); {
	case w.a == nil:
		return WhereConnect
	case w.a.Outcome == "connected":
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

func (w *draftWriter) transport() string {
	if v := w.opts.Transport; v != "" {
		return chosen("transport", v)
	}
	if w.a == nil {
		return ""
	}
	for _, f := range w.a.Findings {
		if f.Mode == "legacy_sse_transport" {
			return TransportSSE
		}
	}
	return TransportHTTP
}

func (w *draftWriter) registration() string {
	if v := w.opts.Registration; v != "" {
		return chosen("registration", v)
	}
	if w.a == nil {
		return ""
	}
	var register, authorize, oidc bool
	for _, e := range w.a.Events {
		switch e.Role {
		case "register":
			register = true
		case "authorize":
			authorize = true
		case "as_metadata":
			oidc = oidc || strings.Contains(e.Path, "openid-configuration")
		}
	}
	for _, s := range w.a.Stages {
		if s.Name == "discovery" && s.Status == "skipped" {
			return RegistrationNone
		}
	}
	switch {
	case register:
		return RegistrationDCR
	case oidc:
		return RegistrationOIDC
	case authorize:
		return RegistrationStatic
	}
	return ""
}

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

// humanUTC writes an RFC 3339 UTC time as "2026-11-20 09:00:32 UTC".
func humanUTC(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	if t.Nanosecond() != 0 {
		return t.UTC().Format("2006-01-02 15:04:05.000") + " UTC"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

func clockOf(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || s == "" {
		return "(time not logged)"
	}
	if t.Nanosecond() != 0 {
		return t.UTC().Format("15:04:05.000Z")
	}
	return t.UTC().Format("15:04:05Z")
}

func (w *draftWriter) description() string {
	var b strings.Builder
	f := w.finding()
	switch {
	case w.a == nil:
		b.WriteString("No request from Claude's connector appears in my server's logs")
		if w.r.Inputs != nil {
			b.WriteString(fmt.Sprintf(" (%s)", coverage(w.r)))
		}
		b.WriteString(".\n")
		for _, rf := range w.r.Findings {
			b.WriteString("\n" + rf.Summary + "\n")
		}
		if len(w.d.OFIDs) > 0 {
			b.WriteString("\n" + w.ofidLines())
		}
	case f != nil:
		fmt.Fprintf(&b, "What my server's logs show, as mcptriage reads them (`%s`, %s side, %s confidence):\n\n> %s\n", f.Mode, sideWords(f.Side), f.Confidence, f.Summary)
	default:
		fmt.Fprintf(&b, "The attempt ended at stage %d (%s) and no known failure mode explains it.\n", w.a.LastCompletedStage.Number, w.a.LastCompletedStage.Name)
	}
	if w.a != nil {
		b.WriteString("\nHow far the flow got, from the server's logs (UTC):\n\n```text\n")
		b.WriteString(w.ladder())
		b.WriteString("```\n")
		if ruled := w.ruledOut(); len(ruled) > 0 {
			b.WriteString("\nRuled out:\n")
			for _, r := range ruled {
				b.WriteString("- " + r + "\n")
			}
		}
		if len(w.d.OFIDs) > 0 {
			b.WriteString("\n" + w.ofidLines())
		}
		b.WriteString("\n```mermaid\n" + w.mermaid() + "```\n")
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
	status := map[string]Stage{}
	for _, s := range w.a.Stages {
		status[s.Name] = s
	}
	if s := status["probe"]; s.Status == "ok" {
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
	if s := status["discovery"]; s.Status == "ok" {
		out = append(out, "discovery metadata: served at "+clockOf(s.At))
	}
	if s := status["registration"]; s.Status == "ok" {
		out = append(out, "client registration: succeeded at "+clockOf(s.At))
	}
	if s := status["authorization"]; s.Status == "ok" {
		out = append(out, "browser authorization: the consent redirected back to Claude")
	}
	if s := status["token"]; s.Status == "ok" {
		out = append(out, "token exchange: the token was issued at "+clockOf(s.At))
	}
	f := w.finding()
	if f != nil && (f.Mode == "token_never_presented" || f.Mode == "server_rejects_token") && w.r.Context.EdgeLogFrom != "" {
		out = append(out, fmt.Sprintf("an edge (CDN/WAF) block: the edge's own log (%s to %s) shows no blocked request", humanUTC(w.r.Context.EdgeLogFrom), humanUTC(w.r.Context.EdgeLogTo)))
	}
	if f != nil && f.Mode == "token_never_presented" && w.r.Context.LogsAuthorization {
		out = append(out, "a server that rejects the token: the logs record whether Authorization was present, and it was not")
	}
	return out
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
		lines = append(lines, "Last stage completed on the server: "+fmt.Sprintf("%d (%s)", w.a.LastCompletedStage.Number, w.a.LastCompletedStage.Name), "mcptriage: "+f.Mode)
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

func utcOrUnknown(s string) string {
	if s == "" {
		return "(time not logged)"
	}
	return s
}

func (w *draftWriter) additional() string {
	var parts []string
	if len(w.opts.WorksIn) > 0 {
		parts = append(parts, "The same server works in: "+strings.Join(w.opts.WorksIn, ", ")+".")
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
		parts = append(parts, "Hosting: "+strings.Join(facts, "; ")+".")
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
				alts = append(alts, fmt.Sprintf("`%s` (%s)", g.Mode, g.Confidence))
			}
			parts = append(parts, "Other readings mcptriage could not exclude: "+strings.Join(alts, ", ")+".")
		}
	}
	parts = append(parts, "Drafted with mcptriage from the server's logs; secrets are redacted as [redacted:fingerprint].")
	return strings.Join(parts, "\n\n")
}

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
		if e.Source == "browser" {
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
		failed := e.Status >= 400 && !(e.Role == "probe" && e.Status == 401)
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
	if f := w.finding(); f != nil && w.a.Outcome != "connected" {
		fmt.Fprintf(&b, "    Note over C,S: stops here: %s\n", mermaidText(f.Mode))
	}
	return b.String()
}

func shortPath(p string) string {
	if len(p) > 48 {
		return p[:45] + "…"
	}
	return p
}

// mermaidText keeps a label from breaking the diagram's syntax.
func mermaidText(s string) string {
	return strings.NewReplacer(";", ",", "#", "", ":", " ", "\n", " ").Replace(s)
}

// hostRedactor replaces the user's host names and non-Anthropic addresses
// with stable stand-ins, for people who must not publish them.
type hostRedactor struct {
	names map[string]string
	order []string
	ips   map[string]string
}

var (
	ipv4Pattern = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	ipv6Pattern = regexp.MustCompile(`\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}\b|\b(?:[0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{0,4}\b`)
	hostPattern = regexp.MustCompile(`\b(?:[a-zA-Z0-9-]+\.)+[a-zA-Z]{2,}\b`)
)

func newHostRedactor(r *Report, opts DraftOptions) *hostRedactor {
	h := &hostRedactor{names: map[string]string{}, ips: map[string]string{}}
	add := func(host string) {
		host = strings.ToLower(strings.TrimSpace(host))
		if host == "" || keepHost(host) {
			return
		}
		if _, ok := h.names[host]; !ok {
			h.names[host] = fmt.Sprintf("host-%d.example", len(h.names)+1)
			h.order = append(h.order, host)
		}
	}
	for _, u := range []string{opts.ServerURL, r.ConnectorURL} {
		if m := hostPattern.FindString(u); m != "" {
			add(m)
		}
	}
	for _, a := range r.Attempts {
		add(a.Host)
	}
	// Longer names first, so a.b.example.com is not half-replaced by b.example.com.
	sort.SliceStable(h.order, func(i, j int) bool { return len(h.order[i]) > len(h.order[j]) })
	return h
}

// keepHost: names that are not the user's to hide.
func keepHost(host string) bool {
	for _, keep := range []string{"claude.ai", "claude.com", "anthropic.com", "github.com"} {
		if host == keep || strings.HasSuffix(host, "."+keep) {
			return true
		}
	}
	return false
}

func (h *hostRedactor) apply(s string) string {
	for _, host := range h.order {
		s = replaceFold(s, host, h.names[host])
	}
	replaceIP := func(ip string) string {
		if isAnthropicEgress(ip) || strings.HasPrefix(ip, "203.0.113.") {
			return ip
		}
		if v, ok := h.ips[ip]; ok {
			return v
		}
		v := fmt.Sprintf("203.0.113.%d", len(h.ips)+1)
		h.ips[ip] = v
		return v
	}
	s = ipv4Pattern.ReplaceAllStringFunc(s, func(ip string) string {
		if _, err := netip.ParseAddr(ip); err != nil {
			return ip
		}
		return replaceIP(ip)
	})
	return ipv6Pattern.ReplaceAllStringFunc(s, func(ip string) string {
		if a, err := netip.ParseAddr(ip); err != nil || !a.Is6() {
			return ip
		}
		return replaceIP(ip)
	})
}

func replaceFold(s, old, repl string) string {
	lower := strings.ToLower(s)
	var b strings.Builder
	for {
		i := strings.Index(lower, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i] + repl)
		s, lower = s[i+len(old):], lower[i+len(old):]
	}
}

// isAnthropicEgress: Anthropic's addresses stay, since maintainers trace by them.
func isAnthropicEgress(ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && rules.IsAnthropicEgress(a)
}
