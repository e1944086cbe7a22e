package parse

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"runtime"
	"sync"
	"unicode/utf8"
)

// Verdict is a prefilter's answer for one line.
type Verdict uint8

const (
	// Drop: no trace of the connector; counted, not parsed.
	Drop Verdict = iota
	// Keep: parse it.
	Keep
	// Weak: a page a browser may pass through while authorizing (a login
	// or consent page); it matters only near an authorization request,
	// which the scanner asks its WantBrowserStep about.
	Weak
)

// Prefilter says, from a raw line, whether it may matter to the analysis.
// It must never drop a line that would be kept (see rules.Prefilter), and
// for a LayoutCombined shape it keeps a line whose fields it cannot
// locate, so that the full parse skips it and says where (damaged leaves
// that test to it).
// Each goroutine gets its own from a PrefilterFactory.
type Prefilter func(line []byte, sh Shape) Verdict

// PrefilterFactory makes a Prefilter for one goroutine.
type PrefilterFactory func() Prefilter

// Big inputs are read in chunks that several goroutines filter at once;
// the lines that pass come back in order.
const (
	chunkSize = 1 << 20
	// sampleEvery: one line in this many is parsed whatever the filter
	// says, so what the analysis learns from all lines (whether the
	// server sits behind Cloudflare, whether Authorization is logged)
	// still reaches it.
	sampleEvery = 1024
)

// span is a line a worker wants parsed (or reports as too long).
type span struct {
	off, n, line int
	long, weak   bool
	stamp        stamp // a Weak line's time and peer
	// redacted: the worker redacted the line already (Redact), and red
	// holds the result where it differs from the line: the scanner's own
	// goroutine, which parses the kept lines one by one, had spent a
	// third of a proxied busy day redacting them.
	redacted bool
	red      []byte
}

type chunk struct {
	buf      []byte
	data     []byte // whole lines; the last has no '\n'
	lines    int    // how many lines the chunk covers (its spans count from 0)
	final    bool   // the input ends with this chunk
	keep     []span
	filtered int
	blank    int // blank lines: counted, neither parsed nor filtered
	done     chan struct{}
}

// chunkSource yields the lines of an input that pass a prefilter, in
// order, reading and filtering ahead on every core. It implements
// lineSource; lines it passes over are counted in filtered.
type chunkSource struct {
	// weakWanted decides, in order, whether a Weak line is parsed.
	weakWanted func(line []byte, st stamp) bool

	results chan *chunk
	stop    chan struct{}
	pool    *sync.Pool

	cur      *chunk
	base     int // the number of the current chunk's first line
	i        int
	n        int
	line     []byte
	tooLong  bool
	redacted bool // line was redacted by the worker (span.redacted)
	filtered int
	blank    int
	err      error
	errMu    sync.Mutex
	closed   bool
}

// newChunkSource continues reading br, whose next line is numbered
// next; max is the longest line parsed.
func newChunkSource(br *bufio.Reader, next, max int, newFilter PrefilterFactory, sh Shape) *chunkSource {
	workers := runtime.GOMAXPROCS(0)
	cs := &chunkSource{
		results: make(chan *chunk, workers+1),
		stop:    make(chan struct{}),
		pool:    &sync.Pool{New: func() any { return make([]byte, 0, chunkSize+64<<10) }},
	}
	work := make(chan *chunk, workers)
	for w := 0; w < workers; w++ {
		filter := newFilter()
		go func() {
			var st stamper
			for c := range work {
				filterChunk(c, max, filter, sh, &st)
				close(c.done)
			}
		}()
	}
	cs.base = next
	go cs.read(br, max, work)
	return cs
}

// read cuts the input into chunks of whole lines, numbering them.
func (cs *chunkSource) read(br *bufio.Reader, max int, work chan<- *chunk) {
	defer close(work)
	defer close(cs.results)
	var carry []byte
	discarding := false // inside a line longer than max, until its end
	for {
		buf := cs.pool.Get().([]byte)[:0]
		if cap(buf) < len(carry)+chunkSize {
			// A long unfinished line: a bigger buffer, this once.
			buf = make([]byte, 0, len(carry)+chunkSize)
		}
		buf = append(buf, carry...)
		n, err := io.ReadFull(br, buf[len(buf):len(buf)+chunkSize])
		buf = buf[:len(buf)+n]
		eof := err != nil
		if !eof {
			// Ending exactly here makes this the final chunk: its last
			// line is the input's, which is always parsed.
			if _, perr := br.Peek(1); perr != nil {
				eof = true
			}
		}
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			cs.setErr(err)
		}
		if discarding {
			i := bytes.IndexByte(buf, '\n')
			if i < 0 && !eof {
				carry = carry[:0]
				cs.pool.Put(buf[:0])
				continue
			}
			discarding = false
			if i < 0 {
				buf = buf[:0]
			} else {
				// Moved, not resliced: the buffer goes back to the pool whole.
				buf = append(buf[:0], buf[i+1:]...)
			}
		}
		last := bytes.LastIndexByte(buf, '\n')
		var data []byte
		switch {
		case eof:
			data, carry = bytes.TrimSuffix(buf, []byte{'\n'}), nil
		case last < 0 && len(buf) > max:
			// One line longer than max: say so, and drop the rest of it.
			c := &chunk{buf: buf, lines: 1, keep: []span{{long: true}}, done: make(chan struct{})}
			close(c.done)
			discarding = true
			carry = carry[:0]
			if !cs.send(c, nil) {
				return
			}
			continue
		case last < 0:
			carry = append(carry[:0], buf...)
			cs.pool.Put(buf[:0])
			continue
		default:
			data = buf[:last]
			carry = append(carry[:0], buf[last+1:]...)
		}
		c := &chunk{buf: buf, data: data, final: eof, done: make(chan struct{})}
		if !cs.send(c, work) {
			return
		}
		if eof {
			return
		}
		if len(carry) > max {
			// The unfinished line is already too long: report it now and
			// drop the rest of it, so that no buffer grows past max.
			c := &chunk{lines: 1, keep: []span{{long: true}}, done: make(chan struct{})}
			close(c.done)
			discarding = true
			carry = carry[:0]
			if !cs.send(c, nil) {
				return
			}
		}
	}
}

func (cs *chunkSource) send(c *chunk, work chan<- *chunk) bool {
	select {
	case cs.results <- c:
	case <-cs.stop:
		return false
	}
	if work != nil {
		select {
		case work <- c:
		case <-cs.stop:
			return false
		}
	}
	return true
}

// filterChunk picks the lines of a chunk worth parsing.
func filterChunk(c *chunk, max int, filter Prefilter, sh Shape, st *stamper) {
	data := c.data
	// Text without a NUL and valid as UTF-8 as a whole is so line by
	// line: two searches over the megabyte spare two per line, whose
	// calls cost more than their bytes on short lines.
	text := bytes.IndexByte(data, 0) < 0 && utf8.Valid(data)
	off, line := 0, 0
	defer func() { c.lines = line }()
	for off <= len(data) {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data) - off
		}
		l := data[off : off+end]
		last := off+end >= len(data)
		if last && c.final && len(l) == 0 {
			break // the input's final newline
		}
		switch {
		case len(l) > max:
			c.keep = append(c.keep, span{line: line, long: true})
		case last && c.final, line%sampleEvery == 0:
			c.keep = append(c.keep, span{off: off, n: end, line: line})
		case len(bytes.TrimSpace(l)) == 0:
			c.blank++
		case damaged(trimCR(l), sh, text):
			// The full parse skips it and says where; passing over it
			// would count it as a request.
			c.keep = append(c.keep, span{off: off, n: end, line: line})
		default:
			ln := trimCR(l)
			switch filter(ln, sh) {
			case Keep:
				sp := span{off: off, n: end, line: line, redacted: true}
				if r := Redact(ln); !sameBytes(r, ln) {
					sp.red = r
				}
				c.keep = append(c.keep, sp)
			case Weak:
				c.keep = append(c.keep, span{off: off, n: end, line: line, weak: true, stamp: st.stampOf(ln, sh)})
			default:
				c.filtered++
			}
		}
		off += end + 1
		line++
	}
}

func (cs *chunkSource) setErr(err error) {
	cs.errMu.Lock()
	defer cs.errMu.Unlock()
	if cs.err == nil {
		cs.err = err
	}
}

func (cs *chunkSource) next() bool {
	for {
		if cs.cur != nil && cs.i < len(cs.cur.keep) {
			s := cs.cur.keep[cs.i]
			cs.i++
			cs.n, cs.tooLong, cs.redacted = cs.base+s.line, s.long, s.redacted
			cs.line = nil
			switch {
			case s.red != nil:
				cs.line = s.red
			case !s.long:
				cs.line = trimCR(cs.cur.data[s.off : s.off+s.n])
			}
			if s.weak && cs.weakWanted != nil && !cs.weakWanted(cs.line, s.stamp) {
				cs.filtered++
				continue
			}
			return true
		}
		if cs.cur != nil {
			cs.base += cs.cur.lines
			if cs.cur.buf != nil {
				cs.pool.Put(cs.cur.buf[:0])
			}
			cs.cur = nil
		}
		c, ok := <-cs.results
		if !ok {
			return false
		}
		<-c.done
		cs.cur, cs.i = c, 0
		cs.filtered += c.filtered
		cs.blank += c.blank
	}
}

func (cs *chunkSource) current() (int, []byte, bool) { return cs.n, cs.line, cs.tooLong }

// sameBytes: a and b are one slice (Redact returns its argument when
// nothing needed masking, assemble when it joined nothing).
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func (cs *chunkSource) error() error {
	cs.errMu.Lock()
	defer cs.errMu.Unlock()
	return cs.err
}

// filteredLines is how many lines were passed over so far.
func (cs *chunkSource) filteredLines() int { return cs.filtered }

// blankLines is how many blank lines were passed over so far.
func (cs *chunkSource) blankLines() int { return cs.blank }

// damaged tells the lines the fast path must hand to the full parse
// although no connector trace is in them: binary data, or text without
// the shape every line of the input has, which the full parse skips and
// reports with its file:line. The checks are a few byte searches.
// text says the whole chunk is known to be NUL-free UTF-8.
func damaged(l []byte, sh Shape, text bool) bool {
	if !text && (bytes.IndexByte(l, 0) >= 0 || (!utf8.Valid(l) && binaryShare(l) > 0.3)) {
		return true
	}
	switch {
	case sh.Combined && sh.Layout == LayoutCombined:
		// The prefilter locates these fields anyway, and keeps a line
		// whose fields it cannot locate (see Prefilter): testing the
		// skeleton here too cost a sixth of the fast path.
		return false
	case sh.Combined:
		return !looksCombined(l)
	case sh.TimeKey != "":
		t := bytes.TrimSpace(l)
		return t[0] != '{' || t[len(t)-1] != '}'
	}
	// Other access logs (custom nginx formats, CSV, ALB, Envoy): a
	// record has fields.
	return bytes.Count(l, []byte(" "))+bytes.Count(l, []byte(",")) < 3
}

// looksCombined: "… [time] "request" status", the skeleton of nginx's
// combined family, whatever comes before and after.
func looksCombined(l []byte) bool {
	i := bytes.IndexByte(l, '[')
	if i <= 0 || i > 512 {
		return false
	}
	j := bytes.Index(l[i:], []byte("] \""))
	if j < 0 || j > 64 {
		return false
	}
	rest := l[i+j+3:]
	k := bytes.Index(rest, []byte("\" "))
	if k < 0 {
		return false
	}
	st := rest[k+2:]
	return len(st) >= 3 && '1' <= st[0] && st[0] <= '5' && '0' <= st[1] && st[1] <= '9' && '0' <= st[2] && st[2] <= '9'
}

// close stops the goroutines of an input not read to its end.
func (cs *chunkSource) close() {
	if cs.closed {
		return
	}
	cs.closed = true
	close(cs.stop)
	for range cs.results {
	}
}

// trimCR drops a line's '\r' (a log written on Windows), inline: the
// call to bytes.TrimSuffix was measurable at millions of lines.
func trimCR(l []byte) []byte {
	if n := len(l); n > 0 && l[n-1] == '\r' {
		return l[:n-1]
	}
	return l
}
