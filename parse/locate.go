package parse

import (
	"bytes"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Layout says where an access log's fields sit in a raw line.
type Layout uint8

const (
	// LayoutNone: nothing is located; judge the whole line.
	LayoutNone Layout = iota
	// LayoutCombined: '$remote_addr - $remote_user [$time_local]
	// "$request" $status $body_bytes_sent "$http_referer"
	// "$http_user_agent"' and whatever follows (nginx, Apache, gunicorn,
	// morgan); the Common Log Format stops after the size.
	LayoutCombined
	// LayoutVhostCombined: Apache's vhost_combined, "host:port " before
	// a combined line.
	LayoutVhostCombined
	// LayoutHAProxy: HAProxy's httplog, after an optional syslog prefix.
	LayoutHAProxy
	// LayoutHAProxyCLF: HAProxy's "httplog clf": combined's first fields,
	// then cookies, timers and the captured headers, each quoted.
	LayoutHAProxyCLF
	// LayoutJSON: one JSON object per line; the fields are values of
	// known keys.
	LayoutJSON
)

// Span is where a field sits in a raw line: line[Start:End], as written
// (escaped as the format escapes it, without its quotes). Start is -1
// when the line does not have the field.
type Span struct{ Start, End int }

// Found reports whether the field is in the line.
func (s Span) Found() bool { return s.Start >= 0 }

// Of returns the field's bytes (an alias of line), or nil.
func (s Span) Of(line []byte) []byte {
	if s.Start < 0 || s.End > len(line) || s.Start > s.End {
		return nil
	}
	return line[s.Start:s.End]
}

var noSpan = Span{-1, -1}

// Fields are where an access-log line's fields are, for a prefilter that
// judges them without parsing the line.
type Fields struct {
	// Peer is the connecting address, without a port.
	Peer Span
	Time Span
	// Method and Target are the request's; Target is the path and query
	// or an absolute URL, as sent.
	Method, Target Span
	Status         Span
	Referer        Span
	UserAgent      Span
	// Forwarded is the X-Forwarded-For value, when the layout places it.
	Forwarded Span
	// Extra is what the layout holds but does not name, where addresses
	// and user agents may also be: a combined line's tail ($http_x_forwarded_for,
	// timings, key=value fields), HAProxy's captured headers.
	Extra Span
}

func (f *Fields) reset() {
	*f = Fields{Peer: noSpan, Time: noSpan, Method: noSpan, Target: noSpan, Status: noSpan,
		Referer: noSpan, UserAgent: noSpan, Forwarded: noSpan, Extra: noSpan}
}

// jsonKeys are the gjson paths of a JSON access log's fields, in order
// of preference.
type jsonKeys struct {
	Time, Peer, Method, Target, Status, UserAgent, Forwarded []string
}

// Locate finds the fields of a raw line of this shape without parsing it
// and without allocating. It reports false when the shape locates
// nothing (LayoutNone) or the line is not laid out so; the caller then
// judges the whole line. Fields a line lacks are not Found.
func (sh Shape) Locate(line []byte, f *Fields) bool {
	f.reset()
	switch sh.Layout {
	case LayoutCombined:
		return locateCombined(line, 0, f)
	case LayoutVhostCombined:
		sp := bytes.IndexByte(line, ' ')
		return sp > 0 && locateCombined(line, sp+1, f)
	case LayoutHAProxy:
		return locateHAProxy(line, f)
	case LayoutHAProxyCLF:
		return locateHAProxyCLF(line, f)
	case LayoutJSON:
		return sh.keys != nil && locateJSON(line, sh.keys, f)
	}
	return false
}

// locateCombined reads a combined (or common) line starting at from.
// It runs on every line of a big log: the short fields (the address,
// the user, the time, the status, the size) are walked byte by byte, and
// only the long ones (the request, the referer, the user agent) are
// searched with bytes.IndexByte, whose call costs more than a short walk.
func locateCombined(line []byte, from int, f *Fields) bool {
	n := len(line)
	sp := from
	for sp < n && line[sp] != ' ' {
		sp++
	}
	if sp == from || sp == n {
		return false
	}
	f.Peer = Span{from, sp}
	open := sp
	for open < n && line[open] != '[' {
		open++
	}
	if open == n {
		return false
	}
	// nginx's and Apache's time is 26 bytes ("24/Nov/2026:08:52:49
	// +0000"); other lengths are searched.
	end := open + 27
	if end >= n || line[end] != ']' || line[open+3] != '/' || line[open+7] != '/' || line[open+12] != ':' {
		e := bytes.IndexByte(line[open:], ']')
		if e < 0 {
			return false
		}
		end = open + e
	}
	f.Time = Span{open + 1, end}
	req, ok := quoted(line, end+1)
	if !ok {
		return false
	}
	locateRequest(line, req, f)
	// ' status size'
	i := skipSpaces(line, req.End+1)
	st := i
	for i < n && line[i] != ' ' {
		i++
	}
	if i == st {
		return false
	}
	f.Status = Span{st, i}
	i = skipSpaces(line, i)
	for i < n && line[i] != ' ' {
		i++
	}
	// '"referer" "user agent"' (not in the Common Log Format)
	ref, ok := quoted(line, i)
	if !ok {
		if i < n {
			f.Extra = Span{i, n}
		}
		return true
	}
	f.Referer = ref
	ua, ok := quoted(line, ref.End+1)
	if !ok {
		return true
	}
	f.UserAgent = ua
	if ua.End+1 < n {
		f.Extra = Span{ua.End + 1, n}
	}
	return true
}

// locateRequest splits a quoted request line into method and target.
func locateRequest(line []byte, req Span, f *Fields) {
	r := line[req.Start:req.End]
	sp := -1
	for k := 0; k < len(r) && k <= 16; k++ {
		if r[k] == ' ' {
			sp = k
			break
		}
	}
	if sp <= 0 {
		return
	}
	f.Method = Span{req.Start, req.Start + sp}
	t := req.Start + sp + 1
	e := bytes.IndexByte(line[t:req.End], ' ')
	if e < 0 {
		e = req.End - t
	}
	f.Target = Span{t, t + e}
}

// quoted finds the next double-quoted field at or after i (after
// spaces): its content, without the quotes. A quote escaped with a
// backslash (Apache, gunicorn, morgan) does not end it.
func quoted(line []byte, i int) (Span, bool) {
	i = skipSpaces(line, i)
	if i >= len(line) || line[i] != '"' {
		return noSpan, false
	}
	// Most referers are "-": a field of a byte or two is walked rather
	// than searched.
	for j := i + 1; j < len(line) && j <= i+3 && line[j] != '\\'; j++ {
		if line[j] == '"' {
			return Span{i + 1, j}, true
		}
	}
	end := closingQuote(line, i+1)
	if end < 0 {
		return noSpan, false
	}
	return Span{i + 1, end}, true
}

// closingQuote returns the index of the first '"' at or after i that no
// backslash escapes, or -1.
func closingQuote(line []byte, i int) int {
	for i <= len(line) {
		q := bytes.IndexByte(line[i:], '"')
		if q < 0 {
			return -1
		}
		q += i
		if !escapedAt(line, q) {
			return q
		}
		i = q + 1
	}
	return -1
}

// escapedAt: the byte at i follows an odd number of backslashes.
func escapedAt(line []byte, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && line[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func skipSpaces(line []byte, i int) int {
	for i < len(line) && line[i] == ' ' {
		i++
	}
	return i
}

// token is the run of non-space bytes at i.
func token(line []byte, i int) Span {
	if i >= len(line) {
		return Span{len(line), len(line)}
	}
	j := bytes.IndexByte(line[i:], ' ')
	if j < 0 {
		return Span{i, len(line)}
	}
	return Span{i, i + j}
}

// locateHAProxy reads an httplog line: an optional syslog prefix, then
// 'client:port [date] frontend backend/server timers status bytes
// cookie cookie termination conns queues {captured request headers}
// {captured response headers} "request"'.
func locateHAProxy(line []byte, f *Fields) bool {
	start, ok := haproxyStart(line)
	if !ok {
		return false
	}
	client := token(line, start)
	colon := bytes.LastIndexByte(line[client.Start:client.End], ':')
	if colon <= 0 {
		return false
	}
	f.Peer = Span{client.Start, client.Start + colon}
	i := client.End + 1
	end := bytes.IndexByte(line[i:], ']')
	if i >= len(line) || line[i] != '[' || end < 0 {
		return false
	}
	f.Time = Span{i + 1, i + end}
	i += end + 1
	// frontend, backend/server, timers, then the status.
	for k := 0; k < 3; k++ {
		i = token(line, skipSpaces(line, i)).End
	}
	f.Status = token(line, skipSpaces(line, i))
	i = f.Status.End
	// bytes, two cookies, termination state, connections, queues.
	for k := 0; k < 6; k++ {
		i = token(line, skipSpaces(line, i)).End
	}
	i = skipSpaces(line, i)
	capStart := i
	for i < len(line) && line[i] == '{' {
		e := bytes.IndexByte(line[i:], '}')
		if e < 0 {
			return false
		}
		i = skipSpaces(line, i+e+1)
	}
	if i > capStart {
		f.Extra = Span{capStart, i - 1}
	}
	req, ok := quoted(line, i)
	if !ok {
		// syslog cuts long lines (1024 bytes by default): the request
		// runs to the end.
		if i >= len(line) || line[i] != '"' {
			return false
		}
		req = Span{i + 1, len(line)}
	}
	locateRequest(line, req, f)
	return true
}

// haproxyStart finds where the client field begins: after a syslog
// prefix ("<134>Dec  1 23:30:17 host haproxy[7]: "), or at 0. The client
// is the token before the first " [dd/Mon/yyyy:".
func haproxyStart(line []byte) (int, bool) {
	for i := 0; i < len(line) && i < 256; {
		j := bytes.Index(line[i:], []byte(" ["))
		if j < 0 {
			return 0, false
		}
		at := i + j
		if d := line[at+2:]; len(d) >= 12 && isDigit(d[0]) && isDigit(d[1]) && d[2] == '/' && d[6] == '/' {
			sp := bytes.LastIndexByte(line[:at], ' ')
			return sp + 1, true
		}
		i = at + 2
	}
	return 0, false
}

// locateHAProxyCLF reads 'client - - [date] "request" status bytes ""
// "" port ms "frontend" "backend" "server" ...' with the captured
// headers quoted at its end.
func locateHAProxyCLF(line []byte, f *Fields) bool {
	if !locateCombined(line, 0, f) {
		return false
	}
	f.Referer, f.UserAgent = noSpan, noSpan // HAProxy's cookies stand there
	return true
}

// locateJSON finds the values of a JSON access log's keys. gjson reads
// a string without copying it, so nothing is allocated.
func locateJSON(line []byte, k *jsonKeys, f *Fields) bool {
	if len(line) == 0 || line[0] != '{' {
		return false
	}
	s := unsafe.String(&line[0], len(line))
	find := func(paths []string) Span {
		for _, p := range paths {
			r := gjson.Get(s, p)
			if !r.Exists() || r.Index <= 0 || r.Index+len(r.Raw) > len(s) {
				continue // not a plain value of this line (gjson gives Index 0 then)
			}
			if r.Type == gjson.String && len(r.Raw) >= 2 {
				return Span{r.Index + 1, r.Index + len(r.Raw) - 1}
			}
			if r.Raw != "" {
				return Span{r.Index, r.Index + len(r.Raw)}
			}
		}
		return noSpan
	}
	f.Time = find(k.Time)
	f.Peer = find(k.Peer)
	f.Method = find(k.Method)
	f.Target = find(k.Target)
	f.Status = find(k.Status)
	f.UserAgent = find(k.UserAgent)
	f.Forwarded = find(k.Forwarded)
	return true
}
