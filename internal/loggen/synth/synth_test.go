package synth

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSameSeedSameBytes(t *testing.T) {
	for _, f := range Formats {
		var a, b, c bytes.Buffer
		pa, err := Write(&a, Options{Format: f, Size: 200 << 10, Seed: 3, Attempts: 5})
		if err != nil {
			t.Fatal(err)
		}
		Write(&b, Options{Format: f, Size: 200 << 10, Seed: 3, Attempts: 5})
		Write(&c, Options{Format: f, Size: 200 << 10, Seed: 4, Attempts: 5})
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: the same seed wrote different logs", f)
		}
		if bytes.Equal(a.Bytes(), c.Bytes()) {
			t.Errorf("%s: another seed wrote the same log", f)
		}
		if len(pa) != 5 {
			t.Errorf("%s: %d attempts planted, want 5", f, len(pa))
		}
		if n := int64(a.Len()); n < 200<<10 || n > 200<<10+4096 {
			t.Errorf("%s: %d bytes, want about %d", f, n, 200<<10)
		}
		if !strings.Contains(a.String(), "python-httpx/0.28.1") || !strings.Contains(a.String(), "Claude-User") {
			t.Errorf("%s: no connector traffic written", f)
		}
	}
	if _, err := Write(&bytes.Buffer{}, Options{Format: "apache", Size: 10}); err == nil {
		t.Error("an unknown format is accepted")
	}
}

// Every profile, format and variant: the same seed writes the same bytes
// and the same truth; another seed, another log.
func TestGenerateIsDeterministic(t *testing.T) {
	for _, profile := range Profiles {
		for _, f := range Formats {
			for _, variants := range [][]string{nil, {VariantSharedProxy}, {VariantNoUA}, {VariantNoUA, VariantSharedProxy}} {
				var a, b, c bytes.Buffer
				o := Options{Format: f, Lines: 5000, Seed: 3, Attempts: 5, Variants: variants}
				ta, err := Generate(&a, profile, o)
				if err != nil {
					t.Fatalf("%s %s %v: %v", profile, f, variants, err)
				}
				tb, _ := Generate(&b, profile, o)
				if !bytes.Equal(a.Bytes(), b.Bytes()) {
					t.Errorf("%s %s %v: the same seed wrote different logs", profile, f, variants)
				}
				if diff := cmp.Diff(ta, tb); diff != "" {
					t.Errorf("%s %s %v: the same seed gave different truths:\n%s", profile, f, variants, diff)
				}
				if variants == nil {
					o.Seed = 4
					Generate(&c, profile, o)
					if bytes.Equal(a.Bytes(), c.Bytes()) {
						t.Errorf("%s %s: another seed wrote the same log", profile, f)
					}
				}
				if ta.Lines != 5000 || int64(bytes.Count(a.Bytes(), []byte("\n"))) != ta.Lines || ta.Bytes != int64(a.Len()) {
					t.Errorf("%s %s %v: %d lines and %d bytes written, the truth says %d and %d", profile, f, variants, bytes.Count(a.Bytes(), []byte("\n")), a.Len(), ta.Lines, ta.Bytes)
				}
			}
		}
	}
	if _, err := Generate(&bytes.Buffer{}, "quiet", Options{Format: "nginx", Lines: 10}); err == nil {
		t.Error("an unknown profile is accepted")
	}
}

// The default profile's truth: the five outcomes in turn, each with the
// last stage failure-modes.md gives it, its lines those of the connector.
func TestDefaultTruth(t *testing.T) {
	var buf bytes.Buffer
	truth, err := Generate(&buf, "default", Options{Format: "nginx", Size: 400 << 10, Seed: 2, Attempts: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		mode  string
		stage int
	}{{"", 6}, {"callback_redirect_307", 4}, {"prm_not_found", 1}, {"edge_blocks_claude_user", 5}, {"token_endpoint_json_only", 4}}
	if len(truth.Attempts) != len(want) {
		t.Fatalf("%d attempts in the truth, want %d", len(truth.Attempts), len(want))
	}
	lines := strings.Split(buf.String(), "\n")
	for i, a := range truth.Attempts {
		if a.Mode != want[i].mode || a.Stage != want[i].stage || a.StageName != StageNames[want[i].stage] {
			t.Errorf("attempt %d: %s at stage %d (%s), want %s at %d", i+1, a.Mode, a.Stage, a.StageName, want[i].mode, want[i].stage)
		}
		if (a.Outcome == "connected") != (a.Mode == "") {
			t.Errorf("attempt %d: outcome %s for mode %q", i+1, a.Outcome, a.Mode)
		}
		if a.End.Before(a.Start) || len(a.Lines) < 4 {
			t.Errorf("attempt %d: %s → %s, %d lines", i+1, a.Start, a.End, len(a.Lines))
		}
		for _, n := range a.Lines {
			if l := lines[n-1]; !strings.HasPrefix(l, "160.79.") && !strings.Contains(l, "203.0.113.") {
				t.Errorf("attempt %d: line %d is not the connector's: %s", i+1, n, l)
			}
		}
	}
}
