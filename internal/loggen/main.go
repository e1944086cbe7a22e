// Command loggen writes a realistic access log of a given size with known
// Claude connector attempts buried in it, for benchmarks and tests:
//
//	go run ./internal/loggen -format nginx -size 1GB -seed 1 -o big.log
//	go run ./internal/loggen -profile busy -lines 1500000 -variant shared-proxy -o busy.log -truth busy.truth.json
//
// The attempts it planted (their times, the last stage each completed and
// its failure mode) and the mix of clients are printed on stderr, and
// written as JSON with -truth. The same seed writes the same bytes.
//
// It also judges an analysis of such a log against its truth:
//
//	mcptriage analyze --json busy.log > report.json
//	go run ./internal/loggen judge busy.truth.json report.json
//
// which prints, per planted attempt, right, wrong or missed, and the
// spurious attempts (exit status 0 however it went; 2 on unreadable input).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mcptriage/mcptriage/internal/loggen/synth"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "judge" {
		os.Exit(judge(os.Args[2:], os.Stdout, os.Stderr))
	}
	format := flag.String("format", "nginx", "nginx (combined), caddy (JSON access log) or cloudflare (Logpush NDJSON)")
	profile := flag.String("profile", "default", "default (ordinary web traffic around the attempts) or busy (a public MCP server's day: other MCP clients make most lines; three Claude.ai attempts)")
	variant := flag.String("variant", "", "comma-separated: shared-proxy (every client logged as the proxy's 127.0.0.1), no-ua (no user agent in the format; nginx writes the Common Log Format)")
	size := flag.String("size", "100MB", "how much to write: 500KB, 100MB, 1GB…")
	lines := flag.Int64("lines", 0, "how many lines to write (instead of -size)")
	seed := flag.Uint64("seed", 1, "the same seed writes the same log")
	attempts := flag.Int("attempts", 5, "connector attempts to bury (default profile)")
	out := flag.String("o", "-", "output file (- for stdout)")
	truthFile := flag.String("truth", "", "also write the truth as JSON to this file")
	flag.Parse()
	n, err := parseSize(*size)
	if err != nil {
		fail(2, err)
	}
	var variants []string
	if *variant != "" {
		variants = strings.Split(*variant, ",")
	}
	var w io.Writer = os.Stdout
	var f *os.File
	if *out != "-" {
		if f, err = os.Create(*out); err != nil {
			fail(1, err)
		}
		w = f
	}
	truth, err := synth.Generate(w, *profile, synth.Options{Format: *format, Size: n, Lines: *lines, Seed: *seed, Attempts: *attempts, Variants: variants})
	if err != nil {
		fail(1, err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			fail(1, err)
		}
	}
	truth.Summary(os.Stderr)
	if *truthFile != "" {
		b, err := json.MarshalIndent(truth, "", "  ")
		if err == nil {
			err = os.WriteFile(*truthFile, append(b, '\n'), 0o644)
		}
		if err != nil {
			fail(1, err)
		}
	}
}

func fail(code int, err error) {
	fmt.Fprintln(os.Stderr, "loggen:", err)
	os.Exit(code)
}

// judge prints the verdict on an mcptriage JSON report against a truth.
func judge(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintln(stderr, "usage: loggen judge TRUTH.json REPORT.json (REPORT from mcptriage analyze --json; - for stdin)")
		return 2
	}
	tf, err := os.Open(args[0])
	if err != nil {
		fmt.Fprintln(stderr, "loggen judge:", err)
		return 2
	}
	defer tf.Close()
	truth, err := synth.ReadTruth(tf)
	if err != nil {
		fmt.Fprintf(stderr, "loggen judge: %s: %v\n", args[0], err)
		return 2
	}
	var report []byte
	if args[1] == "-" {
		report, err = io.ReadAll(os.Stdin)
	} else {
		report, err = os.ReadFile(args[1])
	}
	if err != nil {
		fmt.Fprintln(stderr, "loggen judge:", err)
		return 2
	}
	found, err := synth.FoundFromReport(report)
	if err != nil {
		fmt.Fprintf(stderr, "loggen judge: %s: %v\n", args[1], err)
		return 2
	}
	fmt.Fprint(stdout, synth.Judge(truth, found))
	// The report's notes too: one says the analysis dropped events.
	var notes struct {
		Notes []string `json:"notes"`
	}
	json.Unmarshal(report, &notes)
	for _, n := range notes.Notes {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}
	return 0
}

func parseSize(s string) (int64, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, suf := range []struct {
		s string
		m int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(u, suf.s) {
			u, mult = strings.TrimSuffix(u, suf.s), suf.m
			break
		}
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(u), 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("size %q: give a number with KB, MB or GB", s)
	}
	return int64(n * float64(mult)), nil
}
