package parse

import (
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A pasted line is read field by field, not matched against one pattern
// per shape: its decoration is removed (Markdown, bullets, numbering,
// table pipes, quotes, an editor's "Line 12:", comments after the
// request), it is cut into segments (table cells, the lines of a record
// joined by the Scanner) and words, and each field (method, path or URL,
// status, client address, user agent, time, and what key=value pairs
// name) is found on its own and by its shape, in any order. Every step is
// one pass over the line; nothing rescans it per candidate.

// pasted is what one pasted line says.
type pasted struct {
	lt lineTime

	method, target, host string
	methodAt, targetAt   int // token indexes; -1 when keyed or absent
	targetKeyed          bool
	status               int
	statusAt             int
	statusKeyed          bool

	peer       netip.Addr
	xff        []netip.Addr
	connIP     netip.Addr
	connHeader string
	ua         string
	uaKnown    bool
	reqID, ray string
	dur        time.Duration
	hasDur     bool
	auth       Presence
	ct, www    string
	hasWWW     Presence
	location   string
	referer    string
	proto      string
	level      string
	msg        string // a keyed message
	action     string // an edge's action ("block", "managed_challenge")
	rule       string // the edge rule's name or id
	service    string // the edge product ("Managed rules")
	rpc        string // a JSON-RPC method named
	keyed      int    // fields found by their key

	toks []ptok
	// absentAt is the first token of a note that a request did not
	// happen ("never called"), -1 when none.
	absentAt int
	// commentAt is the first token of prose after the request ("← probe",
	// "// 404 here"); -1 when none.
	commentAt int
	// outbound: the line is the server's own HTTP client talking.
	outbound bool
	// rest is the cleaned line without its time and its key/value
	// pairs; plain keeps the pairs (an app message's words).
	rest, plain string
	// rolePath: the path of a request named by its role, not written.
	rolePath string
	// cells are a table row's cells under its header.
	cells []string
}

type tokKind uint8

const (
	tkWord tokKind = iota
	tkMethod
	tkPath
	tkURL
	tkHostPath
	tkStatus
	tkAddr
	tkProduct // a user agent's first word ("python-httpx/0.28.1", "Claude-User")
	tkProto
	tkSep     // an arrow, a dash, a cell's edge
	tkComment // "←", "//", "#": prose follows
	tkNumber
	tkStamp // a date or a time of day inside the line
)

type ptok struct {
	s    string // without decoration
	raw  string // as written
	kind tokKind
	seg  int
	// unit is the word right after a number ("ms", "B"), lower case.
	unit string
}

var httpMethods = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "OPTIONS": true}

// versionless user agents worth knowing without a version.
var bareAgents = map[string]bool{"claude-user": true, "claudebot": true, "claude-searchbot": true, "anthropic-ai": true}

// pasteKeys maps the keys people and loggers write (lower case, only
// letters and digits) to the field they name.
var pasteKeys = map[string]string{
	"method": "method", "httpmethod": "method", "requestmethod": "method", "verb": "method", "reqmethod": "method",
	"path": "target", "url": "target", "uri": "target", "route": "target", "requesturi": "target", "requesturl": "target",
	"requestpath": "target", "target": "target", "endpoint": "target", "urlpath": "target", "pathname": "target",
	"httpurl": "target", "httppath": "target", "reqpath": "target", "requrl": "target", "requri": "target",
	"status": "status", "statuscode": "status", "code": "status", "httpstatus": "status", "responsecode": "status",
	"responsestatus": "status", "resstatus": "status", "httpstatuscode": "status", "respstatus": "status",
	"ip": "peer", "clientip": "peer", "remoteaddr": "peer", "remoteip": "peer", "client": "peer", "peer": "peer",
	"addr": "peer", "sourceip": "peer", "srcip": "peer", "ipaddress": "peer",
	"clientaddr": "peer", "clientaddress": "peer", "remote": "peer", "peeraddr": "peer", "sourceaddress": "peer",
	// (not "Remote Address": the browser's developer tools name the server's so)
	"fwd": "xff", "xff": "xff", "xforwardedfor": "xff", "forwardedfor": "xff", "forwarded": "xff", "httpxforwardedfor": "xff",
	"cfconnectingip": "connip", "trueclientip": "connip", "xrealip": "connip", "realip": "connip",
	"ua": "ua", "useragent": "ua", "agent": "ua", "httpuseragent": "ua", "clientuseragent": "ua", "clientrequestuseragent": "ua",
	"time": "time", "ts": "time", "timestamp": "time", "date": "time", "datetime": "time", "when": "time",
	"createdat": "time", "issuedat": "time", "loggedat": "time",
	"host": "host", "authority": "host", "httphost": "host", "vhost": "host", "domain": "host",
	"requestid": "reqid", "reqid": "reqid", "rid": "reqid", "xrequestid": "reqid", "requestuuid": "reqid", "correlationid": "reqid",
	"rayid": "ray", "cfray": "ray", "ray": "ray", "rayname": "ray",
	"duration": "dur", "latency": "dur", "elapsed": "dur", "took": "dur", "responsetime": "dur", "requesttime": "dur",
	"rt": "dur", "timetaken": "dur", "durationms": "durms", "elapsedms": "durms", "responsetimems": "durms",
	"latencyms": "durms", "timems": "durms", "tookms": "durms",
	"auth": "auth", "hasauth": "auth", "authorization": "auth", "authheader": "auth", "httpauthorization": "auth",
	"bearer": "auth", "mcpauth": "auth", "authpresent": "auth",
	"contenttype": "ct", "ct": "ct", "wwwauthenticate": "www", "location": "location",
	"action": "action", "actiontaken": "action", "securityaction": "action", "wafaction": "action", "edgeaction": "action",
	"rule": "rule", "ruleid": "rule", "rulename": "rule", "securityrule": "rule", "ruledescription": "rule",
	"description": "rule", "rulemessage": "rule", "service": "service", "source": "service",
	"level": "level", "severity": "level", "lvl": "level", "levelname": "level",
	"msg": "msg", "message": "msg", "error": "msg", "err": "msg", "detail": "msg", "errordescription": "msg", "reason": "msg",
	"rpc": "rpc", "rpcmethod": "rpc", "jsonrpcmethod": "rpc", "mcpmethod": "rpc",
	"protocol": "proto", "proto": "proto", "httpversion": "proto",
	"referer": "referer", "referrer": "referer",
	// read and set aside: the browser's developer tools name the server's
	// address "Remote Address"
	"remoteaddress": "ignore", "referrerpolicy": "ignore",
}

// keyName normalises a key: lower case, letters and digits only, the
// last part of a dotted path ("req.headers.user-agent" → "useragent").
func keyName(k string) string {
	if i := strings.LastIndexByte(k, '.'); i >= 0 && i < len(k)-1 {
		k = k[i+1:]
	}
	b := make([]byte, 0, len(k))
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// fieldOfKey is the field a key names, or "".
func fieldOfKey(k string) string { return pasteKeys[keyName(k)] }

var (
	editorPrefix = regexp.MustCompile(`^(?i:line|ln|l)\s?\d{1,7}\s?[:|]\s*`)
	listPrefix   = regexp.MustCompile(`^(?:>\s?)*(?:[-*•+·–]\s+|\(?\d{1,3}[.)]\s+|\[\d{1,3}\]\s+|#\d{1,3}\s+)`)
	fenceLine    = regexp.MustCompile("^(?:```|~~~)")
	tableRule    = regexp.MustCompile(`^\s*:?-{2,}:?\s*$|^\s*[+=-]{3,}(?:[+|][+=-]+)*\s*$`)
	// key=value, the key at a word's start.
	kvEquals = regexp.MustCompile(`(?:^|[\s,;({\[])([A-Za-z_@][\w.@-]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\([^)]*\)|\[[^\]]*\]|[^\s,;]*)`)
	// key: value, a known key at a word's start.
	kvColon = regexp.MustCompile(`(?:^|[\s,;({\[])(?:"([A-Za-z][\w.-]*)"\s*:\s*|([A-Za-z][\w.-]*)\s?:\s+)`)
	// A key of several words, at the start of a segment ("Status Code:", "User agent:").
	kvLead = regexp.MustCompile(`^"?([A-Za-z][\w.-]*(?: [A-Za-z][\w-]*){1,3})"?\s?:\s+`)
	// " at 2026-11-24 14:02:11 +0000" (Rails' Started line).
	atStamp = regexp.MustCompile(`\bat (\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z| ?[+-]\d{2}:?\d{2}(?: [A-Z]{3,4})?| UTC)?)`)
	// A note that a request did not happen, where its status would stand.
	absenceNote = regexp.MustCompile(`(?i)\b(never|not (called|sent|received|seen|made|reached|logged|hit)|no (request|call|hit)s?\b|absent|missing from|did ?n[o']t|was ?n[o']t|wasn't|isn't|nothing (logged|in the logs))\b`)
)

// segSep separates the lines of a record the Scanner joined (records.go).
const segSep = "\n"

// readPasted reads a line's fields. header is the input's table header,
// when it has one (column i's field, "" for a column we do not read).
func (cfg Config) readPasted(text string, header []string) *pasted {
	p := &pasted{methodAt: -1, targetAt: -1, statusAt: -1, absentAt: -1, commentAt: -1}
	segs := splitSegments(text)
	keyedCells := header != nil && len(segs) > 1 && abs(len(segs)-len(header)) <= 1
	var restB, plainB strings.Builder
	for i, seg := range segs {
		seg = cleanLead(seg)
		if i == 0 {
			p.lt = cfg.findStamp(seg)
			if p.lt.found() {
				seg = seg[:p.lt.from] + " " + seg[p.lt.to:]
			}
		}
		if keyedCells {
			v := strings.TrimSpace(trimDecor(seg))
			p.cells = append(p.cells, v)
			if i < len(header) && header[i] != "" {
				p.cell(cfg, header[i], v)
				continue
			}
		}
		if i > 0 {
			plainB.WriteString(" | ")
		}
		plainB.WriteString(strings.TrimSpace(seg))
		seg = p.keyValues(cfg, seg)
		if i > 0 {
			restB.WriteString(" | ")
		}
		restB.WriteString(seg)
		p.tokenize(cfg, seg, i)
	}
	p.rest = strings.TrimSpace(restB.String())
	p.plain = strings.TrimSpace(plainB.String())
	if !p.lt.found() {
		if m := atStamp.FindStringSubmatchIndex(text); m != nil {
			if t, zone, assumed, ok := cfg.parseTimestamp(text[m[2]:m[3]]); ok {
				p.lt = lineTime{t: t, zone: zone, assumed: assumed}
			}
		}
	}
	return p
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// splitSegments cuts a line into the lines of a joined record and into
// table cells ("| a | b |", "a | b | c"). A line with fewer than two
// pipes is one segment.
func splitSegments(text string) []string {
	var out []string
	for _, line := range strings.Split(text, segSep) {
		t := strings.TrimSpace(line)
		if isTableRow(t) {
			t = strings.TrimPrefix(strings.TrimSuffix(t, "|"), "|")
			for _, c := range strings.Split(t, "|") {
				out = append(out, strings.TrimSpace(c))
			}
			continue
		}
		out = append(out, line)
	}
	return out
}

// isTableRow: a Markdown row ("| a | b |"), or cells separated by " | "
// (a pipe-delimited log, psql's output).
func isTableRow(t string) bool {
	if strings.HasPrefix(t, "|") && strings.Count(t, "|") >= 3 {
		return true
	}
	return strings.Count(t, " | ") >= 2
}

// cleanLead removes what stands before a line's content: an editor's
// line number, Markdown's quote marks, bullets and numbering.
func cleanLead(s string) string {
	s = strings.TrimLeft(s, " \t")
	if m := editorPrefix.FindStringIndex(s); m != nil {
		s = s[m[1]:]
	}
	if m := listPrefix.FindStringIndex(s); m != nil {
		s = s[m[1]:]
	}
	// Code ticks delimit, they never belong to a value.
	if strings.IndexByte(s, '`') >= 0 {
		s = strings.ReplaceAll(s, "`", " ")
	}
	return s
}

// tableKind tells a row that records nothing: a separator ("|---|---|"),
// a header (words only, at least one of them a field we know), a fence.
func tableKind(text string) (header []string, rule bool) {
	if fenceLine.MatchString(strings.TrimSpace(text)) {
		return nil, true
	}
	t := strings.TrimSpace(cleanLead(text))
	if !isTableRow(t) {
		return nil, false
	}
	cells := splitSegments(t)
	allRules, known := true, 0
	for _, c := range cells {
		c = strings.TrimSpace(c)
		if c != "" && !tableRule.MatchString(c) {
			allRules = false
		}
	}
	if allRules {
		return nil, true
	}
	header = make([]string, len(cells))
	for i, c := range cells {
		c = strings.TrimSpace(trimDecor(c))
		if c == "" {
			continue
		}
		if len(c) > 40 || strings.ContainsAny(c, "0123456789/=") && !strings.EqualFold(c, "http.status") {
			return nil, false // a value, not a column's name
		}
		f := fieldOfKey(c)
		switch {
		case redeemColumn(c):
			header[i] = "redeemed"
			known++
		case f != "":
			header[i] = f
			known++
		case codeColumn(c):
			header[i] = "code"
			known++
		}
	}
	if known == 0 {
		return nil, false
	}
	// Beside a "redeemed" column, "code" is the authorization code's.
	for i, c := range cells {
		if header[i] == "status" && codeColumn(c) && slices.Contains(header, "redeemed") {
			header[i] = "code"
		}
	}
	return header, true
}

// Columns of a table of authorization codes (a database's rows pasted).
func codeColumn(c string) bool {
	k := keyName(c)
	return k == "authorizationcode" || k == "authcode" || k == "codeid" || k == "code"
}

func redeemColumn(c string) bool {
	k := keyName(c)
	for _, w := range []string{"redeemed", "used", "exchanged", "consumed", "claimed"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// cell reads a table cell under a known column.
func (p *pasted) cell(cfg Config, field, v string) {
	if v == "" || v == "-" {
		return
	}
	switch field {
	case "time":
		if !p.lt.found() {
			p.lt = cfg.timeValue(v)
		}
	case "target":
		if looksLikeTarget(v) {
			p.setKeyed(cfg, field, v)
		} else if p.msg == "" {
			p.msg = v // a message row in a table of requests
		}
	default:
		p.setKeyed(cfg, field, v)
	}
}

// timeValue reads a time given as a value: a timestamp, epoch, a time of day.
func (cfg Config) timeValue(v string) lineTime {
	v = strings.Trim(v, `"' `)
	if isDigitString(strings.ReplaceAll(v, ".", "")) && len(v) >= 9 {
		if t, ok := epoch(v); ok {
			return lineTime{t: t}
		}
	}
	if t, zone, assumed, ok := cfg.parseTimestamp(v); ok {
		return lineTime{t: t, zone: zone, assumed: assumed}
	}
	if t, zone, assumed, c, n := cfg.stampAt(v); n > 0 {
		return lineTime{t: t, zone: zone, assumed: assumed, clock: c}
	}
	return lineTime{}
}

func looksLikeTarget(v string) bool {
	v = strings.Trim(v, `"'`)
	if strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//") {
		return !strings.ContainsAny(v, " \t")
	}
	if rest, ok := cutScheme(strings.ToLower(v)); ok {
		return rest != "" && !strings.ContainsAny(v, " \t")
	}
	return false
}

// keyValues reads the key=value and "key: value" pairs of a segment and
// returns the segment without them (their words are not tokens).
func (p *pasted) keyValues(cfg Config, seg string) string {
	if !strings.ContainsAny(seg, "=:") {
		return seg
	}
	var spans [][2]int
	// "Status Code: 302 Found", "User agent: Claude-User": several words
	// before a colon, at the segment's start, take the rest of it.
	if m := kvLead.FindStringSubmatchIndex(seg); m != nil {
		if f := fieldOfKey(seg[m[2]:m[3]]); f != "" {
			p.setKeyed(cfg, f, strings.TrimSpace(seg[m[1]:]))
			return ""
		}
	}
	if strings.IndexByte(seg, '=') >= 0 {
		for _, m := range kvEquals.FindAllStringSubmatchIndex(seg, -1) {
			key, val := seg[m[2]:m[3]], seg[m[4]:m[5]]
			f := fieldOfKey(key)
			if f == "" {
				// A key we do not read: its words are not ours either
				// (client_id=…, a query copied apart).
				spans = append(spans, [2]int{m[2], m[5]})
				continue
			}
			if len(val) >= 2 && (val[0] == '"' || val[0] == '\'') {
				val = unquote(val)
			}
			if p.setKeyed(cfg, f, val) {
				spans = append(spans, [2]int{m[2], m[5]})
			}
		}
	}
	for _, m := range kvColon.FindAllStringSubmatchIndex(seg, -1) {
		f := fieldOfKey(colonKey(seg, m))
		if f == "" || overlaps(spans, m[0]+1) {
			continue
		}
		val, end := colonValue(seg, m[1], f)
		if p.setKeyed(cfg, f, val) {
			spans = append(spans, [2]int{m[0], end})
		}
	}
	if len(spans) == 0 {
		return seg
	}
	var b strings.Builder
	last := 0
	for _, sp := range sortSpans(spans) {
		if sp[0] < last {
			continue
		}
		b.WriteString(seg[last:sp[0]])
		b.WriteString(" ")
		last = sp[1]
	}
	b.WriteString(seg[last:])
	return b.String()
}

func overlaps(spans [][2]int, at int) bool {
	for _, sp := range spans {
		if at >= sp[0] && at < sp[1] {
			return true
		}
	}
	return false
}

// sortSpans orders spans by start (few per line: insertion sort).
func sortSpans(sp [][2]int) [][2]int {
	for i := 1; i < len(sp); i++ {
		for j := i; j > 0 && sp[j][0] < sp[j-1][0]; j-- {
			sp[j], sp[j-1] = sp[j-1], sp[j]
		}
	}
	return sp
}

func unquote(v string) string {
	if len(v) < 2 {
		return v
	}
	q := v[0]
	if v[len(v)-1] == q {
		v = v[1 : len(v)-1]
	} else {
		v = v[1:]
	}
	if q == '"' && strings.IndexByte(v, '\\') >= 0 {
		v = strings.ReplaceAll(strings.ReplaceAll(v, `\"`, `"`), `\\`, `\`)
	}
	return v
}

// colonValue reads the value after "key: ": quoted, or for a user agent
// or a message the rest of the segment (up to a bracket it did not
// open), else one word.
func colonValue(seg string, from int, field string) (string, int) {
	rest := seg[from:]
	if rest == "" {
		return "", from
	}
	if rest[0] == '"' {
		if end := strings.IndexByte(rest[1:], '"'); end >= 0 {
			return rest[1 : end+1], from + end + 2
		}
	}
	switch field {
	case "ua", "msg", "rule", "service", "action", "www":
		depth := 0
		for i := 0; i < len(rest); i++ {
			switch rest[i] {
			case '(', '[':
				depth++
			case ')', ']':
				if depth == 0 {
					return strings.TrimSpace(rest[:i]), from + i
				}
				depth--
			case ',', ';':
				// ", key: value" starts the next pair.
				if depth == 0 && i+1 < len(rest) && kvColon.MatchString(rest[i:]) && startsKnownKey(rest[i+1:]) {
					return strings.TrimSpace(rest[:i]), from + i
				}
			}
		}
		return strings.TrimSpace(rest), len(seg)
	}
	end := strings.IndexAny(rest, " \t,;)")
	if end < 0 {
		end = len(rest)
	}
	return rest[:end], from + end
}

func startsKnownKey(s string) bool {
	m := kvColon.FindStringSubmatchIndex(s)
	return m != nil && m[0] <= 1 && fieldOfKey(colonKey(s, m)) != ""
}

// colonKey is the key of a kvColon match (quoted or bare).
func colonKey(s string, m []int) string {
	if m[2] >= 0 {
		return s[m[2]:m[3]]
	}
	return s[m[4]:m[5]]
}

// setKeyed records a field named by its key; false when the value is not
// one of that field's (a "code" that is no status).
func (p *pasted) setKeyed(cfg Config, field, v string) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return field == "ua" || field == "auth"
	}
	ok := true
	switch field {
	case "method":
		switch u := strings.ToUpper(strings.Trim(v, `"'[]`)); {
		case httpMethods[u]:
			p.method = u
		case rpcName(v) != "":
			p.rpc = rpcName(v)
		default:
			ok = false
		}
	case "target":
		v = trimDecor(v)
		if looksLikeTarget(v) || hostPath(v) {
			p.target, p.targetKeyed = v, true
		} else {
			ok = false
		}
	case "status":
		if n := statusValue(v); n > 0 {
			p.status, p.statusKeyed = n, true
		} else {
			ok = false
		}
	case "peer":
		if a := ParseAddr(strings.Trim(v, `"'[]`)); a.IsValid() {
			p.peer = a
		} else if a := firstAddr(v); a.IsValid() {
			p.peer = a
		} else {
			ok = false
		}
	case "xff":
		p.xff = ParseAddrList(strings.Trim(v, `"'`))
	case "connip":
		p.connIP, p.connHeader = ParseAddr(v), "X-Real-IP"
	case "ua":
		p.ua, p.uaKnown = dashEmpty(strings.Trim(v, `"'`)), true
	case "time":
		if lt := cfg.timeValue(v); lt.found() && !p.lt.found() {
			p.lt = lt
		} else if !lt.found() {
			ok = false
		}
	case "host":
		p.host = strings.Trim(v, `"'`)
	case "reqid":
		p.reqID = strings.Trim(v, `"'`)
	case "ray":
		p.ray, _, _ = strings.Cut(strings.Trim(v, `"'`), "-")
	case "dur", "durms":
		if d, good := durationValue(v, field == "durms"); good {
			p.dur, p.hasDur = d, true
		} else {
			ok = false
		}
	case "auth":
		p.auth = ParsePresence(strings.Trim(v, "()"))
	case "ct":
		p.ct = v
	case "www":
		p.www, p.hasWWW = v, Present
		if v == "-" {
			p.www, p.hasWWW = "", Absent
		}
	case "location":
		p.location = strings.Trim(v, `"'`)
	case "referer":
		p.referer = strings.Trim(v, `"'`)
	case "proto":
		p.proto = v
	case "level":
		p.level = strings.ToUpper(strings.Trim(v, `"'[]`))
	case "msg":
		if p.msg == "" {
			p.msg = strings.Trim(v, `"'`)
		}
	case "action":
		p.action = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(strings.Trim(v, `"'`)), " ", "_"))
	case "rule":
		if p.rule == "" {
			p.rule = strings.Trim(v, `"'`)
		}
	case "service":
		if d, good := durationValue(v, false); good && hasUnit(v) {
			p.dur, p.hasDur = d, true // Heroku's router: service=12ms
		} else {
			p.service = strings.Trim(v, `"'`)
		}
	case "rpc":
		if r := rpcName(v); r != "" {
			p.rpc = r
		} else {
			ok = false
		}
	case "code", "redeemed":
		ok = false // read by the table's own logic (signals.go)
	case "ignore":
		return true
	}
	if ok {
		p.keyed++
	}
	return ok
}

// statusValue reads "401", "401 Unauthorized", "(401)".
func statusValue(v string) int {
	v = strings.TrimSpace(strings.Trim(v, `"'()[]*`))
	if len(v) > 3 {
		if v[3] != ' ' {
			return 0
		}
		v = v[:3]
	}
	if len(v) == 3 && v[0] >= '1' && v[0] <= '5' && isDigit(v[1]) && isDigit(v[2]) {
		return atoiStatus(v)
	}
	return 0
}

func hasUnit(v string) bool {
	v = strings.TrimSpace(v)
	return v != "" && !isDigit(v[len(v)-1])
}

// durationValue reads "12ms", "1.2s", "850 µs", "0.031" (seconds), "12"
// (milliseconds, or as ms says).
func durationValue(v string, ms bool) (time.Duration, bool) {
	v = strings.TrimSpace(strings.Trim(v, `"'`))
	v = strings.ReplaceAll(strings.ReplaceAll(v, " ", ""), "µs", "us")
	if v == "" || v == "-" {
		return 0, false
	}
	if hasUnit(v) {
		d, err := time.ParseDuration(v)
		return d, err == nil && d >= 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1e9 {
		return 0, false
	}
	if ms || !strings.Contains(v, ".") {
		return time.Duration(f * float64(time.Millisecond)), true
	}
	return time.Duration(f * float64(time.Second)), true
}

func firstAddr(v string) netip.Addr {
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }) {
		if a := ParseAddr(f); a.IsValid() {
			return a
		}
	}
	return netip.Addr{}
}

// trimDecor removes what wraps a word: Markdown's emphasis and ticks,
// quotes, brackets, and trailing punctuation. A bracket the word itself
// opened stays ("/users/<id>", "/a/[redacted]").
func trimDecor(s string) string {
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		if !leadDecor(r) {
			break
		}
		if r == '_' && !strings.HasSuffix(s, "_") {
			break
		}
		if r == '<' && strings.IndexByte(s, '>') > 0 && s[len(s)-1] != '>' {
			break // "<id>/token": a placeholder leading a path
		}
		s = s[n:]
	}
	for len(s) > 0 {
		r, n := utf8.DecodeLastRuneInString(s)
		switch {
		case r == ')' || r == ']' || r == '>' || r == '}':
			open := map[rune]byte{')': '(', ']': '[', '>': '<', '}': '{'}[r]
			if strings.Count(s, string(open)) >= strings.Count(s, string(r)) {
				return s
			}
		case r == '_' && !strings.HasPrefix(s, "_"):
			return s
		case !trailDecor(r):
			return s
		}
		s = s[:len(s)-n]
	}
	return s
}

func leadDecor(r rune) bool {
	switch r {
	case '*', '_', '~', '"', '\'', '“', '”', '‘', '’', '«', '»', '(', '[', '{', '<':
		return true
	}
	return false
}

func trailDecor(r rune) bool {
	switch r {
	case '*', '_', '~', '"', '\'', '“', '”', '‘', '’', '«', '»', '.', ',', ';', ':', '!', '?':
		return true
	}
	return false
}

var commentMarks = map[string]bool{"←": true, "<-": true, "<--": true, "//": true, "#": true, "<=": true, "⬅": true, "<<": true}

var sepWords = map[string]bool{
	"->": true, "=>": true, "→": true, "⇒": true, "—": true, "–": true, "-": true, ":": true, "|": true, "=": true,
	"-->": true, ">": true, "==>": true, "⟶": true, "»": true,
}

// tokenize cuts a segment into words and tells each one's kind.
func (p *pasted) tokenize(cfg Config, seg string, segIdx int) {
	if segIdx > 0 && len(p.toks) > 0 {
		p.toks = append(p.toks, ptok{s: "|", raw: "|", kind: tkSep, seg: segIdx})
	}
	start := len(p.toks)
	for _, raw := range strings.Fields(seg) {
		if len(p.toks)-start > 4096 {
			break // a line of words, not a request: enough to decide
		}
		t := ptok{raw: raw, seg: segIdx}
		t.s = trimDecor(raw)
		t.kind = kindOf(raw, t.s)
		if t.kind == tkComment && len(p.toks) == start {
			t.kind = tkSep // koa's "<-- GET /": an arrow leading the line, not a comment
		}
		if t.kind == tkWord && len(p.toks) > start {
			// the word after a number: its unit
			if prev := &p.toks[len(p.toks)-1]; prev.kind == tkStatus || prev.kind == tkNumber {
				prev.unit = strings.ToLower(t.s)
			}
		}
		p.toks = append(p.toks, t)
	}
}

func kindOf(raw, s string) tokKind {
	switch {
	case commentMarks[raw] || strings.HasPrefix(raw, "//"):
		return tkComment
	case sepWords[raw]:
		return tkSep
	case s == "":
		return tkSep
	case httpMethods[s] && raw == s || httpMethods[s] && strings.Trim(raw, "[]\"'*`") == s:
		return tkMethod
	case s[0] == '/':
		if len(s) > 1 && s[1] == '/' {
			return tkWord
		}
		return tkPath
	case strings.HasPrefix(s, "HTTP/") || strings.HasPrefix(s, "HTTP/2") || s == "HTTP/2":
		return tkProto
	}
	if rest, ok := cutScheme(strings.ToLower(s)); ok && rest != "" {
		return tkURL
	}
	if len(s) == 3 && s[0] >= '1' && s[0] <= '5' && isDigit(s[1]) && isDigit(s[2]) {
		return tkStatus
	}
	if looksLikeAddr(s) && ParseAddr(s).IsValid() {
		return tkAddr
	}
	if isNumberish(s) {
		return tkNumber
	}
	if c, n := parseClock(s); n == len(s) && c.set {
		return tkStamp
	}
	if isProduct(s) || bareAgents[strings.ToLower(s)] {
		return tkProduct
	}
	if hostPath(s) {
		return tkHostPath
	}
	if isDateWord(s) {
		return tkStamp
	}
	return tkWord
}

func isNumberish(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits++
		case c == '.' || c == ',':
		default:
			// "12ms", "1.2s": a number with its unit attached
			return digits > 0 && i > 0 && isUnit(s[i:])
		}
	}
	return digits > 0
}

func isUnit(u string) bool {
	switch strings.ToLower(u) {
	case "ms", "s", "us", "µs", "ns", "sec", "secs", "b", "kb", "mb", "bytes", "m", "min":
		return true
	}
	return false
}

// isDateWord: "2026-11-24", "+0000", "2026/11/24" inside a line.
func isDateWord(s string) bool {
	if len(s) < 5 {
		return false
	}
	d := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			d++
		case c == '-' || c == '+' || c == ':' || c == '/' || c == 'T' || c == 'Z' || c == '.' || c == ',':
		default:
			return false
		}
	}
	return d >= 4
}

func looksLikeAddr(s string) bool {
	if len(s) < 3 || len(s) > 64 {
		return false
	}
	c := s[0]
	if !(isDigit(c) || c == '[' || c == ':' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
		return false
	}
	return strings.Count(s, ".") == 3 || strings.Count(s, ":") >= 2
}

// isProduct: "python-httpx/0.28.1", "Mozilla/5.0", "curl/8.4.0": a user
// agent's product word (never a path, never "HTTP/1.1").
func isProduct(s string) bool {
	slash := strings.IndexByte(s, '/')
	if slash <= 0 || slash == len(s)-1 || strings.HasPrefix(s, "HTTP/") {
		return false
	}
	name, ver := s[:slash], s[slash+1:]
	if !(name[0] >= 'A' && name[0] <= 'Z' || name[0] >= 'a' && name[0] <= 'z') {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '-' || c == '_' || c == '.' || c == '+') {
			return false
		}
	}
	if !(isDigit(ver[0]) || ver[0] == 'v' && len(ver) > 1 && isDigit(ver[1])) {
		return false
	}
	for i := 0; i < len(ver); i++ {
		c := ver[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '-' || c == '_' || c == '.' || c == '+') {
			return false
		}
	}
	return true
}

// hostPath: "mcp.example.com/mcp", a URL copied without its scheme.
func hostPath(s string) bool {
	slash := strings.IndexByte(s, '/')
	if slash <= 0 {
		return false
	}
	host := s[:slash]
	if h, port, ok := strings.Cut(host, ":"); ok {
		if !isDigitString(port) {
			return false
		}
		host = h
	}
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || dot == len(host)-1 {
		return false
	}
	for i := dot + 1; i < len(host); i++ {
		if !(host[i] >= 'a' && host[i] <= 'z') {
			return false
		}
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(c >= 'a' && c <= 'z' || isDigit(c) || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
