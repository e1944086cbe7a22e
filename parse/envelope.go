package parse

import (
	"bytes"
	"regexp"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// What container runtimes and log shippers put around a line of another
// format. The Scanner removes it before any parser sees the line, so
// that every format reads the same line bare, in a file or in a
// container's output alike.

// Container runtimes put their own prefix before each line: CRI's
// "<time> stdout F <line>" and docker compose's "service-1  | <line>".
var (
	criPrefix     = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}T\S+) (?:stdout|stderr) [FP] `)
	composePrefix = regexp.MustCompile(`^[A-Za-z0-9][\w.-]*\s+\| `)
)

// unwrapped is a line without its wrapping, and the wrapper's time.
type unwrapped struct {
	line    []byte
	when    time.Time // the wrapper's time, used when the line has none
	wrapped bool      // a prefix or an envelope was removed
}

// unwrap removes a container prefix and opens a JSON envelope (Docker's
// json-file, journald's JSON export, Cloud Logging's textPayload). The
// line inside an envelope is redacted again: JSON escapes may have hidden
// a secret from the first pass.
func unwrap(line []byte) unwrapped {
	u := unwrapped{line: line}
	// Cheap checks first: most lines have neither prefix.
	if bytes.Contains(line, []byte(" stdout ")) || bytes.Contains(line, []byte(" stderr ")) {
		if m := criPrefix.FindSubmatchIndex(line); m != nil {
			if t, err := time.Parse(time.RFC3339Nano, string(line[m[2]:m[3]])); err == nil {
				u.when = t.UTC()
			}
			u.line, u.wrapped = line[m[1]:], true
		}
	} else if i := bytes.Index(line, []byte(" | ")); i > 0 && i < 64 {
		if m := composePrefix.FindIndex(line); m != nil {
			u.line, u.wrapped = line[m[1]:], true
		}
	}
	if inner, when, ok := openEnvelope(u.line); ok {
		u.line, u.wrapped = Redact(inner), true
		if !when.IsZero() {
			u.when = when
		}
	}
	return u
}

// openEnvelope returns the line inside a JSON envelope and the
// envelope's time.
func openEnvelope(line []byte) ([]byte, time.Time, bool) {
	line = trimSpaceBytes(line)
	if len(line) == 0 || line[0] != '{' ||
		!(bytes.Contains(line, []byte(`"log"`)) || bytes.Contains(line, []byte(`"MESSAGE"`)) || bytes.Contains(line, []byte(`"textPayload"`))) {
		return nil, time.Time{}, false
	}
	if !gjson.ValidBytes(line) {
		return nil, time.Time{}, false
	}
	r := gjson.ParseBytes(line)
	var inner, when gjson.Result
	switch {
	case r.Get("log").Type == gjson.String && r.Get("stream").Exists():
		inner, when = r.Get("log"), r.Get("time")
	case r.Get("MESSAGE").Type == gjson.String && r.Get("__REALTIME_TIMESTAMP").Exists():
		inner, when = r.Get("MESSAGE"), r.Get("__REALTIME_TIMESTAMP")
	case r.Get("textPayload").Type == gjson.String && !r.Get("httpRequest").Exists():
		inner, when = r.Get("textPayload"), r.Get("timestamp")
	default:
		return nil, time.Time{}, false
	}
	text := strings.TrimRight(inner.String(), "\r\n")
	if text == "" {
		return nil, time.Time{}, false
	}
	return []byte(text), envelopeTime(when), true
}

// envelopeTime reads an envelope's time: RFC 3339 (Docker, Cloud
// Logging) or microseconds since 1970 as a string (journald).
func envelopeTime(v gjson.Result) time.Time {
	raw := v.Str
	if v.Type == gjson.Number {
		raw = v.Raw
	}
	if isDigitString(raw) {
		t, _ := epoch(raw)
		return t
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
