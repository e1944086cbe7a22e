// Command loggen writes a realistic access log of a given size with known
// Claude connector attempts buried in it, for benchmarks and tests:
//
//	go run ./internal/loggen -format nginx -size 1GB -seed 1 -o big.log
//
// The attempts it planted are listed on stderr (their start time and the
// failure mode each stages). The same seed writes the same bytes.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mcptriage/mcptriage/internal/loggen/synth"
)

func main() {
	format := flag.String("format", "nginx", "nginx (combined), caddy (JSON access log) or cloudflare (Logpush NDJSON)")
	size := flag.String("size", "100MB", "how much to write: 500KB, 100MB, 1GB…")
	seed := flag.Uint64("seed", 1, "the same seed writes the same log")
	attempts := flag.Int("attempts", 5, "connector attempts to bury")
	out := flag.String("o", "-", "output file (- for stdout)")
	flag.Parse()
	n, err := parseSize(*size)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loggen:", err)
		os.Exit(2)
	}
	var w io.Writer = os.Stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loggen:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	planted, err := synth.Write(w, synth.Options{Format: *format, Size: n, Seed: *seed, Attempts: *attempts})
	if err != nil {
		fmt.Fprintln(os.Stderr, "loggen:", err)
		os.Exit(1)
	}
	for _, a := range planted {
		mode := a.Mode
		if mode == "" {
			mode = "(connects)"
		}
		fmt.Fprintf(os.Stderr, "attempt at %s: %s\n", a.Start.UTC().Format("2006-01-02T15:04:05Z"), mode)
	}
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
