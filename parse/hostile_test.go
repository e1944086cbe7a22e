package parse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

const lineA = `203.0.113.9 - - [24/Nov/2026:08:52:49 +0000] "GET /a HTTP/1.1" 200 5 "-" "curl/8"` + "\n"
const lineB = `203.0.113.9 - - [24/Nov/2026:08:52:50 +0000] "GET /b HTTP/1.1" 200 5 "-" "curl/8"` + "\n"

func compress(t *testing.T, format, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	var w io.WriteCloser
	var err error
	switch format {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "xz":
		w, err = xz.NewWriter(&b)
	case "zstd":
		w, err = zstd.NewWriter(&b)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Compressed logs are read like plain ones, whatever their name, also
// when two compressed streams follow each other (rotated logs cat-ed
// together).
func TestDecompressByContent(t *testing.T) {
	bz2, err := os.ReadFile("testdata/compressed/two-streams.log.bz2") // bzip2 -c a >> b: the standard library has no writer
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{"bzip2 (two streams)": bz2}
	for _, f := range []string{"gzip", "xz", "zstd"} {
		inputs[f+" (two streams)"] = append(compress(t, f, lineA), compress(t, f, lineB)...)
	}
	for name, data := range inputs {
		evs, s := scanAll(t, bytes.NewReader(data), 0)
		if len(evs) != 2 || evs[0].Path != "/a" || evs[1].Path != "/b" || s.Err() != nil {
			t.Errorf("%s: %d events, err %v", name, len(evs), s.Err())
		}
	}
}

// A compression mcptriage does not read is named, with the command that
// undoes it; a broken stream is an input error with its reason.
func TestDecompressRefuses(t *testing.T) {
	lz4, err := os.ReadFile("testdata/compressed/access.log.lz4")
	if err != nil {
		t.Fatal(err)
	}
	gz := compress(t, "gzip", lineA)
	zs := compress(t, "zstd", lineA)
	for name, tt := range map[string]struct {
		data []byte
		want string
	}{
		"lz4":                         {lz4, "compressed with lz4: decompress it first (lz4 -d FILE)"},
		"zip":                         {[]byte("PK\x03\x04\x14\x00\x00\x00"), "compressed with zip: decompress it first (unzip FILE)"},
		"7z":                          {[]byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c, 0, 4}, "compressed with 7z"},
		"broken gzip header":          {append([]byte{0x1f, 0x8b, 0x99}, gz[3:]...), "looks gzipped but the gzip header is broken"},
		"broken zstd header":          {append(append([]byte{}, zs[:4]...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), "zstd"},
		"gzip magic and nothing else": {[]byte{0x1f, 0x8b}, "looks gzipped but the gzip header is broken"},
	} {
		_, err := Decompress(bytes.NewReader(tt.data))
		if name == "broken zstd header" && err == nil {
			// zstd reads its frame header lazily: the scanner reports it.
			in, _ := Decompress(bytes.NewReader(tt.data))
			ps, _ := Parsers(Config{})
			s := NewScanner(in, "x", ps, 0)
			for s.Next() {
			}
			err = s.Err()
		}
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want an InputError saying %q", name, err, tt.want)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("input/output error") }

// A file that cannot be read, a gzip whose deflate data is broken from
// its first block: input errors. A gzip cut short after some lines keeps
// those lines and says what happened, as a warning.
func TestUnreadableInputs(t *testing.T) {
	_, s := scanAll(t, failingReader{}, 0)
	var ie *InputError
	if !errors.As(s.Err(), &ie) || !strings.Contains(s.Err().Error(), "input/output error") {
		t.Errorf("unreadable: err %v, want an InputError with the reason", s.Err())
	}
	gz := compress(t, "gzip", strings.Repeat(lineA, 2000))
	broken := append(append([]byte{}, gz[:10]...), bytes.Repeat([]byte{0xff}, 64)...)
	_, s = scanAll(t, bytes.NewReader(broken), 0)
	if !errors.As(s.Err(), &ie) {
		t.Errorf("broken deflate data: err %v, want an InputError", s.Err())
	}
	evs, s := scanAll(t, bytes.NewReader(gz[:len(gz)/2]), 0)
	if len(evs) == 0 || s.Err() == nil || errors.As(s.Err(), &ie) || !strings.Contains(s.Err().Error(), "cut short") {
		t.Errorf("cut short: %d events, err %v: want the lines read and a warning", len(evs), s.Err())
	}
}

// Whatever the mix of lines, detection holds a bounded number of lines
// and bytes: blank lines are counted and dropped, over-long ones count.
func TestDetectionHoldsBoundedMemory(t *testing.T) {
	for name, in := range map[string]string{
		"blank lines":     strings.Repeat("\n", 1<<20) + lineA,
		"crlf blank":      strings.Repeat("\r\n", 1<<19) + lineA,
		"spaces":          strings.Repeat(" \n", 1<<19) + lineA,
		"over-long lines": strings.Repeat(strings.Repeat("x", 200)+"\n", 1<<14) + lineA,
		"big lines":       strings.Repeat(strings.Repeat("y", 64<<10)+"\n", 64) + lineA,
	} {
		ps, _ := Parsers(Config{})
		s := NewScanner(strings.NewReader(in), "x", ps, 100)
		s.started = true
		s.open()
		s.detect()
		held := 0
		for _, p := range s.pending {
			held += len(p.line)
		}
		if len(s.pending) > sniffRecords || held > sniffBytes+100 {
			t.Errorf("%s: detection holds %d lines, %d bytes", name, len(s.pending), held)
		}
		for s.Next() {
		}
		if want := strings.Count(in, "\n"); s.Stats().Lines != want {
			t.Errorf("%s: %d lines counted, want %d", name, s.Stats().Lines, want)
		}
	}
}

// Blank lines are counted in bulk, keeping the numbers of the lines after
// them right.
func TestBlankLinesKeepLineNumbers(t *testing.T) {
	in := lineA + strings.Repeat("\n", 100000) + "\r\n\n" + lineB + "\n\n"
	evs, s := scanAll(t, strings.NewReader(in), 0)
	if len(evs) != 2 || evs[1].Pos.Line != 100004 || s.Stats().Lines != 100006 {
		t.Errorf("%d events, second at line %d (want 100004), %d lines (want 100006)", len(evs), evs[len(evs)-1].Pos.Line, s.Stats().Lines)
	}
}

// After the first lines, the fast path hands damaged lines to the full
// parse, which skips them and says where: junk is never counted as a
// request, and blank lines are neither requests nor skips.
func TestFastPathSkipsJunk(t *testing.T) {
	var b bytes.Buffer
	b.Write(combinedLog(20000, false, true, 0, 0))
	junk := map[int]string{}
	for i, j := range []string{"\x00\x01\x02binary\xff\xfe", "random words without any shape", `{"not":"combined"}`, "\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc", ""} {
		for k := 0; k < 50; k++ {
			b.WriteString(j + "\n")
		}
		if j != "" {
			junk[i] = j
		}
	}
	b.Write(combinedLog(20000, false, true, 0, 0))
	full := scanChunked(t, b.Bytes(), 0, nil, 0)
	// A prefilter that drops every line it can read, and keeps, as the
	// contract says (see Prefilter), a line whose fields it cannot locate.
	dropLocated := func() Prefilter {
		return func(line []byte, sh Shape) Verdict {
			var f Fields
			if sh.Layout == LayoutCombined && !sh.Locate(line, &f) {
				return Keep
			}
			return Drop
		}
	}
	fast := scanChunked(t, b.Bytes(), 0, dropLocated, 10000)
	if fast.stats.Skipped != full.stats.Skipped || fast.stats.Skipped != 200 {
		t.Errorf("fast path skipped %d lines, full parse %d, want 200", fast.stats.Skipped, full.stats.Skipped)
	}
	if fast.stats.Lines != full.stats.Lines {
		t.Errorf("fast path counted %d lines, full parse %d", fast.stats.Lines, full.stats.Lines)
	}
	if want := 40000 - fast.stats.Requests; fast.stats.Filtered > want {
		t.Errorf("%d lines filtered as requests, at most %d are", fast.stats.Filtered, want)
	}
	if len(fast.stats.FirstSkipped) == 0 || fast.stats.FirstSkipped[0].Pos.Line != 20001 {
		t.Errorf("first skipped line %v, want a.log:20001", fast.stats.FirstSkipped)
	}
	_ = fmt.Sprint(junk)
}

// The formats a regular expression reads refuse a line longer than any
// they write, before the expression runs: tried on a line of megabytes
// while the input's format was being found, each took seconds.
func TestPatternFormatsRefuseHugeLines(t *testing.T) {
	set, err := Parsers(Config{})
	if err != nil {
		t.Fatal(err)
	}
	huge := []byte(`[2026-11-24 08:52:49 +0000] [42] [INFO] 203.0.113.9 - "GET /mcp?q=` + strings.Repeat("ab c", maxPatternLine/4+1) + ` HTTP/1.1" 200`)
	pattern := 0
	for _, b := range set.list {
		switch b.p.(type) {
		case *regexParser, *haproxyParser, gunicornParser:
			pattern++
			var ev Event
			err := b.p.Parse(huge, &ev)
			if err == nil || !strings.Contains(err.Error(), "longer than") {
				t.Errorf("%s read a %d-byte line with its pattern (error %v)", b.f.Name, len(huge), err)
			}
		}
	}
	if pattern < 3 {
		t.Errorf("only %d pattern-read formats in the set: the test checks nothing", pattern)
	}
}

// Binary lines reach the full parse (which skips them and says where)
// even from a prefilter that would drop everything: the fast path tests
// each megabyte for NUL bytes and invalid UTF-8 at once, and only a
// megabyte that fails is tested line by line. Both kinds of binary line
// sit in the middle of a chunk of ordinary lines here.
func TestFastPathHandsOverBinary(t *testing.T) {
	var b bytes.Buffer
	b.Write(combinedLog(20000, false, true, 0, 0))
	for _, j := range []string{"\x00\x01\x02binary\xff\xfe", "\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc"} {
		for k := 0; k < 50; k++ {
			b.WriteString(j + "\n")
		}
	}
	b.Write(combinedLog(20000, false, true, 0, 0))
	dropAll := func() Prefilter { return func([]byte, Shape) Verdict { return Drop } }
	fast := scanChunked(t, b.Bytes(), 0, dropAll, 10000)
	if fast.stats.Skipped != 100 {
		t.Errorf("fast path skipped %d lines, want the 100 binary ones", fast.stats.Skipped)
	}
}
