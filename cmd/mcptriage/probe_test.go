package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mcptriage/mcptriage/internal/lab"
	"github.com/mcptriage/mcptriage/probe"
	"github.com/mcptriage/mcptriage/rules"
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
	flat := strings.Join(strings.Fields(out), " ") // lines are folded
	for _, want := range []string{"✗ probe.claude-user", "→ edge_blocks_claude_user · infrastructure", "server cloudflare", "Predicted: edge_blocks_claude_user"} {
		if !strings.Contains(flat, want) {
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
	if code, out, _ := runProbeAgainst(t, healthy, "probe", "https://mcp.example.com/mcp"); code != exitOK || !strings.Contains(strings.Join(strings.Fields(out), " "), "Nothing here stops Claude's connector.") {
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
		{[]string{"probe", "--timeout", "0", "https://mcp.example.com/mcp"}, "--timeout must be positive"},
		{[]string{"probe", "--timeout", "5x", "https://mcp.example.com/mcp"}, `give seconds (5, 2.5) or a duration (15s, 1m)`},
		{[]string{"probe", "--timeout", "1e9", "https://mcp.example.com/mcp"}, `1e9 seconds is out of range`},
		{[]string{"probe", "--resolve", "mcp.example.com:443", "https://mcp.example.com/mcp"}, `--resolve "mcp.example.com:443": no address; give HOST:PORT:ADDRESS`},
		{[]string{"probe", "--resolve", "mcp.example.com:443:localhost", "https://mcp.example.com/mcp"}, `"localhost" is not an IP address`},
		{[]string{"probe", "--cacert", "testdata/no-such-ca.pem", "https://mcp.example.com/mcp"}, "--cacert: open testdata/no-such-ca.pem"},
		{[]string{"probe", "--cacert", "probe.go", "https://mcp.example.com/mcp"}, "--cacert probe.go: no PEM certificate in it"},
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

// Durations are seconds without a unit, as curl's --max-time takes them.
func TestProbeTimeoutTakesSeconds(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{{"5", 5 * time.Second}, {"0.5", 500 * time.Millisecond}, {"2m", 2 * time.Minute}, {"1500ms", 1500 * time.Millisecond}} {
		var got time.Duration
		io, _, _, errOut := testIO()
		f := &factory{IO: io}
		cmd := newCmdProbe(f, func(o *probeOptions) error {
			got = o.Timeout
			return nil
		})
		cmd.SetArgs([]string{"--timeout", tt.in, "https://mcp.example.com/mcp"})
		cmd.SetOut(io.Out)
		cmd.SetErr(errOut)
		if err := cmd.Execute(); err != nil || got != tt.want {
			t.Errorf("--timeout %s: %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// Every mode the probe can predict is one 'mcptriage rules' explains:
// its own checks' modes (probe.Modes) and the URL rules it runs.
func TestRulesExplainsEveryModeTheProbePredicts(t *testing.T) {
	modes := slices.Clone(probe.Modes)
	for _, r := range rules.All {
		if r.Check != nil && r.Stage <= rules.StageProbe {
			modes = append(modes, r.ID)
		}
	}
	for _, m := range modes {
		if !rules.KnownMode(string(m)) {
			t.Errorf("%s is not in the catalogue", m)
		}
		io, _, out, errOut := testIO()
		code := runWith([]string{"rules", string(m)}, &factory{IO: io})
		if code != exitOK || !strings.HasPrefix(out.String(), string(m)+": ") || !strings.Contains(out.String(), "\nFix: ") {
			t.Errorf("rules %s: exit %d\n%s%s", m, code, out, errOut)
		}
	}
	io, _, out, _ := testIO()
	runWith([]string{"rules"}, &factory{IO: io})
	for _, m := range probe.Explained() {
		if !strings.Contains(out.String(), string(m)) {
			t.Errorf("'mcptriage rules' does not list %s", m)
		}
	}
	// A catalogue mode nothing detects is still described, not refused.
	io, _, out, _ = testIO()
	if code := runWith([]string{"rules", "tunnel_relay_fault"}, &factory{IO: io}); code != exitOK || !strings.Contains(out.String(), "neither detects in logs nor") {
		t.Errorf("rules tunnel_relay_fault: exit %d\n%s", code, out)
	}
}

// What a server sends never reaches the terminal raw, and the credentials
// in the URL reach no output; the output fits 80 columns in a pipe.
func TestProbeOutputIsSafeAndFits(t *testing.T) {
	evil := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "gone \x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b]0;pwned\x07 \u009b1m bye")
	})
	const url = "https://alice:hunter2pass@mcp.example.com/mcp"
	_, out, _ := runProbeAgainst(t, evil, "probe", url)
	if strings.ContainsAny(out, "\x1b\x07\u009b") || !strings.Contains(out, `\x1b]52;c;ZXZpbA==\x07`) {
		t.Errorf("control characters reach the terminal:\n%q", out)
	}
	_, js, _ := runProbeAgainst(t, evil, "probe", "--json", url)
	if !strings.Contains(js, `\u001b]52;c;ZXZpbA==\u0007`) {
		t.Errorf("the JSON does not keep the body exactly:\n%s", js)
	}
	for name, text := range map[string]string{"text": out, "json": js} {
		if strings.Contains(text, "hunter2pass") || strings.Contains(text, "hunter2") {
			t.Errorf("%s: the URL's password is shown:\n%s", name, text)
		}
	}

	_, out, _ = runProbeAgainst(t, cdnBlocksClaudeUser(lab.NewServer(lab.Faults{}, io.Discard)), "probe", "--register", "https://mcp.example.com/mcp")
	for i, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > 80 && len(strings.Fields(line)) > 1 {
			t.Errorf("line %d is %d columns:\n%s", i+1, n, line)
		}
	}
}

// setupProbeScripts gives the scripts a scenario server behind TLS on
// loopback ($LABPORT) and its CA as a private one ($WORK/lab-ca.pem): the
// lab's intermediate, which no system trusts.
func setupProbeScripts(env *testscript.Env) error {
	ca, err := lab.NewPKI()
	if err != nil {
		return err
	}
	srv := lab.StartTLS(lab.NewServer(lab.Faults{}, io.Discard), ca.Full)
	env.Defer(srv.Close)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		return err
	}
	env.Setenv("LABPORT", port)
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Full.Certificate[1]})
	return os.WriteFile(filepath.Join(env.WorkDir, "lab-ca.pem"), block, 0o644)
}
