// Package tracker finds the issues of the connector's tracker that already
// describe a diagnosis: offline, from an index built into the binary, and
// online, through GitHub's issue search, merged and ranked the same way.
package tracker

//go:generate go run ./gen known.json known_gen.go

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/mcptriage/mcptriage/rules"
)

// DefaultRepo is the connector's public tracker.
const DefaultRepo = indexRepo

// Issue is one tracker issue. Modes and Summary come from the index;
// URL, dates and comments only from an online search.
type Issue struct {
	Number    int       `json:"number"`
	Title     string    `json:"title"`
	State     string    `json:"state"`
	Labels    []string  `json:"labels"`
	Modes     []string  `json:"modes,omitempty"`
	Summary   string    `json:"summary,omitempty"`
	URL       string    `json:"url"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	Comments  int       `json:"comments,omitempty"`
}

// ModeInfo is what searching needs to know of a failure mode.
type ModeInfo struct {
	ID    string
	Title string
	// Stage is where the mode stops the flow.
	Stage int
	// Error is the stem of the message Claude shows for it.
	Error string
	// Phrases are what people write about it in issues.
	Phrases []string
	// Also lists modes whose issues are related to this one.
	Also []string
}

// Mode describes a failure mode by id: a rule's own title and stage, or
// the index's for the catalogue modes that no rule detects.
func Mode(id string) (ModeInfo, bool) {
	for _, m := range indexModes {
		if m.ID != id {
			continue
		}
		if r := rules.ByID(id); r != nil {
			m.Title, m.Stage = r.Title, int(r.Stage)
		}
		return m, true
	}
	return ModeInfo{}, false
}

// ModeIDs lists every mode the index knows, sorted.
func ModeIDs() []string {
	ids := make([]string, len(indexModes))
	for i, m := range indexModes {
		ids[i] = m.ID
	}
	sort.Strings(ids)
	return ids
}

// Known returns the index's issues (copies), for a repo; other trackers
// have no index.
func Known(repo string) []Issue {
	if !strings.EqualFold(repo, indexRepo) {
		return nil
	}
	out := make([]Issue, len(indexIssues))
	for i, is := range indexIssues {
		is.URL = issueURL(repo, is.Number)
		out[i] = is
	}
	return out
}

// IndexSize says how much the offline index covers, for messages.
func IndexSize() (issues, newest int) {
	for _, is := range indexIssues {
		newest = max(newest, is.Number)
	}
	return len(indexIssues), newest
}

func issueURL(repo string, n int) string {
	return fmt.Sprintf("https://github.com/%s/issues/%d", repo, n)
}

// ForMode lists the known issues of a mode (or, for a mode that has none
// of its own, of the modes it stands for), best first: the ones to add an
// ofid to come before closed or duplicate threads.
func ForMode(id string) []int {
	ms := Offline(Query{Modes: []string{id}})
	var out []int
	for _, m := range ms {
		if m.modeMatch || m.alsoMatch {
			out = append(out, m.Number)
		}
	}
	return out
}

// Query is the diagnosis to find issues for.
type Query struct {
	Repo string `json:"repo,omitempty"`
	// Modes are ranked: the first is the diagnosis, the rest its
	// look-alikes.
	Modes []string `json:"modes"`
	// Stage is where the flow stopped (0 when unknown).
	Stage int      `json:"stage,omitempty"`
	OFIDs []string `json:"ofids,omitempty"`
	// Host is the MCP server's host name, when it may be searched for.
	Host string `json:"host,omitempty"`
	// Text is the user's own words (--query).
	Text string `json:"text,omitempty"`
	// Error is the message Claude showed.
	Error string `json:"error,omitempty"`
}

func (q Query) repo() string {
	if q.Repo == "" {
		return DefaultRepo
	}
	return q.Repo
}

// Match is an issue and why it fits the diagnosis.
type Match struct {
	Issue
	Score int      `json:"score"`
	Why   []string `json:"why"`
	// Source is "index", "github" or "index+github".
	Source string `json:"source"`

	modeMatch, alsoMatch bool
}

// Strong says the match is good enough to add an ofid to instead of
// filing a new issue: the same mode (or the user's own ofid or host) on
// an issue that is open and not a duplicate.
func (m Match) Strong() bool {
	return m.Score >= strongScore && m.State == "open" && !hasLabel(m.Labels, "duplicate")
}

// Scores. A mode match outweighs any wording; an ofid or host match
// outweighs a mode; the state and labels then order equals.
const (
	scoreOFID      = 100
	scoreHost      = 60
	scoreMode      = 50
	scoreAltMode   = 20
	scoreAlsoMode  = 15
	scorePhrase    = 12
	scoreWord      = 4
	scoreStage     = 5
	scoreOpen      = 10
	scoreReference = 15
	scoreTriaged   = 8
	scoreDuplicate = -25
	strongScore    = scoreMode + scoreOpen
)

// Offline ranks the index against a diagnosis. It needs no network.
func Offline(q Query) []Match {
	var out []Match
	for _, is := range Known(q.repo()) {
		m := Match{Issue: is, Source: "index"}
		scoreIndexed(&m, q)
		if m.Score > 0 {
			finish(&m, q)
			out = append(out, m)
		}
	}
	rank(out)
	return out
}

// scoreIndexed scores what the index knows of an issue: its modes, and
// the words of its title and our summary.
func scoreIndexed(m *Match, q Query) {
	for i, id := range q.Modes {
		if !slices.Contains(m.Modes, id) {
			continue
		}
		m.modeMatch = m.modeMatch || i == 0
		if i == 0 {
			m.add(scoreMode, "tracked as "+id)
		} else {
			m.add(scoreAltMode, "tracked as "+id+" (also possible here)")
		}
		break
	}
	if len(q.Modes) > 0 && !m.modeMatch {
		if info, ok := Mode(q.Modes[0]); ok {
			for _, a := range info.Also {
				if slices.Contains(m.Modes, a) {
					m.alsoMatch = true
					m.add(scoreAlsoMode, "tracked as "+a+", a cause of the same symptom")
					break
				}
			}
		}
	}
	text := strings.ToLower(m.Title + " " + m.Summary)
	for _, o := range q.OFIDs {
		if strings.Contains(text, strings.ToLower(o)) {
			m.add(scoreOFID, "mentions your "+o)
		}
	}
	if q.Host != "" && strings.Contains(text, strings.ToLower(q.Host)) {
		m.add(scoreHost, "mentions "+q.Host)
	}
	if words := matchedWords(q.Text, text); len(words) > 0 {
		m.add(scoreWord*len(words), "mentions "+quoteAll(words))
	}
	if q.Error != "" {
		for _, id := range m.Modes {
			if info, ok := Mode(id); ok && info.Error != "" && strings.Contains(strings.ToLower(q.Error), strings.ToLower(info.Error)) {
				m.add(scorePhrase, fmt.Sprintf("the same error (%q)", info.Error))
				break
			}
		}
	}
}

// finish adds what orders otherwise equal matches: the stage, the state,
// the maintainers' labels. Only called on an issue that matched already.
func finish(m *Match, q Query) {
	// The same stage says little more than the same mode does.
	if q.Stage > 0 && !m.modeMatch {
		for _, id := range m.Modes {
			if info, ok := Mode(id); ok && info.Stage == q.Stage {
				m.add(scoreStage, "fails at the same stage")
				break
			}
		}
	}
	if m.State == "open" {
		m.add(scoreOpen, "open")
	}
	switch {
	case hasLabel(m.Labels, "known-issue") || hasLabel(m.Labels, "reference"):
		m.add(scoreReference, "the maintainers' reference thread")
	case hasLabel(m.Labels, "triaged") || hasLabel(m.Labels, "fix-in-progress"):
		m.add(scoreTriaged, "triaged by the maintainers")
	}
	if hasLabel(m.Labels, "duplicate") {
		m.add(scoreDuplicate, "closed as a duplicate")
	}
}

func (m *Match) add(score int, why string) {
	m.Score += score
	m.Why = append(m.Why, why)
}

// rank orders matches by score, then open first, then newest.
func rank(ms []Match) {
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if (a.State == "open") != (b.State == "open") {
			return a.State == "open"
		}
		return a.Number > b.Number
	})
}

var stopWords = map[string]bool{"the": true, "and": true, "but": true, "for": true, "not": true, "with": true, "from": true, "after": true, "never": false, "that": true, "this": true, "are": true, "was": true, "has": true, "have": true, "mcp": true, "server": true, "claude": true, "connector": true, "custom": true}

// matchedWords lists the query's words found in text.
func matchedWords(query, text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(query), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' && r != '/' && r != '.'
	}) {
		w = strings.Trim(w, ".-/")
		if len(w) < 3 || stopWords[w] || seen[w] {
			continue
		}
		seen[w] = true
		if strings.Contains(text, w) {
			out = append(out, w)
		}
	}
	return out
}

func quoteAll(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = fmt.Sprintf("%q", w)
	}
	return strings.Join(q, ", ")
}

func hasLabel(labels []string, l string) bool {
	for _, x := range labels {
		if strings.EqualFold(x, l) {
			return true
		}
	}
	return false
}
