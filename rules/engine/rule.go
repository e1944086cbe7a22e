// Package engine reconstructs Claude.ai connector attempts from log
// events (identity, the connector's path, merging edge, origin and app,
// grouping, the stage ladder) and runs the rule units it is given over
// them, as go/analysis's driver runs analyzers: it declares what a unit
// is (Rule, Finding) and knows none. The units are package rules.
package engine

import (
	"fmt"
	"regexp"
	"strings"
)

// Stage is a step of the connector's flow. The ladder runs from 0
// (nothing reached the server) to 6 (authenticated MCP).
type Stage int

const (
	StageReach Stage = iota
	StageProbe
	StageDiscovery
	StageRegistration
	StageAuthorization
	StageToken
	StageMCP
)

var stageNames = [...]string{"reachability", "probe", "discovery", "registration", "authorization", "token", "mcp"}

func (s Stage) String() string {
	if s < 0 || int(s) >= len(stageNames) {
		return fmt.Sprintf("stage%d", int(s))
	}
	return stageNames[s]
}

// Title is the stage as a person would say it.
func (s Stage) Title() string {
	switch s {
	case StageReach:
		return "reachability"
	case StageProbe:
		return "unauthenticated probe"
	case StageDiscovery:
		return "OAuth discovery"
	case StageRegistration:
		return "client registration"
	case StageAuthorization:
		return "browser authorization"
	case StageToken:
		return "token exchange"
	case StageMCP:
		return "authenticated MCP"
	}
	return s.String()
}

// Side says who has to act on a finding.
type Side string

const (
	SideServer    Side = "server"
	SideInfra     Side = "infrastructure"
	SideIdP       Side = "identity_provider"
	SideConfig    Side = "configuration"
	SideConnector Side = "connector"
	SideBrowser   Side = "browser"
)

var validSides = map[Side]bool{SideServer: true, SideInfra: true, SideIdP: true, SideConfig: true, SideConnector: true, SideBrowser: true}

// Confidence ranks findings; a rule never claims more than its evidence shows.
type Confidence int

const (
	Low Confidence = iota + 1
	Medium
	High
)

func (c Confidence) String() string {
	switch c {
	case High:
		return "high"
	case Medium:
		return "medium"
	case Low:
		return "low"
	}
	return "none"
}

// Rule declares one failure mode: its id (the same as in the tracker
// catalogue; public, never renamed), the stage at which it stops the
// flow, who must act, how to recognise it and how to fix it. The tracker
// issues about it live in report/tracker's index, which changes more
// often than the rule does.
//
// Run looks at one connect attempt; Check looks at the run as a whole
// (the connector URL, or the absence of any attempt). A rule has one or
// both. They return nil when the rule does not apply.
type Rule struct {
	ID    Mode
	Title string
	// Symptom is what the server saw, as a bug report's title says it:
	// "token issued, then the authenticated MCP request is blocked at the edge".
	Symptom string
	Stage   Stage
	Side    Side
	Doc     string
	Fix     string

	Run   func(a *Attempt) *Finding
	Check func(r *Run) *Finding
}

// Mode is a failure mode's id, as failure-modes.md names it; the rules
// package declares the catalogue.
type Mode string

func (m Mode) String() string { return string(m) }

// Finding is a rule's verdict on one attempt (or on the run).
type Finding struct {
	Rule       *Rule
	Confidence Confidence
	// Summary says what this attempt's evidence shows, in plain words.
	Summary string
	// Evidence are the events that show it, in time order.
	Evidence []*Ev
	// Next is what would decide between this and a look-alike, when the
	// evidence cannot.
	Next string
	// NotCompleted is a stage the ladder counts as done (its request was
	// answered 2xx or 3xx) that this finding shows did not complete.
	NotCompleted Stage
	// TiedWith names the findings this one cannot be told apart from on
	// these logs: the same confidence and the same deciding step (Next).
	TiedWith []Mode
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// Validate checks a rule list the way analysis.Validate checks analyzers:
// ids unique and snake_case, every field that a user reads filled in.
func Validate(list []*Rule) error {
	seen := map[Mode]bool{}
	var problems []string
	for _, r := range list {
		bad := func(format string, args ...any) {
			problems = append(problems, string(r.ID)+": "+fmt.Sprintf(format, args...))
		}
		if !idPattern.MatchString(string(r.ID)) {
			bad("id is not snake_case")
		}
		if seen[r.ID] {
			bad("duplicate id")
		}
		seen[r.ID] = true
		if r.Title == "" || strings.HasSuffix(r.Title, ".") || capitalised(r.Title) {
			bad("title must be set, start lower-case and have no trailing period")
		}
		if len(r.Title) > 72 {
			bad("title longer than 72 characters")
		}
		if r.Stage < StageReach || r.Stage > StageMCP {
			bad("stage %d out of range", r.Stage)
		}
		if !validSides[r.Side] {
			bad("unknown side %q", r.Side)
		}
		if strings.TrimSpace(r.Symptom) == "" {
			bad("symptom must be set")
		}
		if strings.TrimSpace(r.Doc) == "" || strings.TrimSpace(r.Fix) == "" {
			bad("doc and fix must be set")
		}
		if r.Run == nil && r.Check == nil {
			bad("neither Run nor Check is set")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid rules:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// capitalised: the title starts with an ordinary capitalised word
// ("Token …"); acronyms such as MCP or OAuth are fine.
func capitalised(title string) bool {
	word, _, _ := strings.Cut(title, " ")
	if word == "" || word[0] < 'A' || word[0] > 'Z' {
		return false
	}
	return word[1:] == strings.ToLower(word[1:])
}

// WithNext sets what would decide between this finding and a look-alike.
func (f *Finding) WithNext(s string) *Finding {
	f.Next = s
	return f
}

// WithNotCompleted records a stage the ladder counted as done that this
// finding shows did not complete.
func (f *Finding) WithNotCompleted(s Stage) *Finding {
	f.NotCompleted = s
	return f
}
