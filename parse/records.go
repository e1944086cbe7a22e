package parse

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"

	"github.com/tidwall/gjson"
)

// Records over several lines, as pastes hold them: a request line and the
// attribute lines under it ("  status: 401", "  user-agent: Claude-User"),
// a request and its response on separate lines (Rails' "Started POST …"
// … "Completed 400 …", koa's "<-- GET /" … "--> GET / 200"), a JSON
// object pretty-printed over lines, a key/value summary (a CDN's security
// event, the browser's request headers). The Scanner joins such lines
// into one before parsing, numbered by the first, when the input is a
// paste (no specific format read it). Lines between a request and its
// response that belong to neither are read after the record, in order.

const (
	// recordLines and recordBytes bound how far a record may reach.
	recordLines = 64
	recordBytes = 256 << 10
	// lookBudget: lines looked at by records that did not come
	// together, per line read.
	lookBudget = 4
)

var (
	// A request id tag before a line: Rails' tagged logging ("[8f1a…] Started …").
	idTag = regexp.MustCompile(`^\s*\[([0-9A-Za-z]{6,}(?:-[0-9A-Za-z]{2,}){0,5})\]`)
	// A response on its own line: "Completed 401 Unauthorized in 12ms",
	// "Sent 400 in 3ms", "HTTP/1.1 401 Unauthorized", "--> 401", "Response: 401".
	responseLine = regexp.MustCompile(`(?i)^\s*(?:\[[^\]]{1,64}\]\s*)*(?:[A-Z]+\s*:?\s+)?(?:completed|sent|responded|response|returned|finished|status(?: code)?|http/[\d.]+|-->|->|=>|→|←|<--)\s*:?\s*(?:[A-Z]+\s+\S+\s+)?([1-5]\d\d)\b`)
	// A line of a key/value list: "Country: United States".
	pairLine = regexp.MustCompile(`^\s*[A-Za-z][\w .()/-]{0,40}:\s+\S`)
	// Rails' and Phoenix's opening line, whose response comes later.
	startedLine = regexp.MustCompile(`(?i)\b(started|processing|incoming|<--)\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b`)
)

// pasteMode: the input is read by the lenient recognisers (or nothing
// yet), or they read most of its first lines, so its records may span
// lines.
func (s *Scanner) pasteMode() bool {
	if _, fast := s.lines.(*chunkSource); fast {
		return false // an access log on the fast path: one record a line
	}
	return s.primary < 0 || s.pasteLike || s.set.list[s.primary].f.Fallback
}

// pull takes the next line, from what was put back or the input; its
// bytes are the caller's.
func (s *Scanner) pull() (pendingLine, bool) {
	if len(s.pending) > 0 {
		p := s.pending[0]
		s.pending = s.pending[1:]
		return p, true
	}
	if !s.lines.next() {
		return pendingLine{}, false
	}
	var p pendingLine
	n, line, long := s.lines.current()
	p.n, p.long = n, long
	if !long {
		p.line = append([]byte(nil), line...)
	}
	return p, true
}

// unread puts lines back, to be read next, in their order.
func (s *Scanner) unread(lines []pendingLine) {
	if len(lines) == 0 {
		return
	}
	s.pending = append(append([]pendingLine(nil), lines...), s.pending...)
}

// assemble joins the lines of the record that starts with p (see the
// file's comment), counting the lines it took; p alone when it starts none.
//
// A record that does not come together puts back the lines it looked at,
// which are read again: the lines so spent are bounded by a multiple of
// the lines read (lookBudget), so that no input (a paste of a thousand
// "{" lines, Started lines whose Completed never comes) costs more than
// linear time.
func (s *Scanner) assemble(p pendingLine) pendingLine {
	if p.long || !s.pasteMode() || s.lookSpent > lookBudget*s.stats.Lines+recordLines*8 {
		return p
	}
	head := string(p.line)
	trimmed := strings.TrimSpace(head)
	if trimmed == "" {
		return p
	}
	var (
		joined string
		took   int
		ok     bool
	)
	switch {
	case opensJSON(trimmed):
		joined, took, ok = s.joinJSON(p)
	default:
		joined, took, ok = s.joinRecord(p)
	}
	if !ok {
		return p
	}
	s.stats.Lines += took
	p.line = []byte(joined)
	return p
}

// opensJSON: a line that begins a JSON value it does not end ("{",
// `{"level": "info",`), or ends with one a prefix leads to
// ("… request body: {").
func opensJSON(t string) bool {
	if t[len(t)-1] == '{' || t[len(t)-1] == '[' {
		return true
	}
	return (t[0] == '{' || t[0] == '[') && !gjson.Valid(t) && jsonPrefix([]byte(t))
}

// joinJSON reads the lines of a JSON value spread over lines, until its
// brackets balance. A whole object becomes one compact line (a JSON
// logger's record); one after a prefix is joined with spaces, to be read
// by its keys. Anything else puts the lines back.
func (s *Scanner) joinJSON(p pendingLine) (string, int, bool) {
	p.line = append([]byte(nil), p.line...) // the reader reuses its buffer
	var b strings.Builder
	b.Write(p.line)
	var bal jsonBalance
	start := bytes.IndexAny(p.line, "{[")
	bal.feed(p.line[start:])
	var took []pendingLine
	for bal.depth > 0 && !bal.bad && len(took) < recordLines*8 && b.Len() < recordBytes {
		next, ok := s.pull()
		if !ok {
			break
		}
		took = append(took, next)
		t := bytes.TrimSpace(next.line)
		if next.long || len(t) == 0 || !jsonContinuation(t[0]) {
			bal.bad = true
			break
		}
		b.WriteByte(' ')
		b.Write(t)
		bal.feed(t)
	}
	if bal.depth != 0 || bal.bad {
		s.lookSpent += len(took)
		s.unread(took)
		return "", 0, false
	}
	text := b.String()
	if strings.TrimSpace(text[:start]) == "" {
		var out bytes.Buffer
		if json.Compact(&out, []byte(strings.TrimSpace(text))) != nil {
			s.lookSpent += len(took)
			s.unread(took)
			return "", 0, false
		}
		return out.String(), len(took), true
	}
	if !gjson.Valid(strings.TrimSpace(text[start:])) {
		s.lookSpent += len(took)
		s.unread(took)
		return "", 0, false
	}
	return text, len(took), true
}

// jsonContinuation: a line inside pretty-printed JSON starts with a key,
// a value or a bracket.
func jsonContinuation(c byte) bool {
	return c == '"' || c == '}' || c == ']' || c == '{' || c == '[' || c == '-' || isDigit(c) || c == 't' || c == 'f' || c == 'n'
}

// jsonBalance follows brackets outside strings.
type jsonBalance struct {
	depth    int
	inString bool
	escaped  bool
	bad      bool
}

func (j *jsonBalance) feed(b []byte) {
	for _, c := range b {
		switch {
		case j.inString:
			switch {
			case j.escaped:
				j.escaped = false
			case c == '\\':
				j.escaped = true
			case c == '"':
				j.inString = false
			}
		case c == '"':
			j.inString = true
		case c == '{' || c == '[':
			j.depth++
		case c == '}' || c == ']':
			j.depth--
			if j.depth < 0 {
				j.bad = true
			}
		}
	}
	// a string never spans lines in JSON
	if j.inString {
		j.bad = true
	}
}

// lineShape is what the record joiner needs to know of a line.
type lineShape struct {
	request  bool // a method and a target
	status   bool // a status written
	attr     bool // "key: value" or key=value pairs of fields we read, nothing else
	pair     bool // "Some key: value", a key we may not read
	response bool // a response alone: a status and no target
	started  bool // an opening line whose response comes later
	id       string
	method   string
	target   string
}

func (s *Scanner) shapeOf(line []byte) lineShape {
	text := stripANSI(line)
	var sh lineShape
	if m := idTag.FindStringSubmatch(text); m != nil {
		sh.id = m[1]
	}
	if m := responseLine.FindStringSubmatch(text); m != nil {
		sh.response, sh.status = true, true
	}
	sh.started = startedLine.MatchString(text)
	if _, rule := tableKind(text); rule {
		return sh
	}
	pl := s.set.cfg.readPasted(text, nil)
	if pl.reqID != "" && sh.id == "" {
		sh.id = pl.reqID
	}
	if pl.findRequest() == nil {
		sh.request = pl.method != "" || pl.targetKeyed
		sh.status = sh.status || pl.status != 0
		sh.method, sh.target = pl.method, pl.target
		if pl.targetAt >= 0 && !pl.targetKeyed {
			sh.response = false
		}
	}
	sh.attr = pl.keyed > 0 && onlyPairs(pl)
	sh.pair = sh.attr || pairLine.MatchString(text)
	return sh
}

// onlyPairs: the line held key/value pairs and nothing else but decoration.
func onlyPairs(pl *pasted) bool {
	for _, t := range pl.toks {
		if t.kind != tkSep {
			return false
		}
	}
	return !pl.lt.found() || pl.keyed > 1
}

// joinRecord joins a request's attribute and response lines, or a block
// of key/value lines that names a request.
func (s *Scanner) joinRecord(p pendingLine) (string, int, bool) {
	head := s.shapeOf(p.line)
	if !head.request && !head.attr {
		return "", 0, false
	}
	p.line = append([]byte(nil), p.line...) // the reader reuses its buffer
	var (
		taken   []pendingLine // joined to the head
		skipped []pendingLine // lines of neither, read after the record
		size    = len(p.line)
		block   = head.attr && !head.request // a key/value block
	)
	needStatus := head.request && !head.status
	for len(taken)+len(skipped) < recordLines && size < recordBytes {
		next, ok := s.pull()
		if !ok {
			break
		}
		size += len(next.line)
		if next.long || len(bytes.TrimSpace(next.line)) == 0 {
			s.unread([]pendingLine{next})
			break
		}
		sh := s.shapeOf(next.line)
		indented := next.line[0] == ' ' || next.line[0] == '\t'
		sameID := head.id == "" || sh.id == "" || sh.id == head.id
		switch {
		case block && sh.pair && !sh.request:
			// a line of the key/value list, read or not
			taken = append(taken, next)
			continue
		case sh.attr && !sh.request && (indented || needStatus && sh.response) && sameID:
			// an attribute of the record
			taken = append(taken, next)
			if sh.status {
				needStatus = false
			}
			continue
		case needStatus && sh.response && !sh.request && (head.id == "" && !head.started || sh.id == head.id || head.started && sameID):
			// its response
			taken = append(taken, next)
			needStatus = false
			continue
		case needStatus && sh.request && sh.status && sh.method == head.method && sh.target == head.target && sameID:
			// koa: "<-- GET /mcp" then "--> GET /mcp 401 12ms"
			taken = append(taken, next)
			needStatus = false
			continue
		case needStatus && head.started && !sh.request && !sh.started:
			// Rails: "Processing by …", "Parameters: …" before "Completed"
			skipped = append(skipped, next)
			continue
		case needStatus && head.started && head.id != "" && sh.id != head.id:
			// another request's lines, interleaved
			skipped = append(skipped, next)
			continue
		}
		s.unread([]pendingLine{next})
		break
	}
	if len(taken) == 0 || block && (len(taken) < 1 || !blockNamesRequest(p.line, taken)) {
		// nothing to join: everything back, in the input's order
		s.lookSpent += len(taken) + len(skipped)
		s.unread(mergeByLine(taken, skipped))
		return "", 0, false
	}
	s.lookSpent += len(skipped)
	s.unread(skipped)
	var b strings.Builder
	b.Write(p.line)
	for _, t := range taken {
		b.WriteString(segSep)
		b.Write(t.line)
	}
	return b.String(), len(taken), true
}

// mergeByLine merges two lists of lines in line order.
func mergeByLine(a, b []pendingLine) []pendingLine {
	out := make([]pendingLine, 0, len(a)+len(b))
	for len(a) > 0 || len(b) > 0 {
		if len(b) == 0 || len(a) > 0 && a[0].n < b[0].n {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}

// blockNamesRequest: a key/value block with a path or URL key.
func blockNamesRequest(head []byte, rest []pendingLine) bool {
	lines := []string{string(head)}
	for _, r := range rest {
		lines = append(lines, string(r.line))
	}
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if m := kvLead.FindStringSubmatchIndex(line); m != nil && fieldOfKey(line[m[2]:m[3]]) == "target" {
			return true
		}
		if m := kvColon.FindStringSubmatchIndex(line); m != nil && fieldOfKey(colonKey(line, m)) == "target" {
			return true
		}
		if m := kvEquals.FindStringSubmatchIndex(line); m != nil && fieldOfKey(line[m[2]:m[3]]) == "target" {
			return true
		}
	}
	return false
}
