package rules

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mcptriage/mcptriage/parse"
)

var updateRenderings = flag.Bool("update-renderings", false, "rewrite testdata/renderings.golden from this run (review the diff!)")

// People paste what their console, their host's log viewer or their
// editor shows, not what their web server wrote. The rendering corpus
// takes each fixture's attempt and writes its requests again in the
// shapes people paste (a Markdown list or table, arrows, key=value pairs,
// time-only stamps, no addresses, wrapped JSON, lines with comments after
// them, a hosting platform's summary, Rails-style started/completed
// pairs), keeping the content and changing the shape. The analysis of
// each rendering must name the same first mode, or one tied with it.
//
// Some renderings drop what a fixture's verdict rests on (the user agent
// that shows an edge block, the address that confirms the connector);
// testdata/renderings.golden names, per fixture, the renderings that do
// not reach the verdict today. The test fails when a rendering that
// passed stops passing, and says when one that failed now passes (update
// the golden then: go test ./rules -run TestRenderings -update-renderings).

// rendering writes one event of an attempt as a line (or lines).
type rendering struct {
	name string
	// header is written before the first line (a table's head).
	header string
	line   func(e *Ev) string
}

var renderings = []rendering{
	{name: "combined", line: func(e *Ev) string {
		if e.IsMessage() {
			return e.Time.UTC().Format(time.RFC3339Nano) + " " + e.Message
		}
		return fmt.Sprintf(`%s - - [%s] "%s %s HTTP/1.1" %s 0 "-" "%s"`, addrOrDash(e), e.Time.UTC().Format("02/Jan/2006:15:04:05 -0700"), e.Method, target(e), statusOrDash(e), uaOrDash(e))
	}},
	{name: "markdown-list", line: func(e *Ev) string {
		if e.IsMessage() {
			return "- `" + clockOf(e) + "` " + e.Message
		}
		return fmt.Sprintf("- `%s` `%s %s` → **%s** (%s, %s)", clockOf(e), e.Method, target(e), statusOrDash(e), uaOrDash(e), addrOrDash(e))
	}},
	{name: "markdown-table", header: "| time | method | path | status | client | user agent |\n|---|---|---|---|---|---|", line: func(e *Ev) string {
		if e.IsMessage() {
			return "| " + clockOf(e) + " | | " + strings.ReplaceAll(e.Message, "|", "/") + " | | | |"
		}
		return fmt.Sprintf("| %s | %s | %s | %s | %s | %s |", clockOf(e), e.Method, target(e), statusOrDash(e), addrOrDash(e), uaOrDash(e))
	}},
	{name: "arrows", line: func(e *Ev) string {
		if e.IsMessage() {
			return e.Message
		}
		return fmt.Sprintf("%s %s -> %s", e.Method, target(e), statusOrDash(e))
	}},
	{name: "key-value", line: func(e *Ev) string {
		if e.IsMessage() {
			return fmt.Sprintf("time=%s level=info msg=%q", e.Time.UTC().Format(time.RFC3339Nano), e.Message)
		}
		return fmt.Sprintf("time=%s method=%s path=%s status=%s client_ip=%s user_agent=%q", e.Time.UTC().Format(time.RFC3339Nano), e.Method, target(e), statusOrDash(e), addrOrDash(e), uaOrDash(e))
	}},
	{name: "time-only", line: func(e *Ev) string {
		if e.IsMessage() {
			return clockOf(e) + " " + e.Message
		}
		return fmt.Sprintf("%s %s %s %s", clockOf(e), e.Method, target(e), statusOrDash(e))
	}},
	{name: "no-addresses", line: func(e *Ev) string {
		if e.IsMessage() {
			return "INFO:     " + e.Message
		}
		return fmt.Sprintf(`INFO:     - "%s %s HTTP/1.1" %s`, e.Method, target(e), statusOrDash(e))
	}},
	{name: "json-wrapped", line: func(e *Ev) string {
		m := map[string]any{"time": e.Time.UTC().Format(time.RFC3339Nano)}
		if e.IsMessage() {
			m["msg"] = e.Message
		} else {
			m["method"], m["path"], m["status"] = e.Method, target(e), e.Status
			if e.Client.IsValid() {
				m["remote_ip"] = e.Client.String()
			}
			if e.UAKnown {
				m["user_agent"] = e.UserAgent
			}
		}
		b, _ := json.MarshalIndent(m, "", "  ")
		return string(b)
	}},
	{name: "annotated", line: func(e *Ev) string {
		if e.IsMessage() {
			return "    app says: " + e.Message
		}
		return fmt.Sprintf("%s %s %s   ← %s", e.Method, target(e), statusOrDash(e), e.Role)
	}},
	{name: "platform", line: func(e *Ev) string {
		if e.IsMessage() {
			return e.Time.UTC().Format("Jan 02 15:04:05.000") + "  " + e.Message
		}
		return fmt.Sprintf("%s  %s %s https://mcp.example.com%s", e.Time.UTC().Format("Jan 02 15:04:05.000"), e.Method, statusOrDash(e), target(e))
	}},
	{name: "started-completed", line: func(e *Ev) string {
		if e.IsMessage() {
			return e.Message
		}
		return fmt.Sprintf("Started %s %q for %s at %s\nCompleted %s in 12ms", e.Method, target(e), addrOrDash(e), e.Time.UTC().Format("2006-01-02 15:04:05 +0000"), statusOrDash(e))
	}},
}

func target(e *Ev) string {
	if e.RawQuery != "" {
		return e.Path + "?" + e.RawQuery
	}
	return e.Path
}

func statusOrDash(e *Ev) string {
	if e.Status == 0 {
		return "-"
	}
	return fmt.Sprint(e.Status)
}

func uaOrDash(e *Ev) string {
	if !e.UAKnown || e.UserAgent == "" {
		return "-"
	}
	return e.UserAgent
}

func addrOrDash(e *Ev) string {
	if a := e.Client; a.IsValid() {
		if e.Confirmed {
			return e.Egress.String()
		}
		return a.String()
	}
	return "-"
}

func clockOf(e *Ev) string { return e.Time.UTC().Format("15:04:05") }

// verdictOf is what a user reads first: the leading finding of the last
// failed attempt (else the last), with the modes tied to it; or the
// run's own finding when there is no attempt.
func verdictOf(run *Run) (Mode, []Mode) {
	a := defaultAttempt(run)
	var fs []*Finding
	if a != nil {
		fs = a.Findings
	}
	if len(fs) == 0 {
		fs = run.Findings
	}
	if len(fs) == 0 {
		return "", nil
	}
	return fs[0].Rule.ID, fs[0].TiedWith
}

func TestRenderings(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	sort.Strings(files)
	golden := readRenderingsGolden(t)
	results := map[string]map[string]bool{}
	passes := map[string]int{}
	total := 0
	for _, file := range files {
		fx, err := readFixture(file)
		if err != nil {
			t.Fatal(err)
		}
		run := fx.analyze(t)
		a := defaultAttempt(run)
		want, _ := verdictOf(run)
		if a == nil || want == "" || a.Outcome == OutcomeConnected {
			continue // nothing failed: no verdict to keep
		}
		name := strings.TrimSuffix(strings.TrimPrefix(file, "testdata/"), ".txtar")
		results[name] = map[string]bool{}
		total++
		for _, r := range renderings {
			var b strings.Builder
			if r.header != "" {
				b.WriteString(r.header + "\n")
			}
			for _, e := range a.Events {
				b.WriteString(r.line(e) + "\n")
			}
			got, tied := verdictOf(analyzeText(t, fx, b.String()))
			ok := got == want
			for _, m := range tied {
				ok = ok || m == want
			}
			results[name][r.name] = ok
			if ok {
				passes[r.name]++
			}
			if was, known := golden[name][r.name]; known && was && !ok {
				t.Errorf("%s rendered as %s: first mode %q, want %s (it passed before):\n%s", name, r.name, got, want, b.String())
			}
		}
	}
	for _, r := range renderings {
		t.Logf("%-18s %3d/%d (%.0f%%)", r.name, passes[r.name], total, 100*float64(passes[r.name])/float64(total))
	}
	if *updateRenderings {
		writeRenderingsGolden(t, results, passes, total)
		return
	}
	var better []string
	for name, rs := range results {
		for r, ok := range rs {
			if was, known := golden[name][r]; ok && (!known || !was) {
				better = append(better, name+" "+r)
			}
		}
	}
	if len(better) > 0 {
		sort.Strings(better)
		t.Logf("%d renderings now reach their verdict and the golden says they did not: update it (-update-renderings):\n  %s", len(better), strings.Join(better, "\n  "))
	}
}

// analyzeText runs the fixture's analysis on a rendered log.
func analyzeText(t *testing.T, fx *fixture, text string) *Run {
	t.Helper()
	parsers, err := parse.Parsers(parse.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := NewCollector(fx.opts)
	s := parse.NewScanner(bytes.NewReader([]byte(text)), "paste.txt", parsers, 0)
	for s.Next() {
		c.Add(s.Event())
	}
	return c.Analyze()
}

const renderingsGolden = "testdata/renderings.golden"

// readRenderingsGolden reads lines "fixture rendering pass|fail".
func readRenderingsGolden(t *testing.T) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	f, err := os.Open(renderingsGolden)
	if err != nil {
		if os.IsNotExist(err) {
			return out
		}
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if out[fields[0]] == nil {
			out[fields[0]] = map[string]bool{}
		}
		out[fields[0]][fields[1]] = fields[2] == "pass"
	}
	return out
}

func writeRenderingsGolden(t *testing.T, results map[string]map[string]bool, passes map[string]int, total int) {
	var b strings.Builder
	b.WriteString("# The rendering corpus (TestRenderings): for each fixture whose attempt failed, whether its\n")
	b.WriteString("# requests, written again in each shape people paste, still lead to the same first mode (or one\n")
	b.WriteString("# tied with it). A fail is a shape that loses what the verdict rests on, or a recogniser gap.\n#\n")
	for _, r := range renderings {
		fmt.Fprintf(&b, "# %-18s %3d/%d\n", r.name, passes[r.name], total)
	}
	var names []string
	for n := range results {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, r := range renderings {
			v := "fail"
			if results[n][r.name] {
				v = "pass"
			}
			fmt.Fprintf(&b, "%s %s %s\n", n, r.name, v)
		}
	}
	if err := os.WriteFile(renderingsGolden, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
