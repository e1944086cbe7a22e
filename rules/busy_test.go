package rules

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mcptriage/mcptriage/internal/loggen/synth"
	"github.com/mcptriage/mcptriage/parse"
)

// A busy MCP server's day (internal/loggen's busy profile): other MCP
// clients are most of the lines, on the connector's very endpoints, many
// speaking python-httpx; three Claude.ai attempts are in it. Read as the
// command reads it (the fast path on), every attempt must be found right
// and none invented. Behind a shared proxy with other clients, the two
// presses refused at registration leave no mark of Claude at all (no
// callback, no Claude-User): python-httpx scripts make the same requests
// there, so they cannot be told apart and are not claimed; the attempt
// that connects must still be found, and nothing invented.
func TestBusyDay(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: generates and reads a busy day")
	}
	for _, tc := range []struct {
		variants        []string
		right, missed   int
		mustFindConnect bool
	}{
		{variants: nil, right: 3},
		{variants: []string{synth.VariantNoUA}, right: 3},
		{variants: []string{synth.VariantSharedProxy}, right: 1, missed: 2, mustFindConnect: true},
	} {
		name := "plain"
		if len(tc.variants) > 0 {
			name = strings.Join(tc.variants, "+")
		}
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			truth, err := synth.Busy(&buf, synth.Options{Format: "nginx", Lines: 120_000, Seed: 3, Variants: tc.variants})
			if err != nil {
				t.Fatal(err)
			}
			run := readFast(t, buf.Bytes(), Options{})
			var found []synth.Found
			for _, a := range run.Attempts {
				f := synth.Found{Start: a.Start, End: a.End, Stage: int(a.LastCompleted), Outcome: string(a.Outcome), Confirmed: a.Confirmed, Events: len(a.Events)}
				if len(a.Findings) > 0 {
					f.Mode, f.Confidence = string(a.Findings[0].Rule.ID), a.Findings[0].Confidence.String()
				}
				found = append(found, f)
			}
			v := synth.Judge(truth, found)
			if v.Right != tc.right || v.Missed != tc.missed || len(v.Spurious) > 0 {
				t.Errorf("right %d (want %d), missed %d (want %d), spurious %d (want 0):\n%s", v.Right, tc.right, v.Missed, tc.missed, len(v.Spurious), v)
			}
			if tc.mustFindConnect && v.Attempts[2].Result != synth.Right {
				t.Errorf("the attempt that connects was not found right: %+v", v.Attempts[2])
			}
			if run.Capped {
				t.Error("the collector hit its cap on a busy day: memory grows with look-alikes")
			}
		})
	}
}

// readFast reads a log as the pipeline does: the first lines in full,
// then the fast path with the prefilter reporting its look-alikes.
func readFast(t *testing.T, data []byte, o Options) *Run {
	t.Helper()
	ps, err := parse.Parsers(parse.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := NewCollector(o)
	pf, ok := NewPrefilter(o)
	if !ok {
		t.Fatal("no prefilter")
	}
	pf.ReportTo(c)
	s := parse.NewScanner(bytes.NewReader(data), "busy.log", ps, 0)
	defer s.Close()
	s.SetPrefilter(func() parse.Prefilter { return pf.Clone().Check }, 10_000, c.WantsBrowserStep)
	for s.Next() {
		c.Add(s.Event())
	}
	c.PassedOver("busy.log", s.Stats().Filtered)
	return c.Analyze()
}
