package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/mcptriage/mcptriage/pipeline"
	"github.com/mcptriage/mcptriage/report"
	"github.com/mcptriage/mcptriage/rules"
)

func TestNewCmdAnalyzeFlags(t *testing.T) {
	auto := outputFlags{Color: "auto"}
	tests := []struct {
		args    string
		want    analyzeOptions
		wantErr string
	}{
		{args: "", want: analyzeOptions{outputFlags: auto, logOptions: logOptions{command: "analyze", Settings: pipeline.Settings{MaxLineBytes: 1 << 20}}}},
		{args: "a.log b.log.gz", want: analyzeOptions{outputFlags: auto, logOptions: logOptions{command: "analyze", Files: []string{"a.log", "b.log.gz"}, Settings: pipeline.Settings{MaxLineBytes: 1 << 20}}}},
		{args: "--json --server https://mcp.example.com/mcp --egress 198.51.100.0/24 --egress 203.0.113.0/24 -",
			want: analyzeOptions{outputFlags: outputFlags{JSON: true, Color: "auto"}, logOptions: logOptions{command: "analyze", Files: []string{"-"}, Settings: pipeline.Settings{Server: "https://mcp.example.com/mcp", Egress: []string{"198.51.100.0/24", "203.0.113.0/24"}, MaxLineBytes: 1 << 20}}}},
		{args: "--demo --color never --log-format nginx-common --max-line-bytes 4096 --tz Europe/Madrid --json-field status=code -q -o out.txt --glob *.log",
			want: analyzeOptions{outputFlags: outputFlags{Color: "never", Quiet: true, Output: "out.txt"}, logOptions: logOptions{command: "analyze", Demo: true, Globs: []string{"*.log"}, Settings: pipeline.Settings{Format: "nginx-common", MaxLineBytes: 4096, TZ: "Europe/Madrid", JSONFields: []string{"status=code"}}}}},
		// The flag's old name still works.
		{args: "--format nginx-common", want: analyzeOptions{outputFlags: auto, logOptions: logOptions{command: "analyze", Settings: pipeline.Settings{Format: "nginx-common", MaxLineBytes: 1 << 20}}}},
		{args: "--json --quiet", wantErr: "--quiet prints one line"},
		{args: "--color purple", wantErr: "--color must be"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			io, _, _, _ := testIO()
			var got *analyzeOptions
			cmd := newCmdAnalyze(&factory{IO: io}, func(o *analyzeOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.IO, got.f = nil, nil
			if diff := cmp.Diff(tt.want, *got, cmpopts.EquateEmpty(), cmp.AllowUnexported(analyzeOptions{}, logOptions{})); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

// The JSON contract's field names are public. The lists are typed out
// here on purpose: a field added or renamed by accident fails this test.
func TestJSONContractFields(t *testing.T) {
	io, _, out, _ := testIO()
	if code := run([]string{"analyze", "--json", "--demo"}, io); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	check := func(what string, obj any, want ...string) {
		t.Helper()
		m, ok := obj.(map[string]any)
		if !ok {
			t.Fatalf("%s is not an object", what)
		}
		var got []string
		for k := range m {
			got = append(got, k)
		}
		sort.Strings(got)
		sort.Strings(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s fields (-want +got):\n%s", what, diff)
		}
	}
	check("report", doc, "version", "inputs", "attempts", "findings", "context", "lookalikes")
	check("input", doc["inputs"].([]any)[0], "path", "format", "lines", "events", "requests", "skipped", "first_skipped", "source_timezone", "first_time", "last_time")
	attempts := doc["attempts"].([]any)
	check("attempt", attempts[0], "id", "start", "end", "egress_ips", "egress_confirmed", "outcome", "last_completed_stage", "stages", "findings", "connector_path", "registration", "transport", "events")
	a := attempts[0].(map[string]any)
	check("last_completed_stage", a["last_completed_stage"], "number", "name")
	check("stage", a["stages"].([]any)[0], "number", "name", "status", "at", "evidence")
	check("finding", a["findings"].([]any)[0], "mode", "title", "symptom", "stage", "side", "confidence", "summary", "fix", "evidence", "decisive_next_step", "known_issues")
	check("event", a["events"].([]any)[0], "at", "time", "role", "source", "method", "path", "status", "user_agent", "client", "seen_by", "line")
	if v := doc["version"].(float64); v != 1 {
		t.Errorf("version %v", v)
	}
}

// Every rule fixture that expects its rule first must get it first from
// the command line too: `mcptriage analyze --json` on the fixture's files.
func TestRuleFixturesThroughCLI(t *testing.T) {
	files, err := filepath.Glob("../../rules/testdata/*/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule fixtures: %v", err)
	}
	checked := 0
	for _, file := range files {
		mode := filepath.Base(filepath.Dir(file))
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var flags []string
		first := false
		sc := bufio.NewScanner(bytes.NewReader(ar.Comment))
		for sc.Scan() {
			line := sc.Text()
			f := strings.Fields(line)
			switch {
			case len(f) >= 2 && f[0] == "want" && f[1] == mode && !strings.Contains(line, "rank="):
				first = true
			case len(f) >= 2 && f[0] == "flags":
				flag, value, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "flags")), " ")
				flags = append(flags, flag, strings.TrimSpace(value))
			case len(f) >= 1 && f[0] == "attempt":
				first = false // the fixture speaks of a chosen attempt; the runner covers it
			}
		}
		if !first {
			continue
		}
		checked++
		t.Run(strings.TrimPrefix(file, "../../rules/testdata/"), func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"analyze", "--json"}, flags...)
			for _, f := range ar.Files {
				if f.Name == "nginx-log-format" {
					args = append(args, "--nginx-log-format", strings.TrimSpace(string(f.Data)))
					continue
				}
				p := filepath.Join(dir, f.Name)
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, p)
			}
			io, _, out, errOut := testIO()
			run(args, io)
			var rep struct {
				Findings []struct{ Mode string }
				Attempts []struct {
					Outcome  string
					Findings []struct{ Mode string }
				}
			}
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("not JSON: %v\nstderr: %s", err, errOut)
			}
			modes := []string{}
			for _, f := range rep.Findings {
				modes = append(modes, f.Mode)
			}
			if n := len(rep.Attempts); n > 0 {
				pick := rep.Attempts[n-1]
				for _, a := range rep.Attempts {
					if a.Outcome != "connected" {
						pick = a
					}
				}
				for _, f := range pick.Findings {
					modes = append(modes, f.Mode)
				}
			}
			if len(modes) == 0 || modes[0] != mode {
				t.Errorf("analyze --json names %v first, want %s", modes, mode)
			}
		})
	}
	if checked < 35 {
		t.Errorf("only %d fixtures expect their rule first; the glob or the parsing is off", checked)
	}
}

func TestGzippedInput(t *testing.T) {
	demo, err := os.ReadFile("demo.log")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "access.log.2.gz")
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(demo)
	w.Close()
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	io, _, out, _ := testIO()
	if code := run([]string{"analyze", "--json", p}, io); code != exitFailure {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out.String(), `"mode": "callback_redirect_307"`) {
		t.Errorf("the gzipped demo was not analysed like the plain one:\n%s", out)
	}
}

// Colour follows go-gh's reading of the environment (NO_COLOR, CLICOLOR,
// CLICOLOR_FORCE, a terminal), TERM=dumb turns it off, and --color
// always/never win over all of them.
func TestColorDecision(t *testing.T) {
	tests := []struct {
		env  map[string]string
		mode string
		want bool
	}{
		{env: map[string]string{"GH_FORCE_TTY": "1"}, mode: "auto", want: true},
		{mode: "auto", want: false},
		{env: map[string]string{"GH_FORCE_TTY": "1", "NO_COLOR": "1"}, mode: "auto", want: false},
		{env: map[string]string{"GH_FORCE_TTY": "1", "CLICOLOR": "0"}, mode: "auto", want: false},
		{env: map[string]string{"GH_FORCE_TTY": "1", "TERM": "dumb"}, mode: "auto", want: false},
		{env: map[string]string{"CLICOLOR_FORCE": "1"}, mode: "auto", want: true},
		{env: map[string]string{"GH_FORCE_TTY": "1", "NO_COLOR": "1"}, mode: "always", want: true},
		{env: map[string]string{"GH_FORCE_TTY": "1"}, mode: "never", want: false},
	}
	for _, tt := range tests {
		for _, k := range []string{"GH_FORCE_TTY", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM"} {
			t.Setenv(k, tt.env[k])
		}
		if got := systemIO().ColorEnabled(tt.mode); got != tt.want {
			t.Errorf("env=%v mode=%s: colour %v, want %v", tt.env, tt.mode, got, tt.want)
		}
	}
}

//go:generate env MCPTRIAGE_UPDATE_README=1 go test -run TestREADMERulesTable .

// The README's table of failure modes is generated from rules.All: a new
// rule needs no hand-written row, and a stale table fails here.
func TestREADMERulesTable(t *testing.T) {
	const begin, end = "<!-- rules table -->\n", "<!-- end rules table -->\n"
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the markers %q and %q around the rules table", begin, end)
	}
	want := report.RulesTable(rules.All)
	if os.Getenv("MCPTRIAGE_UPDATE_README") != "" {
		s = s[:i+len(begin)] + want + s[j:]
		if err := os.WriteFile("../../README.md", []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := s[i+len(begin) : j]; got != want {
		t.Errorf("README.md's rules table is stale: run go generate ./cmd/mcptriage\n%s", cmp.Diff(got, want))
	}
}

// The README documents every failure mode, and CI runs the README's test command.
func TestREADMEAndCI(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules.All {
		if !strings.Contains(string(readme), "`"+string(r.ID)+"`") {
			t.Errorf("README.md does not list %s", r.ID)
		}
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"go test ./...", "go run ./cmd/mcptriage analyze --demo"} {
		if !strings.Contains(string(readme), cmd) || !strings.Contains(string(ci), cmd) {
			t.Errorf("%q must be both in README.md and in .ci/run", cmd)
		}
	}
}

// Run with no file from a terminal, a command that reads logs says what
// it needs, in its own name, instead of waiting for input that will not
// come.
func TestNoInputFromATerminal(t *testing.T) {
	for _, command := range []string{"analyze", "report", "search"} {
		io, _, out, errOut := testIO()
		io.SetStdinTTY(true)
		if code := run([]string{command}, io); code != exitUsage {
			t.Fatalf("%s: exit %d, want %d", command, code, exitUsage)
		}
		if !strings.Contains(errOut.String(), "no log given") || !strings.Contains(errOut.String(), "| mcptriage "+command+" -)") || out.Len() != 0 {
			t.Errorf("%s: stdout %q, stderr %q", command, out, errOut)
		}
	}
}

// The outputs the README shows are what the tool prints today.
func TestREADMEShowsRealOutput(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args  []string
		after string // the README text that introduces the block
		fence string
	}{
		{[]string{"analyze", "--demo"}, "This is `mcptriage analyze --demo`", "```\n"},
		{[]string{"report", "--demo", "--ofid", "ofid_3b5554ba7fdde381@2026-11-24T08:55:20Z", "--browser", "Chrome 142, macOS 15", "--works-in", "claude-code,inspector"},
			"This is `mcptriage report --demo", "````markdown\n"},
		{[]string{"search", "--offline", "--demo", "--ofid", "ofid_3b5554ba7fdde381"}, "This is `mcptriage search --offline --demo", "```\n"},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			_, rest, ok := strings.Cut(string(readme), tt.after)
			if !ok {
				t.Fatalf("README.md has no %q", tt.after)
			}
			_, block, ok := strings.Cut(rest, tt.fence)
			if !ok {
				t.Fatalf("README.md has no %q block after %q", tt.fence, tt.after)
			}
			closing := strings.TrimSuffix(strings.TrimSuffix(tt.fence, "\n"), "markdown") + "\n"
			block, _, _ = strings.Cut(block, "\n"+closing)
			io, _, out, _ := testIO()
			run(tt.args, io)
			if diff := cmp.Diff(strings.TrimRight(out.String(), "\n"), strings.TrimRight(block, "\n")); diff != "" {
				t.Errorf("README.md shows an output of %v that the tool no longer prints (-tool +README):\n%s", tt.args, diff)
			}
		})
	}
}
