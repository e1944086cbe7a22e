package synth

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Truth is what a generated log holds, for judging an analysis of it:
// the connector attempts planted (when, how far each got, and why it
// stopped) and the mix of clients around them. It is what loggen prints
// and writes as its sidecar JSON (-truth FILE).
type Truth struct {
	Profile  string   `json:"profile"`
	Format   string   `json:"format"`
	Variants []string `json:"variants"`
	Seed     uint64   `json:"seed"`
	Lines    int64    `json:"lines"`
	Bytes    int64    `json:"bytes"`
	// First and Last are the times of the first and the last line (UTC).
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Mix counts the lines of each kind of client, most first.
	Mix []Share `json:"mix"`
	// OtherMCPClients is the share of lines (per cent) from MCP clients
	// other than Claude.ai's connector, their users' browsers not counted.
	OtherMCPClients float64       `json:"other_mcp_clients_percent"`
	Attempts        []TrueAttempt `json:"attempts"`
	// UseLines are the connector's requests after an attempt connected
	// (a tool used minutes later): its connection at work, not an attempt.
	UseLines []int64 `json:"use_lines,omitempty"`
}

// Share is one kind of client's lines.
type Share struct {
	Kind    string  `json:"kind"`
	Lines   int64   `json:"lines"`
	Percent float64 `json:"percent"`
}

// TrueAttempt is one planted press of Connect.
type TrueAttempt struct {
	N     int       `json:"n"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Stage is the last stage it completed, numbered as in
	// failure-modes.md's stage model (0 reachability … 6 MCP).
	Stage     int    `json:"stage"`
	StageName string `json:"stage_name"`
	Outcome   string `json:"outcome"` // connected or failed
	// Mode is the failure mode that stopped it ("" when it connected).
	Mode string `json:"mode,omitempty"`
	// Lines are its requests' line numbers in the log, from 1.
	Lines []int64 `json:"lines"`
}

// StageNames are the stages' names as mcptriage writes them.
var StageNames = []string{"reachability", "probe", "discovery", "registration", "authorization", "token", "mcp"}

// Profiles the generator writes.
var Profiles = []string{"default", "busy"}

// Generate writes a log of the profile ("default" or "" for Write's,
// "busy" for Busy's) and returns its truth.
func Generate(w io.Writer, profile string, o Options) (*Truth, error) {
	switch profile {
	case "", "default":
		g, err := writeDefault(w, o)
		if err != nil {
			return nil, err
		}
		return g.truth("default"), nil
	case "busy":
		return Busy(w, o)
	}
	return nil, fmt.Errorf("profile %q: choose one of %s", profile, strings.Join(Profiles, ", "))
}

func (g *gen) truth(profile string) *Truth {
	t := &Truth{Profile: profile, Format: g.o.Format, Variants: append([]string{}, g.o.Variants...), Seed: g.o.Seed,
		Lines: g.lines, Bytes: g.written, First: g.first.UTC(), Last: g.last.UTC(), UseLines: g.useLines, Attempts: []TrueAttempt{}}
	for k, n := range g.perKind {
		if n == 0 {
			continue
		}
		p := 100 * float64(n) / float64(max(g.lines, 1))
		t.Mix = append(t.Mix, Share{Kind: Kind(k).String(), Lines: n, Percent: p})
		if Kind(k).OtherMCPClient() {
			t.OtherMCPClients += p
		}
	}
	slices.SortStableFunc(t.Mix, func(a, b Share) int { return cmp.Compare(b.Lines, a.Lines) })
	for i, a := range g.planted {
		if len(a.Lines) == 0 {
			continue // the log ended before it
		}
		ta := TrueAttempt{N: i + 1, Start: a.Start.UTC(), End: a.End.UTC(), Stage: stageOf[a.Mode], Outcome: "failed", Mode: a.Mode, Lines: a.Lines}
		ta.StageName = StageNames[ta.Stage]
		if a.Mode == "" {
			ta.Outcome = "connected"
		}
		t.Attempts = append(t.Attempts, ta)
	}
	return t
}

// Summary writes the truth for a person: the log, its mix, each attempt.
func (t *Truth) Summary(w io.Writer) {
	variants := ""
	if len(t.Variants) > 0 {
		variants = " (" + strings.Join(t.Variants, ", ") + ")"
	}
	fmt.Fprintf(w, "%s %s log%s, seed %d: %d lines, %.1f MB, %s → %s\n", t.Profile, t.Format, variants, t.Seed, t.Lines, float64(t.Bytes)/1e6, t.First.Format(time.RFC3339), t.Last.Format(time.RFC3339))
	if len(t.Mix) > 1 {
		var parts []string
		for _, s := range t.Mix {
			if s.Percent < 0.1 {
				parts = append(parts, fmt.Sprintf("%s %d lines", s.Kind, s.Lines))
				continue
			}
			parts = append(parts, fmt.Sprintf("%s %.1f%%", s.Kind, s.Percent))
		}
		fmt.Fprintf(w, "mix: %s; other MCP clients %.1f%%\n", strings.Join(parts, ", "), t.OtherMCPClients)
	}
	for _, a := range t.Attempts {
		mode := a.Mode
		if mode == "" {
			mode = "(connects)"
		}
		fmt.Fprintf(w, "attempt %d  %s → %s  stage %d (%s)  %s  lines %s\n", a.N, a.Start.Format(stamp), a.End.Format(stamp), a.Stage, a.StageName, mode, lineList(a.Lines))
	}
	if len(t.UseLines) > 0 {
		fmt.Fprintf(w, "the connector's later use (not an attempt): lines %s\n", lineList(t.UseLines))
	}
}

const stamp = "2006-01-02T15:04:05.000Z"

// lineList names a few line numbers: "615177, 615180, 615184 and 1 more".
func lineList(lines []int64) string {
	var parts []string
	for i, n := range lines {
		if i == 4 {
			return strings.Join(parts, ", ") + fmt.Sprintf(" and %d more", len(lines)-i)
		}
		parts = append(parts, strconv.FormatInt(n, 10))
	}
	return strings.Join(parts, ", ")
}
