package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mcptriage/mcptriage/parse"
	"github.com/mcptriage/mcptriage/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// analyzeFile runs the whole analysis on one of the testdata logs.
func analyzeFile(t *testing.T, name string, opts rules.Options) *Report {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ps, err := parse.Parsers(parse.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := parse.NewScanner(f, name, ps, 0)
	c := rules.NewCollector(opts)
	for s.Next() {
		c.Add(s.Event())
	}
	return Build(c.Analyze(), []InputSummary{{Path: name, Format: s.Format(), Stats: s.Stats(), Err: s.Err()}})
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); if the change is intended, run go test ./report -update:\n%s", name, diff)
	}
}

func TestTextGolden(t *testing.T) {
	r := analyzeFile(t, "three_attempts.log", rules.Options{})
	var plain, color bytes.Buffer
	if err := WriteText(&plain, r, Style{Width: DefaultWidth}); err != nil {
		t.Fatal(err)
	}
	golden(t, "three_attempts.txt", plain.Bytes())
	if err := WriteText(&color, r, Style{Color: true, Width: 80}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(color.String(), "\x1b[") {
		t.Error("Style.Color set, but no colour in the output")
	}
	// Everything wraps, log lines too; only a word wider than the line
	// (a long query) overflows, whole.
	for _, l := range strings.Split(ansi.ReplaceAllString(color.String(), ""), "\n") {
		if n := displayWidth(l); n > 80 && !hasLongWord(l, 80-8) {
			t.Errorf("line of %d columns in an 80-column view: %q", n, l)
		}
	}
}

// Width is measured in terminal columns: a CJK character takes two, a
// combining accent none. Lines break at spaces only, and no word is cut.
func TestWrapByDisplayWidth(t *testing.T) {
	text := strings.Repeat("日本語の ", 12) + strings.Repeat("e\u0301", 30) + " " + strings.Repeat("x", 50)
	var b strings.Builder
	writeWrapped(&b, "ab ", text, 20)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	for _, l := range lines {
		if n := displayWidth(l); n > 20 && len(strings.Fields(l)) > 1 {
			t.Errorf("%q is %d columns", l, n)
		}
	}
	if got := strings.Join(strings.Fields(strings.Join(lines, " ")), " "); got != "ab "+strings.Join(strings.Fields(text), " ") {
		t.Errorf("words changed by wrapping:\n%s", b.String())
	}
	// Two CJK words (8 columns each) a line, then each over-wide word alone.
	if len(lines) != 8 || lines[1] != "   日本語の 日本語の" {
		t.Errorf("%d lines, continuation not under the text:\n%s", len(lines), b.String())
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// hasLongWord: a single word (a URL, a config line) too long to wrap.
func hasLongWord(l string, n int) bool {
	for _, w := range strings.Fields(l) {
		if len(w) > n/2 {
			return true
		}
	}
	return false
}

func TestJSONGolden(t *testing.T) {
	r := analyzeFile(t, "three_attempts.log", rules.Options{})
	got, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "three_attempts.json", append(got, '\n'))
}

// Secrets planted in the log reach no output, whatever the renderer.
func TestNoSecretInAnyOutput(t *testing.T) {
	r := analyzeFile(t, "planted_secrets.log", rules.Options{})
	var text bytes.Buffer
	if err := WriteText(&text, r, Style{Color: true, Width: 100}); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Attempts) == 0 {
		t.Fatal("the planted-secrets log produced no attempt: the test would prove nothing")
	}
	for _, out := range []string{text.String(), string(js)} {
		for _, secret := range []string{"PLANTED", "eyJzdWIi", "c2lnbmF0dXJl"} {
			if strings.Contains(out, secret) {
				i := strings.Index(out, secret)
				t.Errorf("output contains %q near %q", secret, out[max(0, i-60):min(len(out), i+40)])
			}
		}
	}
}

func TestGroupDigits(t *testing.T) {
	for in, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -5: "-5"} {
		if got := group(in); got != want {
			t.Errorf("group(%d) = %s, want %s", in, got, want)
		}
	}
}
