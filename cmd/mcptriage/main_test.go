package main

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"mcptriage": func() { os.Exit(run(os.Args[1:], systemIO())) },
	})
}

// TestScripts runs testdata/script/*.txtar: real runs of the binary on
// real files, checking output and exit status.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:   "testdata/script",
		Setup: setupProbeScripts,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// exitcode N command args...: run it and require exit status N;
			// stdout and stderr are then checked as after exec.
			// maxwidth N: no line of the last command's stdout is wider
			// than N display columns (a wide character counts two), but
			// for a single token wider than that, which stays whole so
			// that it can be copied.
			"maxwidth": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: maxwidth N")
				}
				max, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("maxwidth: %v", err)
				}
				for i, line := range strings.Split(ts.ReadFile("stdout"), "\n") {
					if w := runewidth.StringWidth(line); w > max && strings.ContainsRune(strings.TrimSpace(line), ' ') {
						ts.Fatalf("stdout line %d is %d columns wide, over %d: %q", i+1, w, max, line)
					}
				}
			},
			"exitcode": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exitcode N command [args...]")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("exitcode: %v", err)
				}
				got := 0
				if err := ts.Exec(args[1], args[2:]...); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						ts.Fatalf("exitcode: %v", err)
					}
					got = ee.ExitCode()
				}
				if got != want {
					ts.Fatalf("exit status %d, want %d", got, want)
				}
			},
		},
	})
}
