package parse

import (
	"errors"
	"regexp"
	"strings"
)

// genericParser is the last resort for lines in no known format: what
// people paste (a Markdown list or table, arrows, key=value pairs, a
// hosting platform's request summary, lines with comments after them),
// middleware lines, timestamped app lines. It reads a line field by
// field (paste.go): a line is a request when it has a path (or a URL)
// and enough around it to say so: a method, a status beside it, or keys
// naming them. A line that says a request did not happen is not one. A
// line that is no request but states a fact about the flow is kept as an
// app message (format "message").
//
// It keeps two things per input: a table's header row (so a column is
// read as what its header says) and the MCP endpoint a startup line
// named (so a JSON-RPC method stands for a POST to it).
type genericParser struct {
	cfg      Config
	header   []string
	endpoint string
}

var (
	// Words that may stand before a request with no status written
	// ("Started POST …", "--> GET /"), besides tags, levels and arrows.
	leadWords = map[string]bool{"started": true, "processing": true, "incoming": true, "request": true, "received": true,
		"handling": true, "req": true, "calling": true, "new": true, "got": true, "inbound": true, "serving": true}
	// Words that may follow one ("… for 203.0.113.9 at 2026-…").
	tailWords = map[string]bool{"for": true, "from": true, "at": true, "via": true, "by": true, "on": true}
	// Words between a path and its status when no method is written
	// ("/token – 400", "/mcp returned 401").
	statusWords = map[string]bool{"returned": true, "returns": true, "return": true, "got": true, "status": true, "gave": true,
		"answered": true, "responded": true, "response": true, "with": true, "is": true, "was": true, "code": true, "http": true}
	levelWords = map[string]bool{"TRACE": true, "DEBUG": true, "INFO": true, "WARN": true, "WARNING": true, "ERROR": true,
		"FATAL": true, "CRITICAL": true, "NOTICE": true, "ERR": true, "DBG": true, "INF": true, "WRN": true}
	// Words before a number that make it something else than a status.
	notStatusBefore = map[string]bool{"in": true, "took": true, "line": true, "port": true, "pid": true, "size": true,
		"length": true, "after": true, "retry": true, "attempt": true, "of": true, "#": true, "bytes": true, "took:": true}
	// Edge actions that mean the edge answered and the origin never saw it.
	blockingActions = map[string]bool{"block": true, "blocked": true, "deny": true, "denied": true, "drop": true, "challenge": true,
		"managed_challenge": true, "js_challenge": true, "jschallenge": true, "interactive_challenge": true, "challenged": true,
		"captcha": true, "rate_limit": true, "ratelimit": true, "managedchallenge": true}
)

func (p *genericParser) Parse(line []byte, ev *Event) error {
	text := stripANSI(line)
	if hdr, rule := tableKind(text); rule {
		if hdr != nil {
			p.header = hdr
		}
		return errNotRecord // a table's header or rule, a code fence
	}
	if strings.Contains(text, "://") {
		if m := ServesAtPattern.FindStringSubmatch(text); m != nil {
			p.endpoint = m[1]
		}
	}
	pl := p.cfg.readPasted(text, p.header)
	if pl.outboundLine(text) {
		return p.outbound(pl, text, ev)
	}
	if err := pl.findRequest(); err != nil {
		if pl.standsFor(p.endpoint) {
			return p.request(pl, text, ev)
		}
		return p.message(pl, text, ev, err)
	}
	return p.request(pl, text, ev)
}

// request fills ev from a line found to be a request.
func (p *genericParser) request(pl *pasted, text string, ev *Event) error {
	ev.Format, ev.Bytes = "generic", -1
	pl.lt.apply(ev)
	ev.Method, ev.MethodAssumed = pl.method, pl.method == ""
	if pl.target != "" {
		setTarget(ev, pl.target)
		if !strings.HasPrefix(ev.Path, "/") {
			// "mcp.example.com/mcp": a URL without its scheme
			setTarget(ev, "https://"+pl.target)
		}
	} else {
		// named by its role or its JSON-RPC method, not recorded
		ev.Format, ev.Named, ev.PathAssumed = "message", true, true
		ev.Path = pl.rolePath
	}
	if ev.Method == "" {
		ev.Method = assumeMethod(ev.Path, pl.rpc)
	}
	if pl.host != "" {
		ev.Host = pl.host
	}
	ev.Status = pl.status
	ev.RPCMethod = pl.rpc
	pl.findPeer()
	ev.Peer, ev.ForwardedFor = pl.peer, pl.xff
	if pl.connIP.IsValid() {
		ev.ConnectingIP, ev.ConnectingIPHeader = pl.connIP, pl.connHeader
	}
	pl.findUA()
	ev.UserAgent, ev.UAKnown = pl.ua, pl.uaKnown
	ev.RequestID, ev.RayID = pl.reqID, pl.ray
	ev.Authorization = pl.auth
	ev.ContentType, ev.WWWAuthenticate, ev.HasWWWAuth = pl.ct, pl.www, pl.hasWWW
	ev.Location, ev.Referer, ev.Proto = pl.location, pl.referer, pl.proto
	pl.findDuration()
	ev.Duration, ev.HasDuration = pl.dur, pl.hasDur
	ev.Level = pl.levelWord()
	ev.Message = pl.after()
	ev.Signals = SignalsOf(text)
	if pl.action != "" {
		ev.Format = "generic-edge"
		ev.EdgeAction, ev.EdgeRule, ev.EdgeSource = pl.action, pl.rule, pl.service
		if ev.EdgeRule == "" {
			ev.EdgeRule = pl.service
		}
		ev.EdgeBlocked = blockingActions[pl.action]
	}
	if strings.Contains(text, segSep) {
		ev.Text = strings.ReplaceAll(text, segSep, " ⏎ ")
	}
	return nil
}

// message keeps a line that is no request but states a fact about the
// flow ("Auth: missing Authorization header", "token issued to c_1").
func (p *genericParser) message(pl *pasted, text string, ev *Event, why error) error {
	sig := SignalsOf(text) | pl.tableSignals(p.header)
	if pl.msg != "" {
		sig |= SignalsOf(pl.msg)
	}
	if sig == 0 {
		return why
	}
	ev.Format, ev.Bytes = "message", -1
	pl.lt.apply(ev)
	ev.Message = pl.messageText()
	ev.Level = pl.levelWord()
	ev.Signals = sig
	if pl.location != "" {
		ev.Location = pl.location
	} else if lm := inlineLocation.FindStringSubmatch(text); lm != nil {
		ev.Location = lm[1]
	}
	if strings.Contains(text, segSep) {
		ev.Text = strings.ReplaceAll(text, segSep, " ⏎ ")
	}
	return nil
}

var (
	inlineLocation = regexp.MustCompile(`(?i)location:\s*(\S+)`)
	// genericRequest finds "METHOD /path" in a message (other parsers
	// use it: a JSON record whose request is in its words).
	genericRequest = regexp.MustCompile(`\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(/[^\s"'<>` + "`" + `]*|https?://[^\s"'<>` + "`" + `]+)`)
)

// findRequest decides whether the line records a request: it finds the
// target, its method and its status, and the notes around them.
func (pl *pasted) findRequest() error {
	toks := pl.toks
	// Prose after the request starts at a comment mark.
	if !pl.targetKeyed {
		pl.pairMethod()
	}
	if !pl.targetKeyed && pl.targetAt < 0 {
		for i, t := range toks {
			if t.kind == tkComment {
				break
			}
			if t.kind == tkPath || t.kind == tkURL {
				pl.target, pl.targetAt = t.s, i
				break
			}
		}
	}
	if pl.target == "" {
		return errors.New("no request (method and path) on the line")
	}
	from := pl.targetAt + 1
	for i := from; i < len(toks); i++ {
		if toks[i].kind == tkComment {
			pl.commentAt = i
			break
		}
	}
	end := len(toks)
	if pl.commentAt >= 0 {
		end = pl.commentAt
	}
	if pl.method == "" && pl.targetAt >= 0 {
		// The nearest method before the target, over a word or two.
		for i, n := pl.targetAt-1, 0; i >= 0 && n < 3; i-- {
			if toks[i].kind == tkMethod {
				pl.method, pl.methodAt = toks[i].s, i
				break
			}
			if toks[i].kind != tkSep {
				n++
			}
		}
	}
	if !pl.statusKeyed {
		pl.statusAt = pl.statusToken(from, end)
		if pl.statusAt < 0 && pl.methodAt >= 0 {
			pl.statusAt = pl.statusToken(pl.methodAt+1, pl.targetAt)
		}
		if pl.statusAt < 0 && pl.cellsOf() > 1 {
			// a table row without a header: the status has a cell of its own
			pl.statusAt = pl.statusToken(0, end)
		}
		if pl.statusAt >= 0 {
			pl.status = atoiStatus(toks[pl.statusAt].s)
		}
	}
	// A note of absence stands where the status would: before it, or
	// anywhere when there is none; or before the request itself.
	pl.absentAt = pl.noteOfAbsence(from, end)
	if pl.absentAt >= 0 && (pl.status == 0 || pl.statusAt >= 0 && pl.absentAt < pl.statusAt) {
		return errors.New("a note about a request, not a request")
	}
	if pl.targetAt > 0 && pl.noteOfAbsence(0, pl.targetAt) >= 0 && !pl.statusKeyed {
		return errors.New("a note about a request, not a request")
	}
	switch {
	case pl.method != "" && pl.status != 0:
		return nil
	case pl.method != "":
		if pl.bare(end) {
			return nil
		}
		return errors.New("a path mentioned without a status")
	case pl.targetKeyed && (pl.statusKeyed || pl.action != ""):
		return nil // method=… missing, but path= and status= (or an edge's action) say it
	case pl.status != 0 && pl.statusAt > pl.targetAt && pl.targetAt >= 0 && pl.adjacent(pl.targetAt, pl.statusAt):
		return nil // "/token – 400"
	case pl.targetAt >= 0 && toks[pl.targetAt].kind == tkURL && browserURL(pl.target) && pl.alone():
		return nil // an authorization or callback URL copied from a browser: a GET, its answer unknown
	}
	return errors.New("a path mentioned without a method or a status beside it")
}

// cellsOf is how many segments (cells, joined lines) the line has.
func (pl *pasted) cellsOf() int {
	if len(pl.toks) == 0 {
		return 0
	}
	return pl.toks[len(pl.toks)-1].seg + 1
}

// pairMethod finds a method and the target it leads to, over what a
// request summary puts between them: a status, a size and a latency with
// their units, a user agent ("POST 201 511 B 41 ms python-httpx/0.28.1
// https://…", "[GET] 302 mcp.example.com/authorize").
func (pl *pasted) pairMethod() {
	toks := pl.toks
	for i := 0; i < len(toks); i++ {
		if toks[i].kind == tkComment {
			return
		}
		if toks[i].kind != tkMethod {
			continue
		}
		for j, n := i+1, 0; j < len(toks) && n < 10; j, n = j+1, n+1 {
			switch t := toks[j]; {
			case t.kind == tkPath || t.kind == tkURL || t.kind == tkHostPath:
				pl.target, pl.targetAt = t.s, j
				if pl.method == "" {
					pl.method, pl.methodAt = toks[i].s, i
				}
				return
			case t.kind == tkProduct:
				j = pl.agentEnd(j, len(toks)) - 1
			case t.kind == tkStatus || t.kind == tkNumber || t.kind == tkSep || t.kind == tkProto:
			case t.kind == tkWord && isUnit(t.s):
			default:
				j = len(toks) // something else: not this method's target
			}
		}
	}
}

// statusToken finds the first status in toks[from:end) that is not a
// size, a duration or a line number.
func (pl *pasted) statusToken(from, end int) int {
	for i := from; i < end && i < len(pl.toks); i++ {
		t := pl.toks[i]
		if t.kind != tkStatus {
			continue
		}
		if isUnit(t.unit) && t.unit != "b" || t.unit == "bytes" {
			continue
		}
		if i > 0 && notStatusBefore[strings.ToLower(pl.toks[i-1].s)] {
			continue
		}
		return i
	}
	return -1
}

// noteOfAbsence finds the token where a note of absence starts in
// toks[from:end), or -1.
func (pl *pasted) noteOfAbsence(from, end int) int {
	if from >= end {
		return -1
	}
	var b strings.Builder
	starts := make([]int, 0, end-from)
	for i := from; i < end && i < len(pl.toks); i++ {
		starts = append(starts, b.Len())
		b.WriteString(pl.toks[i].raw)
		b.WriteByte(' ')
		if b.Len() > 4096 {
			break
		}
	}
	m := absenceNote.FindStringIndex(b.String())
	if m == nil {
		return -1
	}
	for j := len(starts) - 1; j >= 0; j-- {
		if starts[j] <= m[0] {
			return from + j
		}
	}
	return from
}

// bare: nothing but tags, levels, arrows and a known lead word before
// the method, and nothing but a protocol, an address, a time or a user
// agent after the target: a request line whose status was not logged.
func (pl *pasted) bare(end int) bool {
	lead := 0
	for i := 0; i < pl.methodAt; i++ {
		t := pl.toks[i]
		switch t.kind {
		case tkSep, tkStamp, tkAddr, tkNumber:
			continue
		case tkWord:
			if tagLike(t.raw) || levelWords[strings.ToUpper(strings.Trim(t.s, ":"))] || leadWords[strings.ToLower(t.s)] {
				lead++
				continue
			}
		}
		return false
	}
	if lead > 4 {
		return false
	}
	// `"POST /mc` and the line ends: a request line cut short, not one
	// whose status was not logged.
	if pl.methodAt >= 0 && pl.targetAt >= 0 && strings.HasPrefix(pl.toks[pl.methodAt].raw, `"`) && !strings.HasSuffix(pl.toks[pl.targetAt].raw, `"`) {
		closed := false
		for i := pl.targetAt + 1; i < end && !closed; i++ {
			closed = strings.Contains(pl.toks[i].raw, `"`)
		}
		if !closed {
			return false
		}
	}
	for i := pl.targetAt + 1; i < end; i++ {
		t := pl.toks[i]
		switch t.kind {
		case tkProduct:
			i = pl.agentEnd(i, end) - 1
			continue
		case tkProto, tkAddr, tkStamp, tkSep, tkNumber:
			continue
		case tkWord:
			if tailWords[strings.ToLower(t.s)] || levelWords[t.s] {
				continue
			}
		}
		return false
	}
	return true
}

func tagLike(raw string) bool {
	return strings.HasPrefix(raw, "[") && strings.HasSuffix(raw, "]") || strings.HasSuffix(raw, ":") && len(raw) > 1 && !strings.Contains(raw, " ")
}

// adjacent: only arrows, dashes and words like "returned" between a path
// and a status.
func (pl *pasted) adjacent(a, b int) bool {
	words := 0
	for i := a + 1; i < b; i++ {
		t := pl.toks[i]
		switch {
		case t.kind == tkSep, t.kind == tkProto:
		case t.kind == tkWord && statusWords[strings.ToLower(t.s)]:
			words++
		default:
			return false
		}
	}
	return words <= 2
}

// alone: the URL is all the line holds (a time and decoration aside).
func (pl *pasted) alone() bool {
	for i, t := range pl.toks {
		if i != pl.targetAt && t.kind != tkSep && t.kind != tkStamp && t.kind != tkMethod {
			return false
		}
	}
	return true
}

// browserURL: an authorization request, a URL a person copies from the
// browser's address bar or its developer tools: the browser's GET to the
// server. Claude's own callback URL is not one: the browser sent it to
// Claude, never to the server; it stays an app message whose signals say
// the server redirected there with a code.
func browserURL(u string) bool {
	l := strings.ToLower(u)
	rest, _ := cutScheme(l)
	host, _, _ := strings.Cut(rest, "/")
	if host == "claude.ai" || host == "claude.com" || strings.HasSuffix(host, ".claude.ai") {
		return false
	}
	path, query, _ := strings.Cut(l, "?")
	return strings.Contains(query, "response_type=") || strings.Contains(query, "redirect_uri=") ||
		strings.HasSuffix(path, "/authorize")
}

// findUA finds an unlabelled user agent: a product word
// ("python-httpx/0.28.1", "Mozilla/5.0 (…) … Safari/537.36") or a known
// versionless one ("Claude-User"), outside any comment.
func (pl *pasted) findUA() {
	if pl.uaKnown {
		return
	}
	end := len(pl.toks)
	if pl.commentAt >= 0 {
		end = pl.commentAt
	}
	for i := 0; i < end; i++ {
		if pl.toks[i].kind != tkProduct || i == pl.targetAt {
			continue
		}
		pl.ua, pl.uaKnown = pl.agentFrom(i, end), true
		return
	}
}

// agentFrom reads the user agent that starts at token i (see agentEnd).
func (pl *pasted) agentFrom(i, end int) string {
	var b strings.Builder
	b.WriteString(pl.toks[i].s)
	pl.agentWalk(i, end, func(raw string) {
		b.WriteByte(' ')
		b.WriteString(strings.Trim(raw, "\"'`"))
	})
	return b.String()
}

// agentEnd is the token after the user agent that starts at token i.
func (pl *pasted) agentEnd(i, end int) int { return pl.agentWalk(i, end, func(string) {}) }

// agentWalk follows a user agent from its product word at token i over
// the comments and products after it ("Mozilla/5.0 (X11; Linux) … Safari/537.36"),
// up to a comma, the end of its cell or a bracket it did not open,
// giving each word after the first (its wrapping removed); it returns
// the index after the last.
func (pl *pasted) agentWalk(i, end int, word func(string)) int {
	first := pl.toks[i]
	if strings.HasSuffix(strings.TrimRight(first.raw, ")]"), ",") {
		return i + 1
	}
	depth := 0
	j := i + 1
	for ; j < end && j < i+48; j++ {
		t := pl.toks[j]
		if t.seg != first.seg {
			break
		}
		if depth == 0 && !strings.HasPrefix(t.raw, "(") && t.kind != tkProduct {
			break
		}
		raw := t.raw
		opens, closes := strings.Count(raw, "("), strings.Count(raw, ")")
		stop := false
		if depth+opens-closes < 0 {
			// a bracket around the whole user agent closes here
			raw = strings.TrimRight(raw, ")],")
			stop = true
		} else {
			depth += opens - closes
		}
		if depth == 0 && strings.HasSuffix(raw, ",") {
			raw = strings.TrimSuffix(raw, ",")
			stop = true
		}
		word(raw)
		if stop {
			return j + 1
		}
	}
	return j
}

// findPeer takes the first address written, outside any comment, as the
// client's when no key named one.
func (pl *pasted) findPeer() {
	if pl.peer.IsValid() {
		return
	}
	for i, t := range pl.toks {
		if i == pl.commentAt {
			return
		}
		if t.kind == tkAddr {
			pl.peer = ParseAddr(t.s)
			return
		}
	}
}

// findDuration finds "in 12ms", "(12.3 ms)", "took 1.2s" after the target.
func (pl *pasted) findDuration() {
	if pl.hasDur {
		return
	}
	// anywhere: a summary writes the latency before the URL, a table in
	// a cell of its own
	for i := 0; i < len(pl.toks); i++ {
		if i == pl.commentAt {
			return
		}
		t := pl.toks[i]
		if t.kind != tkNumber && t.kind != tkStatus {
			continue
		}
		v, unit := t.s, t.unit
		if n := numPrefix(v); n < len(v) {
			v, unit = v[:n], strings.ToLower(v[n:])
		}
		switch unit {
		case "ms", "s", "us", "µs", "ns", "sec", "secs":
		default:
			continue
		}
		if unit == "sec" || unit == "secs" {
			unit = "s"
		}
		if d, ok := durationValue(v+unit, false); ok {
			pl.dur, pl.hasDur = d, true
			return
		}
	}
}

func numPrefix(s string) int {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && s[i] != '.' {
			return i
		}
	}
	return len(s)
}

func (pl *pasted) levelWord() string {
	if pl.level != "" {
		return pl.level
	}
	for i, t := range pl.toks {
		if i > 3 || i == pl.methodAt || i == pl.targetAt {
			break
		}
		if w := strings.ToUpper(strings.Trim(t.s, ":[]")); levelWords[w] {
			return w
		}
	}
	return ""
}

// after is what the line says after the request: its message.
func (pl *pasted) after() string {
	if pl.msg != "" {
		return pl.msg
	}
	if pl.targetAt < 0 {
		return ""
	}
	var b strings.Builder
	for i := pl.targetAt + 1; i < len(pl.toks) && b.Len() < 1024; i++ {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(pl.toks[i].raw)
	}
	return b.String()
}

// messageText is an app message's words: a keyed message, or the line
// without its time and decoration.
func (pl *pasted) messageText() string {
	if pl.msg != "" {
		return pl.msg
	}
	return pl.plain
}

// assumeMethod is the method a request without one written most likely
// had: POST for the endpoints clients post to (token, registration, the
// MCP endpoint, a JSON-RPC call), GET for the rest (metadata, the
// browser's pages, an SSE stream).
func assumeMethod(path, rpc string) string {
	if rpc != "" {
		return "POST"
	}
	lp := strings.ToLower(path)
	if strings.Contains(lp, "/.well-known/") {
		return "GET"
	}
	last := lp
	if i := strings.LastIndexByte(strings.TrimSuffix(lp, "/"), '/'); i >= 0 {
		last = strings.TrimSuffix(lp[i+1:], "/")
	}
	switch {
	case last == "token" || last == "register" || last == "registration" || last == "messages" || last == "message":
		return "POST"
	case last == "sse":
		return "GET"
	case strings.Contains(last, "mcp"):
		return "POST"
	}
	return "GET"
}
