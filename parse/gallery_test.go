package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The repository's top-level testdata/ holds what several packages use:
// the demo log and the gallery, one realistic sample per format name.
const sharedTestdata = "../testdata"

// readmeFormatNames returns the format names of the README's "What it
// reads" table: the backticked names of its second column.
func readmeFormatNames(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## What it reads")
	if start < 0 {
		t.Fatal(`README.md has no "## What it reads" section`)
	}
	text = text[start+1:]
	if end := strings.Index(text, "\n## "); end >= 0 {
		text = text[:end]
	}
	name := regexp.MustCompile("`([a-z0-9+-]+)`")
	var names []string
	for _, line := range strings.Split(text, "\n") {
		cells := strings.Split(line, " | ")
		if !strings.HasPrefix(line, "| ") || len(cells) < 3 || strings.HasPrefix(line, "| source") {
			continue
		}
		for _, m := range name.FindAllStringSubmatch(cells[1], -1) {
			names = append(names, m[1])
		}
	}
	if len(names) == 0 {
		t.Fatal("no format names found in the README's table")
	}
	return names
}

// The README's table, --format and inputs[].format use one list of names.
func TestReadmeTableNamesEveryFormat(t *testing.T) {
	readme := readmeFormatNames(t)
	declared := FormatNames()
	for _, n := range readme {
		if LookupFormat(n) == nil {
			t.Errorf("the README's table names %q, which no Format emits", n)
		}
	}
	for _, n := range declared {
		if !slices.Contains(readme, n) {
			t.Errorf("format %q is missing from the README's table", n)
		}
	}
	for _, n := range declared {
		cfg := Config{Format: n}
		if n == "nginx-custom" {
			cfg.NginxLogFormat = CombinedFormat
		}
		if _, err := Parsers(cfg); err != nil {
			t.Errorf("--format %s is refused: %v", n, err)
		}
	}
	_, err := Parsers(Config{Format: "no-such-format"})
	if err == nil {
		t.Fatal("an unknown --format was accepted")
	}
	for _, n := range declared {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("the unknown --format error does not list %q: %v", n, err)
		}
	}
}

// Each sample in testdata/formats is detected as its name, without any
// flag but those its .config file gives (a custom nginx log_format).
func TestGalleryIsDetectedByName(t *testing.T) {
	dir := filepath.Join(sharedTestdata, "formats")
	for _, name := range FormatNames() {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, name+".log"))
			if err != nil {
				t.Fatalf("no sample for format %s: %v", name, err)
			}
			cfg := Config{}
			if c, err := os.ReadFile(filepath.Join(dir, name+".config")); err == nil {
				for _, l := range strings.Split(strings.TrimSpace(string(c)), "\n") {
					k, v, _ := strings.Cut(l, " ")
					switch k {
					case "nginx-log-format":
						cfg.NginxLogFormat = v
					default:
						t.Fatalf("%s.config: unknown option %q", name, k)
					}
				}
			}
			ps, err := Parsers(cfg)
			if err != nil {
				t.Fatal(err)
			}
			s := NewScanner(bytes.NewReader(data), name+".log", ps, 0)
			for s.Next() {
			}
			got, _, _ := strings.Cut(s.Format(), " + ")
			if got != name || s.Stats().Events == 0 {
				t.Errorf("%s.log read as %q (%d events), want %s", name, s.Format(), s.Stats().Events, name)
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		base := filepath.Base(f)
		n := strings.TrimSuffix(strings.TrimSuffix(base, ".log"), ".config")
		if LookupFormat(n) == nil {
			t.Errorf("testdata/formats/%s is the sample of no format", base)
		}
	}
}

// The demo log lives in testdata/; the copies that packages embed or
// read under their own names must stay the same bytes.
func TestDemoLogCopiesAgree(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(sharedTestdata, "demo.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, copy := range []string{"../cmd/mcptriage/demo.log", "../report/testdata/three_attempts.log"} {
		got, err := os.ReadFile(copy)
		if err != nil {
			t.Errorf("%s: %v", copy, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from testdata/demo.log: copy the shared one over it", copy)
		}
	}
}
