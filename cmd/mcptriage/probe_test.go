package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/mcptriage/mcptriage/internal/lab"
	"github.com/mcptriage/mcptriage/probe"
)

// cdnBlocksClaudeUser answers Claude-User as Cloudflare's AI-bot rule does.
func cdnBlocksClaudeUser(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") == "Claude-User" {
			w.Header().Set("Server", "cloudflare")
			w.Header().Set("Cf-Ray", "8f1e2d3c4b5a6978-FRA")
			w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, "Your request was blocked.\n")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// runProbeAgainst runs the CLI with the probe's names and connections
// pointed at a lab server behind TLS.
func runProbeAgainst(t *testing.T, h http.Handler, args ...string) (int, string, string) {
	t.Helper()
	ca, err := lab.NewPKI()
	if err != nil {
		t.Fatal(err)
	}
	srv := lab.StartTLS(h, ca.Full)
	t.Cleanup(srv.Close)
	io, _, out, errOut := testIO()
	f := &factory{IO: io, ProbeHooks: func(o *probe.Options) {
		o.Resolve = func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("203.0.113.10")}, nil
		}
		o.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
		}
		o.RootCAs = ca.Roots
	}}
	code := runWith(args, f)
	return code, out.String(), errOut.String()
}

func TestProbeCommand(t *testing.T) {
	blocked := cdnBlocksClaudeUser(lab.NewServer(lab.Faults{}, io.Discard))
	code, out, errOut := runProbeAgainst(t, blocked, "probe", "https://mcp.example.com/mcp")
	if code != exitFailure {
		t.Errorf("exit %d, want 1 (a check fails)\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"✗ probe.claude-user", "→ edge_blocks_claude_user · infrastructure", "server cloudflare", "Predicted: edge_blocks_claude_user"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runProbeAgainst(t, blocked, "probe", "--json", "--fail-on", "never", "https://mcp.example.com/mcp")
	if code != exitOK {
		t.Errorf("--fail-on never: exit %d", code)
	}
	var v struct {
		Version   int      `json:"version"`
		Worst     string   `json:"worst"`
		Predicted []string `json:"predicted"`
		Checks    []struct {
			ID, Status, Mode string
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.Version != 1 || v.Worst != "fail" || len(v.Predicted) == 0 || v.Predicted[0] != "edge_blocks_claude_user" || len(v.Checks) < 10 {
		t.Errorf("JSON: %+v", v)
	}

	healthy := lab.NewServer(lab.Faults{}, io.Discard)
	if code, out, _ := runProbeAgainst(t, healthy, "probe", "https://mcp.example.com/mcp"); code != exitOK || !strings.Contains(out, "Nothing here stops Claude's connector.") {
		t.Errorf("healthy: exit %d\n%s", code, out)
	}
	caseSensitive := lab.NewServer(lab.Faults{CaseSensitive: true}, io.Discard)
	if code, _, _ := runProbeAgainst(t, caseSensitive, "probe", "https://mcp.example.com/mcp"); code != exitOK {
		t.Errorf("a warning with --fail-on fail: exit %d", code)
	}
	if code, _, _ := runProbeAgainst(t, caseSensitive, "probe", "--fail-on", "warn", "https://mcp.example.com/mcp"); code != exitFailure {
		t.Errorf("a warning with --fail-on warn: exit %d", code)
	}
	var seen http.Header
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen == nil {
			seen = r.Header.Clone()
		}
		healthy.ServeHTTP(w, r)
	})
	runProbeAgainst(t, echo, "probe", "--header", "X-Staging-Key: s3", "https://mcp.example.com/mcp")
	if seen.Get("X-Staging-Key") != "s3" {
		t.Errorf("--header not sent: %v", seen)
	}
}

func TestProbeCommandUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"probe"}, "probe takes one URL"},
		{[]string{"probe", "mcp.example.com/mcp"}, "is not a URL"},
		{[]string{"probe", "--fail-on", "sometimes", "https://mcp.example.com/mcp"}, "--fail-on must be fail, warn or never"},
		{[]string{"probe", "--header", "no colon", "https://mcp.example.com/mcp"}, `give it as "Name: value"`},
		{[]string{"probe", "--timeout", "0s", "https://mcp.example.com/mcp"}, "--timeout must be positive"},
	} {
		io, _, _, errOut := testIO()
		if code := runWith(tt.args, &factory{IO: io}); code != exitUsage || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tt.args, code, errOut.String(), tt.want)
		}
	}
}

// The probe output README.md shows is what the command prints.
func TestREADMEShowsRealProbe(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "This is `mcptriage probe https://mcp.example.com/mcp`")
	if !ok {
		t.Fatal("README.md shows no probe output")
	}
	_, block, _ := strings.Cut(rest, "```\n")
	block, _, _ = strings.Cut(block, "\n```\n")
	_, out, _ := runProbeAgainst(t, cdnBlocksClaudeUser(lab.NewServer(lab.Faults{}, io.Discard)), "probe", "https://mcp.example.com/mcp")
	if strings.TrimSpace(out) != strings.TrimSpace(block) {
		t.Errorf("README.md's probe output differs from the command's:\n%s", out)
	}
}
