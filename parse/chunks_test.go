package parse

import (
	"bytes"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"
)

// combinedLog writes n combined lines, a few of them marked as the
// connector's (python-httpx), with optional oddities.
func combinedLog(n int, crlf, finalNewline bool, longAt int, longLen int) []byte {
	var b bytes.Buffer
	eol := "\n"
	if crlf {
		eol = "\r\n"
	}
	t := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		ua := "Mozilla/5.0 (X11; Linux x86_64) Firefox/146.0"
		if i%997 == 0 {
			ua = "python-httpx/0.28.1"
		}
		path := fmt.Sprintf("/page/%d", i)
		if i == longAt {
			path = "/" + strings.Repeat("a", longLen)
		}
		fmt.Fprintf(&b, "198.51.100.%d - - [%s] \"GET %s HTTP/1.1\" 200 512 \"-\" \"%s\"", i%250+1, t.Add(time.Duration(i)*time.Second).Format("02/Jan/2006:15:04:05 -0700"), path, ua)
		if i < n || finalNewline {
			b.WriteString(eol)
		}
	}
	return b.Bytes()
}

type scanResult struct {
	stats  Stats
	events []string
}

func scanChunked(t *testing.T, data []byte, max int, f PrefilterFactory, after int) scanResult {
	t.Helper()
	ps, err := Parsers(Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := NewScanner(bytes.NewReader(data), "a.log", ps, max)
	defer s.Close()
	if f != nil {
		s.SetPrefilter(f, after, nil)
	}
	var r scanResult
	for s.Next() {
		e := s.Event()
		r.events = append(r.events, fmt.Sprintf("%d %s %s %s", e.Pos.Line, e.Time.Format(time.RFC3339), e.Path, e.UserAgent))
	}
	r.stats = s.Stats()
	return r
}

func keepAll() Prefilter { return func([]byte, Shape) Verdict { return Keep } }
func dropAll() Prefilter { return func([]byte, Shape) Verdict { return Drop } }
func byUA() Prefilter {
	return func(l []byte, _ Shape) Verdict {
		if bytes.Contains(l, []byte("httpx")) {
			return Keep
		}
		return Drop
	}
}

// With a filter that keeps everything, the fast path yields exactly what
// reading line by line does, whatever the input's shape.
func TestChunkedReadingMatchesLineByLine(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		n                    int
		crlf, finalNL        bool
		longAt, longLen, max int
	}{
		{"plain", 15000, false, true, 0, 0, 0},
		{"crlf", 15000, true, true, 0, 0, 0},
		{"no final newline", 15000, false, false, 0, 0, 0},
		{"a long line inside a chunk", 15000, false, true, 12000, 5000, 4096},
		{"a line longer than a chunk", 15000, false, true, 12000, 3 << 20, 1 << 20},
		{"the long line last", 15000, false, false, 15000, 3 << 20, 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := combinedLog(tc.n, tc.crlf, tc.finalNL, tc.longAt, tc.longLen)
			slow := scanChunked(t, data, tc.max, nil, 0)
			fast := scanChunked(t, data, tc.max, keepAll, 1000)
			if fast.stats.Lines != slow.stats.Lines || fast.stats.Skipped != slow.stats.Skipped || fast.stats.Filtered != 0 {
				t.Errorf("stats: fast %+v, slow %+v", fast.stats, slow.stats)
			}
			if len(fast.events) != len(slow.events) {
				t.Fatalf("%d events, want %d", len(fast.events), len(slow.events))
			}
			for i := range slow.events {
				if fast.events[i] != slow.events[i] {
					t.Fatalf("event %d: %q, want %q", i, fast.events[i], slow.events[i])
				}
			}
			if tc.longAt > 0 && (len(slow.stats.FirstSkipped) == 0 || slow.stats.FirstSkipped[0].Pos.Line != tc.longAt) {
				t.Errorf("the long line is not reported at %d: %+v", tc.longAt, slow.stats.FirstSkipped)
			}
		})
	}
}

// Dropped lines are counted, never lost from the totals; the lines the
// filter keeps, a sample, and the input's last line are parsed.
func TestChunkedFilteringCounts(t *testing.T) {
	data := combinedLog(50000, false, true, 0, 0)
	slow := scanChunked(t, data, 0, nil, 0)
	fast := scanChunked(t, data, 0, byUA, 5000)
	if fast.stats.Lines != slow.stats.Lines {
		t.Errorf("lines %d, want %d", fast.stats.Lines, slow.stats.Lines)
	}
	if fast.stats.Filtered+fast.stats.Events != fast.stats.Lines {
		t.Errorf("filtered %d + events %d != lines %d", fast.stats.Filtered, fast.stats.Events, fast.stats.Lines)
	}
	if !fast.stats.Last.Equal(slow.stats.Last) || !fast.stats.First.Equal(slow.stats.First) {
		t.Errorf("span %v..%v, want %v..%v", fast.stats.First, fast.stats.Last, slow.stats.First, slow.stats.Last)
	}
	kept := map[string]bool{}
	for _, e := range fast.events {
		kept[e] = true
	}
	for _, e := range slow.events {
		if strings.Contains(e, "httpx") && !kept[e] {
			t.Errorf("a connector line was lost: %s", e)
		}
	}
	drop := scanChunked(t, data, 0, dropAll, 5000)
	if drop.stats.Events > 5000+50000/sampleEvery+2 {
		t.Errorf("%d events parsed with a filter that drops everything", drop.stats.Events)
	}
}

// An input abandoned half-way leaves no goroutine behind.
func TestChunkedReadingStopsWhenAbandoned(t *testing.T) {
	data := combinedLog(200000, false, true, 0, 0)
	before := runtime.NumGoroutine()
	ps, _ := Parsers(Config{})
	s := NewScanner(bytes.NewReader(data), "a.log", ps, 0)
	s.SetPrefilter(keepAll, 100, nil)
	for i := 0; i < 500 && s.Next(); i++ {
	}
	s.Close()
	s.Close()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left, %d before", n, before)
	}
}

func BenchmarkScanNginxFastPath(b *testing.B) {
	data := combinedLog(200000, false, true, 0, 0)
	ps, _ := Parsers(Config{})
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ps, _ = Parsers(Config{})
		s := NewScanner(bytes.NewReader(data), "a.log", ps, 0)
		s.SetPrefilter(byUA, 1000, nil)
		for s.Next() {
		}
		s.Close()
	}
}

func BenchmarkScanNginxFull(b *testing.B) {
	data := combinedLog(200000, false, true, 0, 0)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ps, _ := Parsers(Config{})
		s := NewScanner(bytes.NewReader(data), "a.log", ps, 0)
		for s.Next() {
		}
	}
}

// A Weak line's time and peer are read by the worker that judged it; the
// scanner asks about each in order, in UTC, with the line's own peer, even
// where neighbours share a second (the worker remembers the last time it
// read) or the zone changes, and parses the ones it is told to. A line
// whose time cannot be read is parsed (or skipped, saying where) without
// asking. Both layouts whose times the worker reads: nginx's combined and
// Caddy's JSON (an epoch).
func TestWeakLinesAskedWithTheirTimeAndPeer(t *testing.T) {
	combined := func(b *bytes.Buffer, at time.Time, zone *time.Location, peer string, bad bool) {
		stamp := at.In(zone).Format("02/Jan/2006:15:04:05 -0700")
		if bad {
			stamp = "24/Nov/2026:99:00:00 +0000"
		}
		fmt.Fprintf(b, "%s - - [%s] \"GET /login HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0\"\n", peer, stamp)
	}
	caddy := func(b *bytes.Buffer, at time.Time, _ *time.Location, peer string, bad bool) {
		ts := fmt.Sprintf("%d.%03d", at.Unix(), at.Nanosecond()/1e6)
		if bad {
			ts = `"soon"`
		}
		fmt.Fprintf(b, `{"level":"info","ts":%s,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"%s","method":"GET","host":"mcp.example.com","uri":"/login","headers":{"User-Agent":["Mozilla/5.0"]}},"status":200,"size":5}`+"\n", ts, peer)
	}
	for _, tt := range []struct {
		name  string
		write func(b *bytes.Buffer, at time.Time, zone *time.Location, peer string, bad bool)
	}{{"combined", combined}, {"caddy", caddy}} {
		t.Run(tt.name, func(t *testing.T) { weakLinesAsked(t, tt.write) })
	}
}

func weakLinesAsked(t *testing.T, write func(b *bytes.Buffer, at time.Time, zone *time.Location, peer string, bad bool)) {
	var b bytes.Buffer
	t0 := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	type line struct {
		at   time.Time
		peer string
	}
	var want []line
	for i := 0; i < 3000; i++ {
		at := t0.Add(time.Duration(i/3) * time.Second) // three lines a second
		zone := time.UTC
		if i%5 == 0 {
			zone = time.FixedZone("", 2*3600)
		}
		peer := fmt.Sprintf("198.51.100.%d", i%200+1)
		write(&b, at, zone, peer, i == 2500)
		if i >= 100 && i != 2500 {
			want = append(want, line{at, peer})
		}
	}
	ps, err := Parsers(Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := NewScanner(bytes.NewReader(b.Bytes()), "a.log", ps, 1<<16)
	defer s.Close()
	var asked []line
	weak := func() Prefilter { return func([]byte, Shape) Verdict { return Weak } }
	s.SetPrefilter(weak, 100, func(at time.Time, peer netip.Addr) bool {
		if at.Location() != time.UTC {
			t.Errorf("asked with a time in %v, want UTC", at.Location())
		}
		asked = append(asked, line{at, peer.String()})
		return at.Second()%2 == 0
	})
	parsed, odd := 0, false
	for s.Next() {
		if s.Event().Pos.Line > 100 {
			parsed++
		}
		odd = odd || s.Event().Pos.Line == 2501
	}
	for _, sk := range s.Stats().FirstSkipped {
		odd = odd || sk.Pos.Line == 2501
	}
	if !odd {
		t.Error("the line whose time cannot be read was neither parsed nor skipped")
	}
	// Lines sampled by the fast path (one in 1,024) and the last line are
	// parsed without asking; every other Weak line is asked about.
	if len(asked) < len(want)-5 || len(asked) > len(want) {
		t.Fatalf("asked about %d lines, want about %d", len(asked), len(want))
	}
	j := 0
	for _, a := range asked {
		for j < len(want) && !want[j].at.Equal(a.at) || j < len(want) && want[j].peer != a.peer {
			j++
		}
		if j == len(want) {
			t.Fatalf("asked about %v from %s, which is not the next line of the log", a.at, a.peer)
		}
		j++
	}
	if parsed < len(asked)/2-10 || parsed > len(asked)/2+10 {
		t.Errorf("parsed %d of the %d lines asked about, want those at an even second (about half)", parsed, len(asked))
	}
}

// Lines the fast path keeps are redacted by the worker that kept them;
// what the scanner hands on is the same as redacting on its own
// goroutine: no secret of a kept line survives, lines without one are
// unchanged, and a joined record would be redacted whole.
func TestFastPathRedactsKeptLines(t *testing.T) {
	var b bytes.Buffer
	t0 := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	const secret = "sk_live_51Hq8JpLkT0pSecretValue9x"
	for i := 0; i < 6000; i++ {
		path := fmt.Sprintf("/page/%d", i)
		if i%7 == 0 {
			path = "/token?client_secret=" + secret + "&code=c0de" + fmt.Sprint(i)
		}
		fmt.Fprintf(&b, "198.51.100.%d - - [%s] \"POST %s HTTP/1.1\" 200 5 \"-\" \"python-httpx/0.28.1\"\n", i%200+1, t0.Add(time.Duration(i)*time.Second).Format("02/Jan/2006:15:04:05 -0700"), path)
	}
	keepSecrets := func() Prefilter {
		return func(l []byte, _ Shape) Verdict {
			if bytes.Contains(l, []byte("/token")) {
				return Keep
			}
			return Drop
		}
	}
	r := scanChunked(t, b.Bytes(), 1<<16, keepSecrets, 100)
	tokens := 0
	for _, e := range r.events {
		if strings.Contains(e, secret) {
			t.Fatalf("a kept line's secret survived the fast path: %s", e)
		}
		if strings.Contains(e, "/token") {
			tokens++
		}
	}
	if want := 6000 / 7; tokens < want-2 {
		t.Errorf("%d token requests reached the analysis, want about %d", tokens, want)
	}
	ps, err := Parsers(Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := NewScanner(bytes.NewReader(b.Bytes()), "a.log", ps, 1<<16)
	defer s.Close()
	s.SetPrefilter(keepSecrets, 100, nil)
	for s.Next() {
		if e := s.Event(); strings.Contains(e.Text, secret) || strings.Contains(e.RawQuery, secret) {
			t.Fatalf("line %d kept its secret: %q", e.Pos.Line, e.Text)
		}
	}
}
