package synth

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Found is one attempt as an analysis reports it. From mcptriage's JSON
// use FoundFromReport; from a rules.Run in a test, one per attempt:
//
//	f := synth.Found{Start: a.Start, End: a.End, Stage: int(a.LastCompleted), Outcome: string(a.Outcome), Confirmed: a.Confirmed}
//	if len(a.Findings) > 0 {
//		f.Mode, f.Confidence = string(a.Findings[0].Rule.ID), a.Findings[0].Confidence.String()
//	}
type Found struct {
	Start, End time.Time
	Stage      int    // the last completed stage
	Outcome    string // connected, failed, incomplete
	// Mode and Confidence are the first (highest-ranked) finding's, if any.
	Mode       string
	Confidence string
	Confirmed  bool // some request came from Anthropic's egress range
	Events     int
}

// The result for one planted attempt.
const (
	Right  = "right"  // found, starting where it starts, with its stage and first mode
	Wrong  = "wrong"  // found, but its start, stage or first mode differs
	Missed = "missed" // no reported attempt overlaps it
)

// Slack is how far apart a reported time and the truth may be: the time
// of a combined log is whole seconds.
const Slack = 2 * time.Second

// modeConnected is the only finding a connected attempt may carry first:
// the server side completed, whatever Claude shows.
const modeConnected = "ui_reports_failure_despite_success"

// Judged is one planted attempt and what the analysis made of it.
type Judged struct {
	Truth  TrueAttempt
	Found  *Found // nil when missed
	Result string
	Why    []string // what differs, for Wrong
}

// Verdict is an analysis judged against a log's truth.
type Verdict struct {
	Attempts             []Judged // one per planted attempt, in order
	Spurious             []Found  // reported attempts that match none
	Right, Wrong, Missed int
}

// Judge matches reported attempts to planted ones by time: each planted
// attempt takes, of the reported attempts overlapping it (within Slack),
// the one starting nearest to it; a reported attempt matches at most one.
// It is Right when it starts within Slack of the truth, completed the same
// stage, and its first finding is the planted mode (a connected attempt:
// outcome connected, and no finding first other than
// ui_reports_failure_despite_success). Reported attempts left over are
// spurious. Attempts without times never match.
func Judge(t *Truth, found []Found) Verdict {
	var v Verdict
	taken := make([]bool, len(found))
	for _, ta := range t.Attempts {
		best := -1
		for i, f := range found {
			if taken[i] || f.Start.IsZero() {
				continue
			}
			end := f.End
			if end.IsZero() {
				end = f.Start
			}
			if f.Start.After(ta.End.Add(Slack)) || end.Before(ta.Start.Add(-Slack)) {
				continue
			}
			if best < 0 || absDur(f.Start.Sub(ta.Start)) < absDur(found[best].Start.Sub(ta.Start)) {
				best = i
			}
		}
		j := Judged{Truth: ta, Result: Missed}
		if best >= 0 {
			taken[best] = true
			f := found[best]
			j.Found = &f
			j.Why = differences(ta, f)
			j.Result = Right
			if len(j.Why) > 0 {
				j.Result = Wrong
			}
		}
		switch j.Result {
		case Right:
			v.Right++
		case Wrong:
			v.Wrong++
		default:
			v.Missed++
		}
		v.Attempts = append(v.Attempts, j)
	}
	for i, f := range found {
		if !taken[i] {
			v.Spurious = append(v.Spurious, f)
		}
	}
	return v
}

func differences(ta TrueAttempt, f Found) []string {
	var why []string
	if d := f.Start.Sub(ta.Start); absDur(d) > Slack {
		dir := "late"
		if d < 0 {
			dir = "early"
		}
		why = append(why, fmt.Sprintf("starts %s %s", absDur(d).Round(time.Second), dir))
	}
	if f.Stage != ta.Stage {
		why = append(why, fmt.Sprintf("stage %d, want %d (%s)", f.Stage, ta.Stage, ta.StageName))
	}
	switch {
	case ta.Mode == "" && f.Outcome != "connected":
		why = append(why, fmt.Sprintf("outcome %s, want connected", f.Outcome))
	case ta.Mode == "" && f.Mode != "" && f.Mode != modeConnected:
		why = append(why, fmt.Sprintf("first finding %s (%s) on a connected attempt", f.Mode, f.Confidence))
	case ta.Mode != "" && f.Mode != ta.Mode:
		got := f.Mode
		if got == "" {
			got = "none"
		}
		why = append(why, fmt.Sprintf("first mode %s, want %s", got, ta.Mode))
	}
	return why
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// FoundFromReport reads the attempts of mcptriage's JSON report
// (`mcptriage analyze --json`).
func FoundFromReport(b []byte) ([]Found, error) {
	var r struct {
		Version  int `json:"version"`
		Attempts []struct {
			Start              string `json:"start"`
			End                string `json:"end"`
			Outcome            string `json:"outcome"`
			EgressConfirmed    bool   `json:"egress_confirmed"`
			LastCompletedStage struct {
				Number int `json:"number"`
			} `json:"last_completed_stage"`
			Findings []struct {
				Mode       string `json:"mode"`
				Confidence string `json:"confidence"`
			} `json:"findings"`
			Events []json.RawMessage `json:"events"`
		} `json:"attempts"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("reading mcptriage's JSON report: %w (give the output of `mcptriage analyze --json`)", err)
	}
	if r.Version == 0 {
		return nil, fmt.Errorf("not mcptriage's JSON report: no version (give the output of `mcptriage analyze --json`)")
	}
	out := make([]Found, 0, len(r.Attempts))
	for i, a := range r.Attempts {
		f := Found{Stage: a.LastCompletedStage.Number, Outcome: a.Outcome, Confirmed: a.EgressConfirmed, Events: len(a.Events)}
		for _, s := range []struct {
			text string
			to   *time.Time
		}{{a.Start, &f.Start}, {a.End, &f.End}} {
			if s.text == "" {
				continue
			}
			t, err := time.Parse(time.RFC3339Nano, s.text)
			if err != nil {
				return nil, fmt.Errorf("attempt %d of the report: time %q: %w", i+1, s.text, err)
			}
			*s.to = t
		}
		if len(a.Findings) > 0 {
			f.Mode, f.Confidence = a.Findings[0].Mode, a.Findings[0].Confidence
		}
		out = append(out, f)
	}
	return out, nil
}

// ReadTruth reads a truth sidecar written by loggen.
func ReadTruth(r io.Reader) (*Truth, error) {
	var t Truth
	if err := json.NewDecoder(r).Decode(&t); err != nil {
		return nil, fmt.Errorf("reading the truth: %w (give the file loggen wrote with -truth)", err)
	}
	for i, a := range t.Attempts {
		if a.N < 1 || a.Start.IsZero() || len(a.Lines) == 0 || a.Stage < 0 || a.Stage >= len(StageNames) || (a.Outcome != "connected" && a.Outcome != "failed") {
			return nil, fmt.Errorf("reading the truth: attempt %d lacks its number, start, stage, outcome or lines (give the file loggen wrote with -truth)", i+1)
		}
	}
	return &t, nil
}

// String is the verdict for a person: a summary line, then a line per
// planted attempt and per spurious one (the first ten).
func (v Verdict) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "right %d of %d, wrong %d, missed %d, spurious %d\n", v.Right, len(v.Attempts), v.Wrong, v.Missed, len(v.Spurious))
	for _, j := range v.Attempts {
		want := j.Truth.Mode
		if want == "" {
			want = "connected"
		}
		fmt.Fprintf(&b, "  attempt %d (%s, stage %d, %s): %s", j.Truth.N, j.Truth.Start.Format(stamp), j.Truth.Stage, want, j.Result)
		if j.Found != nil {
			fmt.Fprintf(&b, " by %s", j.Found)
		}
		if len(j.Why) > 0 {
			fmt.Fprintf(&b, ": %s", strings.Join(j.Why, "; "))
		}
		b.WriteByte('\n')
	}
	for i, f := range v.Spurious {
		if i == 10 {
			fmt.Fprintf(&b, "  … %d more spurious\n", len(v.Spurious)-i)
			break
		}
		fmt.Fprintf(&b, "  spurious: %s\n", &f)
	}
	return b.String()
}

func (f *Found) String() string {
	mode := f.Mode
	if mode == "" {
		mode = "no finding"
	} else {
		mode += " (" + f.Confidence + ")"
	}
	conf := "unconfirmed"
	if f.Confirmed {
		conf = "confirmed"
	}
	return fmt.Sprintf("%s → %s %s, stage %d, %s, %s, %d events", f.Start.UTC().Format(stamp), f.End.UTC().Format(stamp), f.Outcome, f.Stage, mode, conf, f.Events)
}
