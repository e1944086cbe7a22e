package synth_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mcptriage/mcptriage/internal/loggen/synth"
	"github.com/mcptriage/mcptriage/report"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// A truth like the busy profile's: two presses 40 s apart failing at
// registration, and one that connects hours later.
var truth = &synth.Truth{Attempts: []synth.TrueAttempt{
	{N: 1, Start: at("2026-11-24T09:52:14.693Z"), End: at("2026-11-24T09:52:15.455Z"), Stage: 2, StageName: "discovery", Outcome: "failed", Mode: "dcr_auth_method_rejected"},
	{N: 2, Start: at("2026-11-24T09:52:55.527Z"), End: at("2026-11-24T09:52:56.157Z"), Stage: 2, StageName: "discovery", Outcome: "failed", Mode: "dcr_auth_method_rejected"},
	{N: 3, Start: at("2026-11-24T18:55:24.552Z"), End: at("2026-11-24T18:55:42.297Z"), Stage: 6, StageName: "mcp", Outcome: "connected"},
}}

// What a right analysis of it reports (times in whole seconds, as a
// combined log has them).
func right() []synth.Found {
	return []synth.Found{
		{Start: at("2026-11-24T09:52:14Z"), End: at("2026-11-24T09:52:15Z"), Stage: 2, Outcome: "failed", Mode: "dcr_auth_method_rejected", Confidence: "high"},
		{Start: at("2026-11-24T09:52:55Z"), End: at("2026-11-24T09:52:56Z"), Stage: 2, Outcome: "failed", Mode: "dcr_auth_method_rejected", Confidence: "high"},
		{Start: at("2026-11-24T18:55:24Z"), End: at("2026-11-24T19:03:10Z"), Stage: 6, Outcome: "connected", Mode: "ui_reports_failure_despite_success", Confidence: "low"},
	}
}

func TestJudge(t *testing.T) {
	type counts struct{ right, wrong, missed, spurious int }
	for _, tt := range []struct {
		name   string
		found  func() []synth.Found
		want   counts
		result []string // per planted attempt
		why    string   // in the verdict's text
	}{
		{"all right", right, counts{3, 0, 0, 0}, []string{"right", "right", "right"}, ""},
		{"connected without any finding", func() []synth.Found {
			f := right()
			f[2].Mode, f[2].Confidence = "", ""
			return f
		}, counts{3, 0, 0, 0}, []string{"right", "right", "right"}, ""},
		{"nothing found", func() []synth.Found { return nil }, counts{0, 0, 3, 0}, []string{"missed", "missed", "missed"}, ""},
		{"two presses read as one", func() []synth.Found {
			f := right()
			f[0].End = f[1].End
			return append(f[:1], f[2])
		}, counts{2, 0, 1, 0}, []string{"right", "missed", "right"}, ""},
		{"an attempt swallowing hours of look-alikes", func() []synth.Found {
			f := right()
			f[0].Start, f[0].End, f[0].Stage, f[0].Outcome, f[0].Mode, f[0].Confidence = at("2026-11-24T00:00:00Z"), at("2026-11-24T18:55:25Z"), 6, "connected", "session_not_sticky", "medium"
			return append(f[:1], f[2])
		}, counts{1, 1, 1, 0}, []string{"wrong", "missed", "right"}, "starts 9h52m15s early; stage 6, want 2 (discovery); first mode session_not_sticky, want dcr_auth_method_rejected"},
		{"a failure finding on the connected one", func() []synth.Found {
			f := right()
			f[2].Mode, f[2].Confidence = "session_not_sticky", "medium"
			return f
		}, counts{2, 1, 0, 0}, []string{"right", "right", "wrong"}, "first finding session_not_sticky (medium) on a connected attempt"},
		{"the connected one read as failed", func() []synth.Found {
			f := right()
			f[2].Outcome, f[2].Stage, f[2].Mode = "failed", 3, ""
			return f
		}, counts{2, 1, 0, 0}, []string{"right", "right", "wrong"}, "stage 3, want 6 (mcp); outcome failed, want connected"},
		{"the wrong mode", func() []synth.Found {
			f := right()
			f[1].Mode = "dcr_redirect_uri_rejected"
			return f
		}, counts{2, 1, 0, 0}, []string{"right", "wrong", "right"}, "first mode dcr_redirect_uri_rejected, want dcr_auth_method_rejected"},
		{"other clients' flows as attempts", func() []synth.Found {
			f := right()
			return append(f,
				synth.Found{Start: at("2026-11-24T03:00:00Z"), End: at("2026-11-24T03:00:20Z"), Stage: 6, Outcome: "connected"},
				synth.Found{Start: at("2026-11-24T18:55:43Z"), End: at("2026-11-24T18:56:00Z"), Stage: 1, Outcome: "failed", Mode: "missing_www_authenticate"})
		}, counts{3, 0, 0, 2}, []string{"right", "right", "right"}, "spurious: 2026-11-24T03:00:00.000Z"},
		{"the nearest start wins when two overlap", func() []synth.Found {
			f := right()
			early := synth.Found{Start: at("2026-11-24T18:50:00Z"), End: at("2026-11-24T18:55:30Z"), Stage: 3, Outcome: "failed"}
			return append([]synth.Found{early}, f...)
		}, counts{3, 0, 0, 1}, []string{"right", "right", "right"}, "spurious: 2026-11-24T18:50:00.000Z"},
		{"attempts without times", func() []synth.Found {
			return []synth.Found{{Stage: 2, Outcome: "failed", Mode: "dcr_auth_method_rejected"}}
		}, counts{0, 0, 3, 1}, []string{"missed", "missed", "missed"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := synth.Judge(truth, tt.found())
			got := counts{v.Right, v.Wrong, v.Missed, len(v.Spurious)}
			if got != tt.want {
				t.Errorf("right, wrong, missed, spurious = %v, want %v\n%s", got, tt.want, v)
			}
			for i, j := range v.Attempts {
				if j.Result != tt.result[i] {
					t.Errorf("attempt %d: %s, want %s\n%s", i+1, j.Result, tt.result[i], v)
				}
			}
			if !strings.Contains(v.String(), tt.why) {
				t.Errorf("the verdict does not say %q:\n%s", tt.why, v)
			}
		})
	}
}

// FoundFromReport reads what mcptriage's JSON contract writes: built from
// report.Report itself, so a renamed field fails here.
func TestFoundFromReport(t *testing.T) {
	r := report.Report{Version: report.Version, Attempts: []report.Attempt{
		{ID: 1, Start: "2026-11-24T09:52:14Z", End: "2026-11-24T09:52:15Z", Outcome: "failed", EgressConfirmed: true,
			LastCompletedStage: report.StageRef{Number: 2, Name: "discovery"},
			Findings:           []report.Finding{{Mode: "dcr_auth_method_rejected", Confidence: "high"}, {Mode: "dcr_redirect_uri_rejected", Confidence: "medium"}},
			Events:             []report.Event{{Path: "/mcp"}, {Path: "/register"}}},
		{ID: 2, Start: "2026-11-24T18:55:24.552Z", End: "2026-11-24T18:55:42.297Z", Outcome: "connected", LastCompletedStage: report.StageRef{Number: 6}},
	}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	found, err := synth.FoundFromReport(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []synth.Found{
		{Start: at("2026-11-24T09:52:14Z"), End: at("2026-11-24T09:52:15Z"), Stage: 2, Outcome: "failed", Mode: "dcr_auth_method_rejected", Confidence: "high", Confirmed: true, Events: 2},
		{Start: at("2026-11-24T18:55:24.552Z"), End: at("2026-11-24T18:55:42.297Z"), Stage: 6, Outcome: "connected"},
	}
	if len(found) != len(want) {
		t.Fatalf("%d attempts read, want %d", len(found), len(want))
	}
	for i := range want {
		if !found[i].Start.Equal(want[i].Start) || !found[i].End.Equal(want[i].End) {
			t.Errorf("attempt %d: %s → %s", i+1, found[i].Start, found[i].End)
		}
		found[i].Start, found[i].End, want[i].Start, want[i].End = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if found[i] != want[i] {
			t.Errorf("attempt %d: %+v, want %+v", i+1, found[i], want[i])
		}
	}
	for _, bad := range []string{``, `[`, `{"version":1,"attempts":[{"start":"yesterday"}]}`, `{"version":1,"attempts":7}`, `{"attempts":[]}`} {
		if _, err := synth.FoundFromReport([]byte(bad)); err == nil {
			t.Errorf("%q: read without an error", bad)
		}
	}
	for _, bad := range []string{`{"attempts":`, string(b), `{"attempts":[{"n":1,"start":"2026-11-24T09:52:14Z","stage":9,"outcome":"failed","lines":[1]}]}`} {
		if _, err := synth.ReadTruth(strings.NewReader(bad)); err == nil {
			t.Errorf("%.60s…: read as a truth", bad)
		}
	}
}

// The truth survives its JSON sidecar, and its summary names each attempt.
func TestTruthRoundTrip(t *testing.T) {
	var log bytes.Buffer
	tr, err := synth.Busy(&log, synth.Options{Format: "nginx", Lines: 8000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	back, err := synth.ReadTruth(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if v := synth.Judge(back, nil); v.Missed != 3 {
		t.Errorf("the truth read back has %d attempts to miss, want 3", v.Missed)
	}
	var sum strings.Builder
	back.Summary(&sum)
	for _, want := range []string{"busy nginx log, seed 1: 8000 lines", "other MCP clients", "attempt 1 ", "dcr_auth_method_rejected", "attempt 3 ", "(connects)", "later use"} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("the summary does not say %q:\n%s", want, sum.String())
		}
	}
}
