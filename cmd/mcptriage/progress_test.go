package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcptriage/mcptriage/internal/loggen/synth"
)

// Progress is drawn on stderr for a big input when both stdout and
// stderr are terminals, and never for a script.
func TestProgressOnlyOnATerminal(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.log")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := synth.Write(f, synth.Options{Format: "nginx", Size: 10 << 20, Seed: 2, Attempts: 2}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, tt := range []struct {
		name      string
		args      []string
		tty, want bool
	}{
		{"terminal", []string{"analyze", big}, true, true},
		{"json", []string{"analyze", "--json", big}, true, false},
		{"piped", []string{"analyze", big}, false, false},
		{"small input", []string{"analyze", "--demo"}, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			io, _, out, errOut := testIO()
			io.SetStdoutTTY(tt.tty)
			io.SetStderrTTY(tt.tty)
			run(tt.args, io)
			drawn := strings.Contains(errOut.String(), "reading ")
			if drawn != tt.want {
				t.Errorf("progress drawn %v, want %v; stderr %q", drawn, tt.want, errOut.String())
			}
			if strings.Contains(out.String(), "reading ") {
				t.Error("progress on stdout")
			}
		})
	}
}
