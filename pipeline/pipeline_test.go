package pipeline

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mcptriage/mcptriage/parse"
	"github.com/mcptriage/mcptriage/report"
)

func TestLoadZone(t *testing.T) {
	for _, tt := range []struct {
		in      string
		offset  int
		wantErr string
	}{
		{in: "+02:00", offset: 7200},
		{in: "-0500", offset: -5 * 3600},
		{in: "UTC+2", offset: 7200},
		{in: "+14:00", offset: 14 * 3600},
		{in: "Europe/Madrid"},
		{in: "+14:30", wantErr: "offsets run from"},
		{in: "+99", wantErr: "offsets run from"},
		{in: "+25:00", wantErr: "offsets run from"},
		{in: "+02:60", wantErr: "below 60"},
		{in: "europe/madrid", wantErr: "did you mean Europe/Madrid?"},
		{in: "america/new_york", wantErr: "did you mean America/New_York?"},
		{in: "Mars/Olympus", wantErr: "case-exact"},
		{in: "Local", wantErr: "not this machine's"},
	} {
		loc, err := LoadZone(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("LoadZone(%q) = %v, %v; want an error with %q", tt.in, loc, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("LoadZone(%q): %v", tt.in, err)
			continue
		}
		if tt.offset != 0 {
			if _, off := (timeAt(loc)).Zone(); off != tt.offset {
				t.Errorf("LoadZone(%q) offset %d, want %d", tt.in, off, tt.offset)
			}
		}
	}
}

func TestIsBinary(t *testing.T) {
	for _, tt := range []struct {
		name string
		head []byte
		want bool
	}{
		{"log line", []byte(`160.79.106.35 - - [18/Nov/2026:09:14:02 +0000] "POST /mcp HTTP/1.1" 401 68 "-" "python-httpx/0.28.1"` + "\n"), false},
		{"utf-8 text", []byte("2026-11-18 09:14:02 INFO café → ok\r\n"), false},
		{"colour codes", []byte("\x1b[32mINFO\x1b[0m: 160.79.106.35:4011 - \"POST /mcp HTTP/1.1\" 401\n"), false},
		{"gzip", []byte{0x1f, 0x8b, 0x08, 0x00, 0x00}, false},
		{"zstd", []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00}, false},
		{"xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0x00, 0x00}, false},
		{"NUL", []byte("abc\x00def"), true},
		{"ELF", []byte("\x7fELF\x02\x01\x01\x03\x04\x05\x06\x07\x08\x0e\x0f\x10"), true},
		{"latin-1 junk", bytes.Repeat([]byte{0xe9, 0xff, 0xfe, 'a'}, 100), true},
	} {
		if got := isBinary(tt.head); got != tt.want {
			t.Errorf("%s: isBinary %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestMatchGlobs(t *testing.T) {
	for _, tt := range []struct {
		globs []string
		rel   string
		want  bool
	}{
		{nil, "a/b.log", true},
		{[]string{"*.log"}, "nginx/access.log", true},
		{[]string{"*.log"}, "nginx/access.log.1", false},
		{[]string{"access.log*"}, "access.log.2.gz", true},
		{[]string{"access.log*", "!*.gz"}, "access.log.2.gz", false},
		{[]string{"!*.gz"}, "error.log", true},
		{[]string{"nginx/*.log"}, "nginx/access.log", true},
		{[]string{"nginx/*.log"}, "caddy/access.log", false},
	} {
		if got := matchGlobs(tt.globs, tt.rel); got != tt.want {
			t.Errorf("matchGlobs(%q, %q) = %v, want %v", tt.globs, tt.rel, got, tt.want)
		}
	}
}

// A cut gzip file's warning names the file once: the report's input line
// already says which input it is about.
func TestWarningNamesTheInputOnce(t *testing.T) {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(w, "160.79.106.35 - - [18/Nov/2026:09:14:%02d +0000] \"POST /mcp HTTP/1.1\" 401 68 \"-\" \"python-httpx/0.28.%d\"\n", i%60, i)
	}
	w.Close()
	cut := b.Bytes()[:b.Len()/2]
	o, err := Settings{}.Options()
	if err != nil {
		t.Fatal(err)
	}
	res := Run([]Source{Bytes("trunc.gz", cut)}, o)
	if len(res.Report.Inputs) != 1 {
		t.Fatalf("inputs %+v", res.Report.Inputs)
	}
	msg := res.Report.Inputs[0].Error
	if msg == "" || strings.Contains(msg, "trunc.gz") {
		t.Errorf("input error %q: want the reason without the file's name", msg)
	}
}

// A broken gzip header, an empty input and a file of junk give no
// diagnosis: NoLog says which input and why.
func TestNoLog(t *testing.T) {
	o, _ := Settings{}.Options()
	res := Run([]Source{
		Bytes("broken.gz", []byte{0x1f, 0x8b, 'n', 'o', 't'}),
		Bytes("empty.log", nil),
		Bytes("notes.txt", []byte("shopping list\nmilk\n")),
	}, o)
	if res.NoLog == nil {
		t.Fatal("no NoLog")
	}
	for _, want := range []string{"broken.gz: looks gzipped but the gzip header is broken", "empty.log: it is empty", "notes.txt: none of its 2 lines matched"} {
		if !strings.Contains(res.NoLog.Error(), want) {
			t.Errorf("NoLog %q lacks %q", res.NoLog, want)
		}
	}
}

// Thousands of inputs: one summary entry per source, in bounded memory,
// with the counts of all of them.
func TestManyInputsSummarised(t *testing.T) {
	dir := t.TempDir()
	const n = 1000
	for i := 0; i < n; i++ {
		sub := filepath.Join(dir, fmt.Sprintf("d%02d", i/100))
		os.MkdirAll(sub, 0o755)
		line := fmt.Sprintf("198.51.100.7 - - [18/Nov/2026:09:%02d:%02d +0000] \"GET /p%d HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0\"\n", (i/60)%60, i%60, i)
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%05d.log", i)), []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o, _ := Settings{}.Options()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res := Run([]Source{Dir{Root: dir}}, o)
	runtime.GC()
	runtime.ReadMemStats(&after)
	ins := res.Report.Inputs
	if len(ins) != 1 || ins[0].Lines != n || ins[0].Requests != n || !strings.HasSuffix(ins[0].Path, "(1,000 files)") {
		t.Fatalf("inputs %+v", ins)
	}
	if res.Inputs != n {
		t.Errorf("read %d inputs, want %d", res.Inputs, n)
	}
	// What stays after the run: the report and the folded summaries, not
	// one summary per file.
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 8<<20 {
		t.Errorf("heap grew by %d bytes for %d inputs", grown, n)
	}
}

func timeAt(loc *time.Location) time.Time { return time.Date(2026, 1, 15, 12, 0, 0, 0, loc) }

// Why an input gave nothing names the input's own trouble: a compressed
// stream cut short after a line is said beside the unmatched line, and an
// empty stdin is not a rotated file.
func TestWhyNoEvents(t *testing.T) {
	for _, tt := range []struct {
		in   report.InputSummary
		want string
		not  string
	}{
		{report.InputSummary{Path: "x.gz", Unrecognised: true, Stats: parse.Stats{Lines: 1},
			Err: errors.New("x.gz: the input ends in the middle of a compressed block (a compressed file cut short?)")},
			"cut short", ""},
		{report.InputSummary{Path: "stdin", Err: &parse.InputError{Reason: "the input is empty"}}, "nothing was piped in", "rotated"},
		{report.InputSummary{Path: "access.log", Err: &parse.InputError{Reason: "the input is empty"}}, "access.log.1", ""},
	} {
		got := whyNoEvents(tt.in)
		if !strings.Contains(got, tt.want) || tt.not != "" && strings.Contains(got, tt.not) {
			t.Errorf("%s: %q, want it to say %q (and not %q)", tt.in.Path, got, tt.want, tt.not)
		}
	}
}
