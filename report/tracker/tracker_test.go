package tracker

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mcptriage/mcptriage/rules"
)

// The index knows every failure mode: the catalogue's and each rule's.
// A mode without a rule brings its own title and stage; a rule's come
// from the rule.
func TestIndexCoversEveryMode(t *testing.T) {
	catalogue, err := os.ReadFile("../../rules/testdata/catalogue_modes.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, id := range strings.Fields(string(catalogue)) {
		if !strings.HasPrefix(id, "#") {
			want[id] = true
		}
	}
	for _, r := range rules.All {
		want[string(r.ID)] = true
	}
	for id := range want {
		if _, ok := Mode(id); !ok {
			t.Errorf("mode %s is not in known.json", id)
		}
	}
	for _, m := range indexModes {
		if !want[m.ID] {
			t.Errorf("known.json has mode %s, which is neither a rule nor in the catalogue", m.ID)
		}
		r := rules.ByID(m.ID)
		// A mode with a rule takes the rule's title and stage (Mode); one
		// left in known.json from before the rule existed is unused, so a
		// new rule needs no edit here.
		if r == nil && m.Title == "" {
			t.Errorf("mode %s has no rule, so known.json must give its title and stage", m.ID)
		}
	}
}

// Every issue the index ties to a mode is listed for it, the ones to add
// an ofid to first.
func TestOfflineModeListsItsIssues(t *testing.T) {
	for _, id := range ModeIDs() {
		var want []int
		for _, is := range indexIssues {
			if slices.Contains(is.Modes, id) {
				want = append(want, is.Number)
			}
		}
		if info, _ := Mode(id); len(want) == 0 && len(info.Also) > 0 {
			// A mode with no issue of its own stands for its causes.
			for _, is := range indexIssues {
				if slices.ContainsFunc(is.Modes, func(m string) bool { return slices.Contains(info.Also, m) }) {
					want = append(want, is.Number)
				}
			}
		}
		got := ForMode(id)
		if !sameSet(got, want) {
			t.Errorf("ForMode(%s) = %v, want the index's %v", id, got, want)
		}
	}

	ms := Offline(Query{Modes: []string{"edge_blocks_claude_user"}})
	if len(ms) == 0 {
		t.Fatal("no match for edge_blocks_claude_user")
	}
	// A maintainers' reference thread leads; open issues come before closed
	// ones of the same mode; duplicates come last among them.
	if !hasLabel(ms[0].Labels, "reference") && !hasLabel(ms[0].Labels, "known-issue") {
		t.Errorf("first match #%d is not the reference thread", ms[0].Number)
	}
	seenClosed, seenDup := false, false
	for _, m := range ms {
		if !slices.Contains(m.Modes, "edge_blocks_claude_user") {
			continue
		}
		if hasLabel(m.Labels, "reference") || hasLabel(m.Labels, "known-issue") {
			continue
		}
		if m.State == "closed" {
			seenClosed = true
		} else if seenClosed {
			t.Errorf("open #%d ranked after a closed issue", m.Number)
		}
		if hasLabel(m.Labels, "duplicate") {
			seenDup = true
		} else if seenDup {
			t.Errorf("#%d ranked after a duplicate", m.Number)
		}
		if !slices.Contains(m.Why, "tracked as edge_blocks_claude_user") {
			t.Errorf("#%d: why %v does not name the mode", m.Number, m.Why)
		}
	}
}

func TestOfflineRanking(t *testing.T) {
	// The primary mode outranks a look-alike.
	ms := Offline(Query{Modes: []string{"callback_redirect_307", "token_exchange_never_attempted"}})
	first := ms[0]
	if !slices.Contains(first.Modes, "callback_redirect_307") {
		t.Errorf("first match #%d (%v) is not a callback_redirect_307 issue", first.Number, first.Modes)
	}
	var alt *Match
	for i := range ms {
		if slices.Contains(ms[i].Modes, "token_exchange_never_attempted") && !slices.Contains(ms[i].Modes, "callback_redirect_307") {
			alt = &ms[i]
			break
		}
	}
	if alt == nil || !strings.Contains(strings.Join(alt.Why, ";"), "also possible here") {
		t.Errorf("look-alike issues not listed as such: %+v", alt)
	}
	if alt != nil && alt.Score >= first.Score {
		t.Errorf("look-alike #%d scored %d, not below #%d's %d", alt.Number, alt.Score, first.Number, first.Score)
	}

	// An ofid in an issue's title is the strongest match there is.
	var withOFID Issue
	for _, is := range indexIssues {
		if i := strings.Index(is.Title, "ofid_"); i >= 0 && len(is.Title) >= i+21 {
			withOFID = is
			break
		}
	}
	ofid := withOFID.Title[strings.Index(withOFID.Title, "ofid_"):][:21]
	ms = Offline(Query{Modes: []string{"prm_not_found"}, OFIDs: []string{ofid}})
	if ms[0].Number != withOFID.Number || !slices.Contains(ms[0].Why, "mentions your "+ofid) {
		t.Errorf("ofid %s: first match #%d %v, want #%d", ofid, ms[0].Number, ms[0].Why, withOFID.Number)
	}

	// Words find issues by title and summary.
	ms = Offline(Query{Text: "trailing slash"})
	if len(ms) == 0 {
		t.Fatal("no match for trailing slash")
	}
	for _, m := range ms {
		text := strings.ToLower(m.Title + m.Summary)
		if !strings.Contains(text, "trailing") && !strings.Contains(text, "slash") {
			t.Errorf("#%d matched %q without either word", m.Number, m.Title)
		}
	}

	// Another tracker has no index.
	if ms := Offline(Query{Repo: "someone/else", Modes: []string{"prm_not_found"}}); len(ms) != 0 {
		t.Errorf("another repo: %d matches from our index", len(ms))
	}
	// Nothing to go on: nothing found, rather than everything.
	if ms := Offline(Query{Stage: 6}); len(ms) != 0 {
		t.Errorf("a stage alone matched %d issues", len(ms))
	}
}

func TestStrongMatch(t *testing.T) {
	ms := Offline(Query{Modes: []string{"token_never_presented"}})
	for _, m := range ms {
		want := m.State == "open" && slices.Contains(m.Modes, "token_never_presented") && !hasLabel(m.Labels, "duplicate")
		if m.Strong() != want {
			t.Errorf("#%d (%s, %v): strong %v, want %v", m.Number, m.State, m.Modes, m.Strong(), want)
		}
	}
	if ms := Offline(Query{Text: "slash"}); len(ms) > 0 && ms[0].Strong() {
		t.Errorf("a word match (#%d) is not strong enough to comment on", ms[0].Number)
	}
}

func TestSearchesStayWithinGitHubLimits(t *testing.T) {
	q := Query{
		Modes: []string{"token_never_presented", "edge_blocks_claude_user"},
		OFIDs: []string{"ofid_0000000000000001", "ofid_0000000000000002", "ofid_0000000000000003", "ofid_0000000000000004",
			"ofid_0000000000000005", "ofid_0000000000000006", "ofid_0000000000000007"},
		Host: "mcp.acme-corp.dev",
		Text: strings.Repeat("bearer token missing repo:evil/repo ", 20),
	}
	ss := searches(q)
	if len(ss) > maxSearches {
		t.Errorf("%d searches, at most %d", len(ss), maxSearches)
	}
	for _, s := range ss {
		if !strings.Contains(s.q, "repo:anthropics/claude-ai-mcp is:issue") {
			t.Errorf("%q is not scoped to the tracker's issues", s.q)
		}
		if strings.Contains(s.q, "evil/repo") {
			t.Errorf("%q carries the user's own qualifier", s.q)
		}
		kw := strings.TrimSuffix(s.q, " repo:anthropics/claude-ai-mcp is:issue")
		if len(kw) > 256 {
			t.Errorf("%d characters of keywords, GitHub takes 256", len(kw))
		}
		if n := strings.Count(s.q, " OR "); n > maxOR {
			t.Errorf("%q has %d ORs, GitHub takes %d", s.q, n, maxOR)
		}
	}
	if ss[0].kind != byOFID || !strings.Contains(ss[0].q, `"ofid_0000000000000001" OR`) {
		t.Errorf("the ofids are not searched first: %q", ss[0].q)
	}
	for _, h := range []string{"mcp.example.com", "localhost:8080", "10.0.0.4", "mcp.internal", ""} {
		if searchableHost(h) != "" {
			t.Errorf("host %q would be searched for", h)
		}
	}
	if got := searches(Query{Error: "Couldn't register with Acme's sign-in service. ofid_0123456789abcdef"}); len(got) != 1 || got[0].q != `"Couldn't register" repo:anthropics/claude-ai-mcp is:issue` {
		t.Errorf("error-only search: %+v", got)
	}
}

func sameSet(a, b []int) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
