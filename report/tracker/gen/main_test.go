package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// The committed index source is what the data file generates.
func TestGeneratedIndexIsCurrent(t *testing.T) {
	in, err := os.ReadFile("../known.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := generate(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../known_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("report/tracker/known_gen.go is stale: run go generate ./report/tracker")
	}
}

func TestGenerateRefusesBrokenData(t *testing.T) {
	const modes = `"modes": [{"id": "a", "error": "E", "phrases": ["p"]}]`
	tests := []struct{ in, want string }{
		{`{"repo": "o/r", ` + modes + `, "issues": [{"number": 1, "state": "open", "modes": ["b"], "title": "t", "summary": "s"}]}`, "unknown mode b"},
		{`{"repo": "o/r", ` + modes + `, "issues": [{"number": 1, "state": "open", "modes": ["a"], "title": "t", "summary": ""}]}`, "needs a title and our summary"},
		{`{"repo": "o/r", ` + modes + `, "issues": [{"number": 1, "state": "merged", "modes": ["a"], "title": "t", "summary": "s"}]}`, `state "merged"`},
		{`{"repo": "o/r", ` + modes + `, "issues": [{"number": 1, "state": "open", "modes": ["a"], "title": "t", "summary": "s"}, {"number": 1, "state": "open", "modes": ["a"], "title": "t", "summary": "s"}]}`, "listed twice"},
		{`{"repo": "o/r", "modes": [{"id": "a", "title": "x", "error": "E", "phrases": ["p"]}], "issues": []}`, "a title and a stage go together"},
		{`{"repo": "o/r", "colour": "blue", "modes": [], "issues": []}`, "unknown field"},
	}
	for _, tt := range tests {
		_, err := generate([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("generate(%s): error %v, want %q", tt.in, err, tt.want)
		}
	}
}
