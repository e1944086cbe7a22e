package rules

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/mcptriage/mcptriage/parse"
)

func TestValidate(t *testing.T) {
	if err := Validate(All); err != nil {
		t.Fatal(err)
	}
}

func TestValidateCatchesBadRules(t *testing.T) {
	bad := []*Rule{
		{ID: "Bad-Id", Title: "x", Symptom: "s", Stage: StageProbe, Side: SideServer, Doc: "d", Fix: "f", Run: func(*Attempt) *Finding { return nil }},
		{ID: "no_run", Title: "Capitalised.", Stage: 9, Side: "nobody", Doc: "", Fix: ""},
		{ID: "no_run", Title: "dup", Symptom: "s", Stage: StageProbe, Side: SideServer, Doc: "d", Fix: "f", Check: func(*Run) *Finding { return nil }},
	}
	err := Validate(bad)
	if err == nil {
		t.Fatal("Validate accepted broken rules")
	}
	for _, want := range []string{"Bad-Id: id is not snake_case", "no_run: title", "no_run: stage 9", "unknown side", "symptom must be set", "doc and fix", "neither Run nor Check", "no_run: duplicate id"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate's error lacks %q:\n%v", want, err)
		}
	}
}

// Rule ids are public: a rename must be deliberate, here and in the file.
func TestRuleIDsAreStable(t *testing.T) {
	data, err := os.ReadFile("testdata/rule_ids.txt")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			want = append(want, l)
		}
	}
	var got []string
	for _, r := range All {
		got = append(got, string(r.ID))
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rule ids changed; update testdata/rule_ids.txt only if that is intended.\n got: %v\nwant: %v", got, want)
	}
}

// Every id is one of the catalogue's failure modes (plus
// no_connector_traffic), so the tracker and the tool speak alike.
func TestRuleIDsAreCatalogueModes(t *testing.T) {
	data, err := os.ReadFile("testdata/catalogue_modes.txt")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"no_connector_traffic": true}
	for _, l := range strings.Fields(string(data)) {
		known[l] = true
	}
	for _, r := range All {
		if !known[string(r.ID)] {
			t.Errorf("%s is not a failure mode of the catalogue", r.ID)
		}
	}
}

// Each rule has fixtures: at least one where it is the answer, and at
// least one near miss where it must not be.
func TestEveryRuleHasFixtures(t *testing.T) {
	for _, r := range All {
		files, _ := filepath.Glob(filepath.Join("testdata", string(r.ID), "*.txtar"))
		var pos, neg bool
		for _, f := range files {
			fx, err := readFixture(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range fx.allWants() {
				if w.mode == string(r.ID) && !w.not && !w.also {
					pos = true
				}
				if w.mode == string(r.ID) && w.not {
					neg = true
				}
			}
		}
		if !pos || !neg {
			t.Errorf("%s: testdata/%s/ needs a fixture that expects it (want %s) and a near miss (not %s)", r.ID, r.ID, r.ID, r.ID)
		}
	}
}

// TestFixtures runs every fixture through the real parsers and the
// engine, and checks its expectations, analysistest-style: each failure
// names the fixture's file and the header line that set the expectation.
func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(file, "testdata/"), ".txtar"), func(t *testing.T) {
			fx, err := readFixture(file)
			if err != nil {
				t.Fatal(err)
			}
			run := fx.analyze(t)
			fx.check(t, run)
		})
	}
}

// A fixture is a txtar archive. Its comment holds expectations, one per
// line, checked both ways as analysistest checks its "want" comments: an
// expectation nothing matches fails, and so does a finding no line declares.
//
//	want MODE [rank=N] [stage=N] [outcome=X] [confidence=X] [evidence=file:line,...]
//	also MODE [rank=N] [confidence=X]   (an intended alternative: declared, not the answer)
//	not MODE
//	none                                (no finding at all on this attempt)
//	attempts N
//	attempt N   (the lines below speak of attempt N; before any such line
//	             they speak of the last failed attempt, else the last one)
//	flags --server URL | --egress CIDR | --error TEXT (rest of line)
//
// Findings about the run as a whole (URL checks, no connector traffic)
// may be declared in any block. An attempt no block speaks of must have no
// finding. Every fixture states at least one expectation.
//
// The other sections are log files, named as a user would name them.
// A section called nginx-log-format holds a custom log_format.
type fixture struct {
	file     string
	blocks   []*block // blocks[0] speaks of the default attempt
	attempts int      // -1: not checked
	opts     Options
	format   string
	logs     []txtar.File
}

// block is what a fixture says about one attempt.
type block struct {
	attempt int // 0: the default attempt
	wants   []want
	none    bool
}

type want struct {
	line       int
	mode       string
	not        bool
	also       bool
	rank       int
	stage      int
	outcome    string
	confidence string
	evidence   []string
}

// allWants lists every expectation of the fixture, whatever its block.
func (fx *fixture) allWants() []want {
	var out []want
	for _, b := range fx.blocks {
		out = append(out, b.wants...)
	}
	return out
}

func readFixture(file string) (*fixture, error) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		return nil, err
	}
	fx := &fixture{file: file, attempts: -1, blocks: []*block{{}}}
	cur := fx.blocks[0]
	expectations := 0
	sc := bufio.NewScanner(bytes.NewReader(ar.Comment))
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", file, n, fmt.Sprintf(format, args...))
		}
		switch fields[0] {
		case "want", "not", "also":
			if len(fields) < 2 {
				return nil, bad("%s needs a mode", fields[0])
			}
			if !KnownMode(fields[1]) {
				return nil, bad("%s is not a mode of the catalogue", fields[1])
			}
			w := want{line: n, mode: fields[1], not: fields[0] == "not", also: fields[0] == "also", rank: 1, stage: -1}
			if w.also {
				w.rank = 0 // any rank unless given
			}
			for _, kv := range fields[2:] {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "rank":
					w.rank, err = strconv.Atoi(v)
				case "stage":
					w.stage, err = strconv.Atoi(v)
				case "outcome":
					w.outcome = v
				case "confidence":
					w.confidence = v
				case "evidence":
					w.evidence = strings.Split(v, ",")
				default:
					return nil, bad("unknown option %q", k)
				}
				if err != nil {
					return nil, bad("%s: %v", kv, err)
				}
			}
			if w.not && len(fields) > 2 {
				return nil, bad("not takes no options")
			}
			cur.wants = append(cur.wants, w)
			expectations++
		case "none":
			cur.none = true
			expectations++
		case "attempts":
			fx.attempts, err = strconv.Atoi(fields[len(fields)-1])
			if err != nil || len(fields) != 2 {
				return nil, bad("attempts needs a number")
			}
			expectations++
		case "attempt":
			k, err := strconv.Atoi(fields[len(fields)-1])
			if err != nil || k < 1 || len(fields) != 2 {
				return nil, bad("attempt needs a number from 1")
			}
			cur = &block{attempt: k}
			fx.blocks = append(fx.blocks, cur)
		case "flags":
			rest := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "flags"))
			flag, value, _ := strings.Cut(rest, " ")
			value = strings.TrimSpace(value)
			switch flag {
			case "--server":
				u, err := ParseConnectorURL(value)
				if err != nil {
					return nil, bad("%v", err)
				}
				fx.opts.URL = u
			case "--egress":
				fx.opts.Egress = append(fx.opts.Egress, netip.MustParsePrefix(value))
			case "--error":
				fx.opts.ClaudeError = value
			default:
				return nil, bad("unknown flag %q", flag)
			}
		default:
			return nil, bad("unknown directive %q", fields[0])
		}
	}
	if expectations == 0 {
		return nil, fmt.Errorf("%s: no expectation: say what the analysis must find (want, also, none, attempts)", file)
	}
	for _, f := range ar.Files {
		if f.Name == "nginx-log-format" {
			fx.format = strings.TrimSpace(string(f.Data))
			continue
		}
		fx.logs = append(fx.logs, f)
	}
	return fx, nil
}

func (fx *fixture) analyze(t *testing.T) *Run {
	t.Helper()
	parsers, err := parse.Parsers(parse.Config{NginxLogFormat: fx.format})
	if err != nil {
		t.Fatalf("%s: %v", fx.file, err)
	}
	c := NewCollector(fx.opts)
	for _, f := range fx.logs {
		s := parse.NewScanner(bytes.NewReader(f.Data), f.Name, parsers, 0)
		for s.Next() {
			c.Add(s.Event())
		}
		if st := s.Stats(); st.Skipped > 0 {
			t.Errorf("%s: %s: %d lines skipped: %v", fx.file, f.Name, st.Skipped, st.FirstSkipped)
		}
	}
	return c.Analyze()
}

func (fx *fixture) check(t *testing.T, run *Run) {
	t.Helper()
	if fx.attempts >= 0 && len(run.Attempts) != fx.attempts {
		t.Errorf("%s: %d attempts, want %d%s", fx.file, len(run.Attempts), fx.attempts, dump(run))
	}
	// Which attempt each block speaks of.
	spoken := map[*Attempt]*block{}
	for _, b := range fx.blocks {
		a := defaultAttempt(run)
		if b.attempt > 0 {
			if b.attempt > len(run.Attempts) {
				t.Errorf("%s: attempt %d does not exist%s", fx.file, b.attempt, dump(run))
				continue
			}
			a = run.Attempts[b.attempt-1]
		}
		if a == nil {
			if len(b.wants) > 0 || b.none {
				// Only run-level findings can satisfy these.
				fx.checkBlock(t, run, nil, b)
			}
			continue
		}
		if prev, ok := spoken[a]; ok && prev != b && (len(b.wants) > 0 || b.none) && (len(prev.wants) > 0 || prev.none) {
			t.Errorf("%s: two blocks speak of attempt %d", fx.file, a.ID)
		}
		if len(b.wants) > 0 || b.none || spoken[a] == nil {
			spoken[a] = b
		}
		fx.checkBlock(t, run, a, b)
	}
	// Every finding is declared: on the attempt a block speaks of, by that
	// block; on the run, by any block.
	declared := func(ws []want, f *Finding) bool {
		for _, w := range ws {
			if !w.not && w.mode == string(f.Rule.ID) {
				return true
			}
		}
		return false
	}
	for i, f := range run.Findings {
		if !declared(fx.allWants(), f) {
			t.Errorf("%s: unexpected run finding %s (rank %d, %s): declare it (want/also) or fix the rule%s", fx.file, f.Rule.ID, i+1, f.Confidence, dump(run))
		}
	}
	for _, a := range run.Attempts {
		b := spoken[a]
		for i, f := range a.Findings {
			if b == nil || !declared(b.wants, f) {
				t.Errorf("%s: unexpected finding %s on attempt %d (rank %d, %s): declare it (want/also) or fix the rule%s", fx.file, f.Rule.ID, a.ID, i+1, f.Confidence, dump(run))
			}
		}
	}
}

// defaultAttempt is the one a fixture speaks of unless it says otherwise:
// the last failed attempt, else the last one.
func defaultAttempt(run *Run) *Attempt {
	var a *Attempt
	for _, x := range run.Attempts {
		if x.Outcome != OutcomeConnected {
			a = x
		}
	}
	if a == nil && len(run.Attempts) > 0 {
		a = run.Attempts[len(run.Attempts)-1]
	}
	return a
}

// checkBlock checks one block's expectations against its attempt's
// findings (after the run's own).
func (fx *fixture) checkBlock(t *testing.T, run *Run, a *Attempt, b *block) {
	t.Helper()
	verdicts := append([]*Finding{}, run.Findings...)
	if a != nil {
		verdicts = append(verdicts, a.Findings...)
	}
	if b.none && a != nil && len(a.Findings) > 0 {
		t.Errorf("%s: attempt %d: want no finding, got %d%s", fx.file, a.ID, len(a.Findings), dump(run))
	}
	for _, w := range b.wants {
		at := fmt.Sprintf("%s:%d", fx.file, w.line)
		idx := -1
		for i, f := range verdicts {
			if string(f.Rule.ID) == w.mode {
				idx = i
				break
			}
		}
		if w.not {
			if idx >= 0 {
				t.Errorf("%s: %s was named (rank %d) but must not be%s", at, w.mode, idx+1, dump(run))
			}
			continue
		}
		if idx < 0 {
			t.Errorf("%s: want %s, not named%s", at, w.mode, dump(run))
			continue
		}
		if w.rank > 0 && idx+1 > w.rank {
			t.Errorf("%s: want %s at rank %d or better, got rank %d%s", at, w.mode, w.rank, idx+1, dump(run))
		}
		f := verdicts[idx]
		if w.confidence != "" && f.Confidence.String() != w.confidence {
			t.Errorf("%s: %s confidence %s, want %s", at, w.mode, f.Confidence, w.confidence)
		}
		if w.stage >= 0 && (a == nil || int(a.LastCompleted) != w.stage) {
			got := -1
			if a != nil {
				got = int(a.LastCompleted)
			}
			t.Errorf("%s: last completed stage %d, want %d%s", at, got, w.stage, dump(run))
		}
		if w.outcome != "" && (a == nil || string(a.Outcome) != w.outcome) {
			t.Errorf("%s: outcome %v, want %s", at, outcomeOf(a), w.outcome)
		}
		have := map[string]bool{}
		for _, e := range f.Evidence {
			have[e.Pos.String()] = true
		}
		for _, pos := range w.evidence {
			if !have[pos] {
				t.Errorf("%s: %s's evidence lacks %s (has %v)", at, w.mode, pos, keys(have))
			}
		}
	}
}

func outcomeOf(a *Attempt) any {
	if a == nil {
		return "(no attempt)"
	}
	return a.Outcome
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// dump describes the analysis for a failing test.
func dump(run *Run) string {
	var b strings.Builder
	b.WriteString("\n  analysis:")
	for _, f := range run.Findings {
		fmt.Fprintf(&b, "\n    run: %s (%s) %s", f.Rule.ID, f.Confidence, f.Summary)
	}
	for _, a := range run.Attempts {
		fmt.Fprintf(&b, "\n    attempt %d: %s, stage %d;", a.ID, a.Outcome, a.LastCompleted)
		for s := StageProbe; s <= StageMCP; s++ {
			fmt.Fprintf(&b, " %s=%s", s, a.Stages[s].Status)
		}
		for _, e := range a.Events {
			fmt.Fprintf(&b, "\n      %s %s %s %s %d %s", e.Pos, e.Role, e.Method, e.Path, e.Status, e.UserAgent)
		}
		for _, f := range a.Findings {
			fmt.Fprintf(&b, "\n      → %s (%s) %s", f.Rule.ID, f.Confidence, f.Summary)
		}
	}
	return b.String()
}

// The Mode constants are the catalogue, no more and no less.
func TestModeConstantsAreTheCatalogue(t *testing.T) {
	data, err := os.ReadFile("testdata/catalogue_modes.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := append(strings.Fields(string(data)), string(ModeNoConnectorTraffic))
	var got []string
	for _, m := range Catalogue {
		got = append(got, string(m))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("rules.Catalogue differs from testdata/catalogue_modes.txt:\n got %v\nwant %v", got, want)
	}
	if !KnownMode("prm_not_found") || KnownMode("prm_not_fonud") {
		t.Error("KnownMode does not tell catalogue ids from typos")
	}
}
