package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcptriage/mcptriage/internal/lab"
)

// --timeout takes plain seconds as well as a duration.
func TestProbeTimeoutInSeconds(t *testing.T) {
	for _, tt := range []struct {
		arg  string
		want time.Duration
		err  string
	}{
		{arg: "5", want: 5 * time.Second},
		{arg: "2.5", want: 2500 * time.Millisecond},
		{arg: "1m30s", want: 90 * time.Second},
		{arg: "soon", err: "give seconds (5, 2.5) or a duration (15s, 1m)"},
		{arg: "-1", err: "out of range"},
	} {
		io, _, _, _ := testIO()
		var got *probeOptions
		cmd := newCmdProbe(&factory{IO: io}, func(o *probeOptions) error { got = o; return nil })
		cmd.SetArgs([]string{"--timeout", tt.arg, "https://mcp.example.com/mcp"})
		cmd.SetOut(io.Out)
		cmd.SetErr(io.ErrOut)
		err := cmd.Execute()
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("--timeout %s: %v; want %q", tt.arg, err, tt.err)
			}
			continue
		}
		if err != nil || got == nil || got.Timeout != tt.want {
			t.Errorf("--timeout %s: %v, %v; want %v", tt.arg, got, err, tt.want)
		}
	}
}

// probe has the output flags of every command that prints a report.
func TestProbeQuietAndOutput(t *testing.T) {
	blocked := cdnBlocksClaudeUser(lab.NewServer(lab.Faults{}, io.Discard))
	code, out, errOut := runProbeAgainst(t, blocked, "probe", "--quiet", "https://mcp.example.com/mcp")
	if code != exitFailure || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "mcptriage probe: ") || !strings.Contains(out, "edge_blocks_claude_user") || errOut != "" {
		t.Errorf("--quiet: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	p := filepath.Join(t.TempDir(), "probe.json")
	code, out, errOut = runProbeAgainst(t, blocked, "probe", "--json", "-o", p, "https://mcp.example.com/mcp")
	b, err := os.ReadFile(p)
	if code != exitFailure || out != "" || err != nil || !strings.Contains(string(b), `"predicted"`) || !strings.Contains(errOut, "wrote "+p) {
		t.Errorf("-o: exit %d, stdout %q, stderr %q, file %q (%v)", code, out, errOut, b, err)
	}
}
