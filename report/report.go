// Package report turns an analysis into its outputs. Report is the one
// contract (what --json prints); every renderer formats a Report and
// nothing else, so the outputs cannot disagree.
package report

import (
	"strings"
	"time"

	"github.com/mcptriage/mcptriage/parse"
	"github.com/mcptriage/mcptriage/report/tracker"
	"github.com/mcptriage/mcptriage/rules"
)

// Version is the version of the JSON contract. Fields may be added
// within a version; none is renamed or removed.
const Version = 1

// Report is the JSON contract, version 1.
type Report struct {
	Version      int       `json:"version"`
	ConnectorURL string    `json:"connector_url,omitempty"`
	Inputs       []Input   `json:"inputs"`
	Attempts     []Attempt `json:"attempts"`
	// Findings about the run as a whole: the connector URL's own problems,
	// or no connector traffic at all.
	Findings []Finding `json:"findings"`
	Notes    []string  `json:"notes,omitempty"`
	// Context holds facts about the logs as a whole.
	Context Context `json:"context"`
	// LookAlikes are requests that looked like the connector's but came
	// from other public addresses, by user agent.
	LookAlikes []LookAlike `json:"lookalikes,omitempty"`
	// Error says why no input could be read as a log; then the report
	// holds the inputs and no diagnosis (the command exits 2).
	Error string `json:"error,omitempty"`
}

// LookAlike counts requests of one user agent that looked like the
// connector's (its user agents or endpoints) from other public addresses.
type LookAlike struct {
	UserAgent string `json:"user_agent"`
	Requests  int    `json:"requests"`
}

// Context says what the logs as a whole show about where the server sits
// and what was logged, for reading the attempts.
type Context struct {
	BehindCloudflare  bool   `json:"behind_cloudflare"`
	EdgeLogFrom       string `json:"edge_log_from,omitempty"`
	EdgeLogTo         string `json:"edge_log_to,omitempty"`
	AppLog            bool   `json:"app_log"`
	LogsAuthorization bool   `json:"logs_authorization"`
}

// Input summarises one file (or stdin).
type Input struct {
	Path     string `json:"path"`
	Format   string `json:"format"`
	Lines    int    `json:"lines"`
	Events   int    `json:"events"`
	Requests int    `json:"requests"`
	// Filtered lines were counted but not parsed: no trace of the
	// connector (the fast path on big access logs).
	Filtered     int      `json:"filtered,omitempty"`
	Skipped      int      `json:"skipped"`
	FirstSkipped []string `json:"first_skipped"`
	// SkipReasons parallels FirstSkipped: "file:line: why".
	SkipReasons []string `json:"skip_reasons,omitempty"`
	// SourceTimezone is the offset the source wrote its times in, before
	// conversion to UTC ("+0200"; "UTC"; several, comma-separated).
	SourceTimezone string `json:"source_timezone"`
	// FirstTime and LastTime bound the requests read: an attempt outside
	// them is simply not in this input.
	FirstTime string `json:"first_time,omitempty"`
	LastTime  string `json:"last_time,omitempty"`
	Error     string `json:"error,omitempty"`
	// Warnings say how to read this input's times, or what it needs.
	Warnings []string `json:"warnings,omitempty"`
}

// Attempt is one connect attempt.
type Attempt struct {
	ID                 int           `json:"id"`
	Start              string        `json:"start"`
	End                string        `json:"end"`
	EgressIPs          []string      `json:"egress_ips"`
	EgressConfirmed    bool          `json:"egress_confirmed"`
	AddressNote        string        `json:"address_note,omitempty"`
	Outcome            rules.Outcome `json:"outcome"`
	LastCompletedStage StageRef      `json:"last_completed_stage"`
	Stages             []Stage       `json:"stages"`
	Findings           []Finding     `json:"findings"`
	Host               string        `json:"host,omitempty"`
	ConnectorPath      string        `json:"connector_path,omitempty"`
	// Registration and Transport are what the attempt shows of the
	// server's set-up (the tracker's form asks for both).
	Registration rules.Registration `json:"registration,omitempty"`
	Transport    rules.Transport    `json:"transport,omitempty"`
	Events       []Event            `json:"events"`
}

// StageRef names a stage.
type StageRef struct {
	Number int    `json:"number"`
	Name   string `json:"name"`
}

// Stage is one rung of an attempt's ladder.
type Stage struct {
	Number   int               `json:"number"`
	Name     string            `json:"name"`
	Status   rules.StageStatus `json:"status"`
	At       string            `json:"at,omitempty"`
	Evidence []string          `json:"evidence"`
}

// Finding is one diagnosis, ranked within its list.
type Finding struct {
	Mode             rules.Mode `json:"mode"`
	Title            string     `json:"title"`
	Symptom          string     `json:"symptom"`
	Stage            int        `json:"stage"`
	Side             rules.Side `json:"side"`
	Confidence       string     `json:"confidence"`
	Summary          string     `json:"summary"`
	Fix              string     `json:"fix" lines:"ours"`
	Evidence         []string   `json:"evidence"`
	DecisiveNextStep string     `json:"decisive_next_step" lines:"ours"`
	// TiedWith names the findings the logs cannot tell this one from (the
	// same confidence, the same deciding step): its rank among them is the
	// rule list's order, not a verdict.
	TiedWith    []string `json:"tied_with,omitempty"`
	KnownIssues []int    `json:"known_issues"`
	// RulesOut are look-alike modes this finding's evidence excludes.
	RulesOut []rules.Mode `json:"rules_out,omitempty"`
}

// Event is one request (or app message) of an attempt, redacted.
type Event struct {
	At          string   `json:"at"`
	Time        string   `json:"time"`
	Role        string   `json:"role"`
	Source      string   `json:"source"` // connector (confirmed by address), connector_unconfirmed, browser, app
	Method      string   `json:"method"`
	Path        string   `json:"path"`
	Query       string   `json:"query,omitempty"` // redacted
	Status      int      `json:"status"`
	UserAgent   string   `json:"user_agent,omitempty"`
	Client      string   `json:"client,omitempty"`
	SeenBy      []string `json:"seen_by"`
	EdgeBlocked bool     `json:"edge_blocked,omitempty"`
	EdgeRule    string   `json:"edge_rule,omitempty"`
	Message     string   `json:"message,omitempty"`
	Line        string   `json:"line"`
	// Views are the other logs' records of the same request.
	Views []View `json:"views,omitempty"`
}

// View is another log's record of an event.
type View struct {
	At    string `json:"at"`
	Layer string `json:"layer"`
	Line  string `json:"line"`
}

// InputSummary is what the caller knows about one input after reading it.
type InputSummary struct {
	Path   string
	Format string
	Stats  parse.Stats
	Err    error
	// Unrecognised: no line of the input matched any known format.
	Unrecognised bool
	// TZName names the zone assumed for times without one.
	TZName string
}

// TimeFormat is how every time is written: RFC 3339 in UTC.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

func utc(t time.Time) string {
	if t.IsZero() || parse.IsSynthetic(t) {
		return ""
	}
	t = t.UTC()
	if t.Nanosecond() == 0 {
		return t.Format(time.RFC3339)
	}
	return t.Format(TimeFormat)
}

// Build assembles the contract from an analysis.
func Build(run *rules.Run, inputs []InputSummary) *Report {
	r := &Report{Version: Version, Attempts: []Attempt{}, Findings: []Finding{}, Inputs: []Input{}}
	if run.URL != nil {
		r.ConnectorURL = run.URL.Raw
	}
	for _, in := range inputs {
		r.Inputs = append(r.Inputs, buildInput(in))
	}
	for _, a := range run.Attempts {
		r.Attempts = append(r.Attempts, buildAttempt(a, run.Env))
	}
	for _, f := range run.Findings {
		r.Findings = append(r.Findings, buildFinding(f, run.Env))
	}
	if run.Env != nil {
		r.Context = Context{
			BehindCloudflare:  run.Env.BehindCloudflare,
			EdgeLogFrom:       utc(run.Env.Edge.First),
			EdgeLogTo:         utc(run.Env.Edge.Last),
			AppLog:            !run.Env.App.First.IsZero(),
			LogsAuthorization: run.Env.LogsAuthorization,
		}
	}
	for _, la := range run.LookAlikes {
		r.LookAlikes = append(r.LookAlikes, LookAlike{UserAgent: la.UserAgent, Requests: la.Requests})
	}
	if run.Capped {
		r.Notes = append(r.Notes, "the logs held more connector-related requests than mcptriage keeps in memory; later ones were not analysed: narrow the input to the time of the attempt")
	}
	return r
}

func buildInput(in InputSummary) Input {
	out := Input{
		Path:   in.Path,
		Format: in.Format,
		Lines:  in.Stats.Lines,
		Events: in.Stats.Events,
		// Lines passed over by the fast path are requests of an access
		// log that held no trace of the connector.
		Requests:     in.Stats.Requests + in.Stats.Filtered,
		Filtered:     in.Stats.Filtered,
		Skipped:      in.Stats.Skipped,
		FirstSkipped: []string{},
		FirstTime:    utc(in.Stats.First),
		LastTime:     utc(in.Stats.Last),
	}
	if out.Format == "" {
		out.Format = "unknown"
	}
	for _, s := range in.Stats.FirstSkipped {
		out.FirstSkipped = append(out.FirstSkipped, s.Pos.String())
		out.SkipReasons = append(out.SkipReasons, s.Error())
	}
	switch len(in.Stats.Zones) {
	case 0:
		out.SourceTimezone = "UTC"
	default:
		out.SourceTimezone = strings.Join(in.Stats.Zones, ", ")
	}
	if in.Err != nil {
		out.Error = in.Err.Error()
	}
	if in.Stats.ZoneAssumed {
		out.Warnings = append(out.Warnings, "some times carry no zone and were read as "+in.TZName+"; pass --tz with the server's zone if that is wrong")
	}
	if in.Stats.NoTimes {
		out.Warnings = append(out.Warnings, "some lines carry no time at all; their order in the file was used")
	}
	switch {
	case in.Stats.DateInvented:
		out.Warnings = append(out.Warnings, "some lines carry a time of day and no line a date: their dates are made up (2000-01-01 onwards), their times of day and the intervals between them are as logged")
	case in.Stats.DateAssumed:
		out.Warnings = append(out.Warnings, "some lines carry a time of day without a date; they were dated from the nearest line that has one")
	}
	if in.Stats.Hint != "" {
		out.Warnings = append(out.Warnings, in.Stats.Hint)
	}
	if in.Unrecognised && out.Error == "" && in.Stats.Lines > 0 {
		out.Error = "no line matched a known log format"
	}
	return out
}

func buildAttempt(a *rules.Attempt, env *rules.Env) Attempt {
	out := Attempt{
		ID:                 a.ID,
		Start:              utc(a.Start),
		End:                utc(a.End),
		EgressIPs:          []string{},
		EgressConfirmed:    a.Confirmed,
		AddressNote:        a.AddressNote,
		Outcome:            a.Outcome,
		LastCompletedStage: StageRef{Number: int(a.LastCompleted), Name: a.LastCompleted.String()},
		Findings:           []Finding{},
		Host:               a.Host,
		ConnectorPath:      a.ConnectorPath,
		Registration:       rules.RegistrationOf(a),
		Transport:          rules.TransportOf(a),
		Events:             []Event{},
	}
	for _, ip := range a.EgressIPs {
		out.EgressIPs = append(out.EgressIPs, ip.String())
	}
	for s := rules.StageProbe; s <= rules.StageMCP; s++ {
		st := a.Stages[s]
		out.Stages = append(out.Stages, Stage{
			Number:   int(s),
			Name:     s.String(),
			Status:   st.Status,
			At:       utc(st.At),
			Evidence: positions(firstN(st.Evidence, 6)),
		})
	}
	for _, f := range a.Findings {
		out.Findings = append(out.Findings, buildFinding(f, env))
	}
	for _, e := range a.Events {
		out.Events = append(out.Events, buildEvent(e))
	}
	return out
}

func buildFinding(f *rules.Finding, env *rules.Env) Finding {
	known := tracker.ForMode(string(f.Rule.ID))
	if known == nil {
		known = []int{}
	}
	return Finding{
		Mode:             f.Rule.ID,
		Title:            f.Rule.Title,
		Symptom:          f.Rule.Symptom,
		Stage:            int(f.Rule.Stage),
		Side:             f.Rule.Side,
		Confidence:       f.Confidence.String(),
		Summary:          f.Summary,
		Fix:              f.Rule.Fix,
		Evidence:         positions(f.Evidence),
		DecisiveNextStep: f.Next,
		TiedWith:         modeNames(f.TiedWith),
		KnownIssues:      known,
		RulesOut:         rules.RuledOut(f, env),
	}
}

// An event's source: who sent the request, as far as the logs tell.
const (
	SourceConnector            = "connector" // from Anthropic's egress range
	SourceConnectorUnconfirmed = "connector_unconfirmed"
	SourceBrowser              = "browser"
	SourceApp                  = "app"
)

func buildEvent(e *rules.Ev) Event {
	source := SourceConnectorUnconfirmed
	switch {
	case e.Role == rules.RoleMessage:
		source = SourceApp
	case e.Browser:
		source = SourceBrowser
	case e.Confirmed:
		source = SourceConnector
	}
	seen := []string{e.Layer.String()}
	var views []View
	for _, v := range e.Views {
		seen = append(seen, v.Layer.String())
		views = append(views, View{At: v.Pos.String(), Layer: v.Layer.String(), Line: v.Text})
	}
	edge := e.EdgeView()
	client := ""
	if e.Client.IsValid() {
		client = e.Client.String()
	}
	return Event{
		At:          e.Pos.String(),
		Time:        utc(e.Time),
		Role:        e.Role.String(),
		Source:      source,
		Method:      e.Method,
		Path:        e.Path,
		Query:       e.RawQuery,
		Status:      e.Status,
		UserAgent:   e.UserAgent,
		Client:      client,
		SeenBy:      seen,
		EdgeBlocked: edge != nil && edge.EdgeBlocked,
		EdgeRule:    edgeRule(edge),
		Message:     e.Message,
		Line:        e.Text,
		Views:       views,
	}
}

func edgeRule(v *parse.Event) string {
	if v == nil || !v.EdgeBlocked {
		return ""
	}
	return v.EdgeRule
}

func positions(evs []*rules.Ev) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.Pos.String())
	}
	return out
}

func firstN(evs []*rules.Ev, n int) []*rules.Ev {
	if len(evs) > n {
		return evs[:n]
	}
	return evs
}

func modeNames(ms []rules.Mode) []string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m))
	}
	return out
}
