package synth

import (
	"bytes"
	"strings"
	"testing"
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
