package parse

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/tidwall/gjson"
)

// Some logs arrive as one JSON document rather than one record per line:
// a dashboard export (a pretty-printed array), a CloudWatch export (an
// array of strings), an API response wrapping its records. A jsonDocument
// walks such a document with encoding/json's streaming decoder and hands
// each record to the parsers as one compact line, numbered by the line
// it starts on.

// isJSONDocument peeks at the input: it starts with '[' or '{' and its
// first line is not a complete JSON object (that would be NDJSON).
func isJSONDocument(br *bufio.Reader) bool {
	head, _ := br.Peek(64 << 10)
	head = bytes.TrimPrefix(head, utf8BOM)
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 || (trimmed[0] != '[' && trimmed[0] != '{') {
		return false
	}
	first := trimmed
	if i := bytes.IndexByte(trimmed, '\n'); i >= 0 {
		first = trimmed[:i]
	} else if len(head) == 64<<10 {
		return trimmed[0] == '[' // one huge line: an array is a document
	}
	first = bytes.TrimSpace(first)
	if gjson.ValidBytes(first) {
		return first[0] == '[' // one array per line is still a document
	}
	// A document's first line is the start of JSON ("[", "[{", "{"); a
	// text line that merely starts with a bracket is not: gunicorn's
	// "[2026-11-25 07:03:12 +0000] [123] [INFO] …", Envoy's
	// "[2026-…Z] "POST /mcp …"", "[mw] POST /mcp -> 401".
	if !jsonPrefix(first) {
		return false
	}
	// A paste that opens with a pretty-printed object and goes on in
	// text is read line by line (the Scanner joins the object's lines):
	// a document is JSON values only, as far as the first 64 KiB show.
	return jsonPrefix(trimmed)
}

// jsonPrefix reports whether b could begin a JSON value, or a sequence of
// them: its tokens are valid up to where b ends.
func jsonPrefix(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		_, err := dec.Token()
		switch {
		case err == nil:
			continue
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return true
		}
		return false
	}
}

type documentError struct {
	line   int
	reason string
}

func (e *documentError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.reason) }

type jsonDocument struct {
	dec     *json.Decoder
	lines   *newlineCounter
	max     int
	n       int
	line    []byte
	long    bool
	err     error
	done    bool
	array   bool // the document is an array of records
	opened  bool
	pending []json.RawMessage // records of a wrapper object, waiting
}

func newJSONDocument(br *bufio.Reader, max int) *jsonDocument {
	head, _ := br.Peek(64 << 10)
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, utf8BOM), " \t\r\n")
	nc := &newlineCounter{r: br}
	return &jsonDocument{dec: json.NewDecoder(nc), lines: nc, max: max, array: len(trimmed) > 0 && trimmed[0] == '['}
}

func (d *jsonDocument) current() (int, []byte, bool) { return d.n, d.line, d.long }
func (d *jsonDocument) error() error                 { return d.err }

func (d *jsonDocument) next() bool {
	for !d.done {
		if len(d.pending) > 0 {
			d.set(d.pending[0])
			d.pending = d.pending[1:]
			return true
		}
		if d.array && !d.opened {
			d.opened = true
			if _, err := d.dec.Token(); err != nil { // the opening '['
				d.finish(err)
				return false
			}
		}
		if !d.dec.More() {
			if d.array {
				if _, err := d.dec.Token(); err != nil { // the closing ']'
					if errors.Is(err, io.EOF) {
						err = io.ErrUnexpectedEOF // the array never closed
					}
					d.finish(err)
					return false
				}
			}
			d.finish(io.EOF)
			return false
		}
		var raw json.RawMessage
		if err := d.dec.Decode(&raw); err != nil {
			if d.array && errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // the array never closed
			}
			d.finish(err)
			return false
		}
		end := d.dec.InputOffset()
		d.n = d.lines.lineAt(end - int64(len(raw)))
		if !d.array {
			if records := wrappedRecords(raw); records != nil {
				d.pending = records
				continue
			}
		}
		d.set(raw)
		return true
	}
	return false
}

// wrappedRecords returns the records of an object that only wraps them
// ({"events": [...]}, {"result": [...]}), or nil.
func wrappedRecords(raw json.RawMessage) []json.RawMessage {
	for _, key := range []string{"events", "records", "result", "data", "logs", "items", "hits", "entries"} {
		v := gjson.GetBytes(raw, key)
		if !v.IsArray() {
			continue
		}
		var out []json.RawMessage
		v.ForEach(func(_, el gjson.Result) bool {
			out = append(out, json.RawMessage(el.Raw))
			return true
		})
		return out
	}
	return nil
}

// set turns a record into a line: a JSON string is a text line (an
// exported log line), anything else its compact JSON.
func (d *jsonDocument) set(raw json.RawMessage) {
	d.long = len(raw) > d.max
	d.line = nil
	if d.long {
		return
	}
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			d.line = []byte(s)
			return
		}
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) == nil {
		d.line = b.Bytes()
	} else {
		d.line = raw
	}
}

func (d *jsonDocument) finish(err error) {
	d.done = true
	if errors.Is(err, io.EOF) {
		return
	}
	line := d.lines.lineAt(d.dec.InputOffset())
	reason := "the JSON document is malformed here; the records before it were read"
	if errors.Is(err, io.ErrUnexpectedEOF) {
		reason = "the JSON document ends early (cut short?); the records before it were read"
	}
	d.err = &documentError{line: line, reason: reason}
}

// newlineCounter maps byte offsets of the stream to line numbers. It only
// remembers the newlines ahead of the last offset asked about, which the
// decoder's read-ahead bounds.
type newlineCounter struct {
	r        io.Reader
	read     int64
	newlines []int64 // offsets of newlines not yet passed
	passed   int     // newlines before the last offset asked about
}

func (c *newlineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			c.newlines = append(c.newlines, c.read+int64(i))
		}
	}
	c.read += int64(n)
	return n, err
}

func (c *newlineCounter) lineAt(offset int64) int {
	i := 0
	for i < len(c.newlines) && c.newlines[i] < offset {
		i++
	}
	c.passed += i
	c.newlines = c.newlines[i:]
	return c.passed + 1
}
