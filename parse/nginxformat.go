package parse

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// An nginx log_format compiled into literals and variables, in the way
// gonx does: each variable's value runs up to the next literal. Where
// that is ambiguous (a list of upstream times contains spaces, an
// unescaped quote in a user agent) the matcher backtracks a bounded
// number of times, guided by what each variable's value must look like.

type escapeMode uint8

const (
	escapeDefault escapeMode = iota // \xHH for quotes, backslashes, control and non-ASCII bytes
	escapeJSON                      // JSON string escapes
	escapeNone
)

type varKind uint8

const (
	vIgnore varKind = iota
	vRemoteAddr
	vTimeLocal
	vTimeISO
	vMsec
	vRequest
	vMethod
	vRequestURI
	vURI
	vArgs
	vProto
	vStatus
	vBytes
	vReferer
	vUserAgent
	vXFF
	vConnIP
	vHost
	vAuthValue // the Authorization header itself: a secret, only its presence is kept
	vAuthFlag  // a map variable that says whether Authorization was present
	vSecret    // cookies, API keys: masked in evidence, never read
	vRequestTime
	vUpstreamTime
	vContentType
	vWWWAuth
	vLocation
	vRay // $http_cf_ray: joins the origin's line to Cloudflare's record
	vRequestID
)

type segment struct {
	lit  string // a literal, or empty for a variable
	name string // variable name without the $
	kind varKind
}

type nginxFormat struct {
	source string
	segs   []segment
	escape escapeMode
	hasUA  bool // the format logs $http_user_agent
}

// variableKind maps an nginx variable name onto what it tells us.
func variableKind(name string) varKind {
	switch name {
	case "remote_addr":
		return vRemoteAddr
	case "time_local":
		return vTimeLocal
	case "time_iso8601":
		return vTimeISO
	case "msec":
		return vMsec
	case "request":
		return vRequest
	case "request_method":
		return vMethod
	case "request_uri":
		return vRequestURI
	case "uri", "document_uri":
		return vURI
	case "args", "query_string":
		return vArgs
	case "server_protocol":
		return vProto
	case "status":
		return vStatus
	case "body_bytes_sent", "bytes_sent":
		return vBytes
	case "http_referer":
		return vReferer
	case "http_user_agent":
		return vUserAgent
	case "http_x_forwarded_for", "proxy_add_x_forwarded_for":
		return vXFF
	case "http_cf_connecting_ip", "http_true_client_ip", "http_x_real_ip", "http_fly_client_ip":
		return vConnIP
	case "host", "http_host", "server_name":
		return vHost
	case "http_authorization":
		return vAuthValue
	case "http_cookie", "sent_http_set_cookie", "http_proxy_authorization", "http_x_api_key",
		"http_api_key", "request_body", "arg_code", "arg_client_secret", "arg_access_token",
		"arg_refresh_token", "arg_code_verifier", "arg_token", "arg_id_token":
		return vSecret
	case "request_time":
		return vRequestTime
	case "upstream_response_time":
		return vUpstreamTime
	case "sent_http_content_type", "content_type_sent":
		return vContentType
	case "sent_http_www_authenticate":
		return vWWWAuth
	case "sent_http_location":
		return vLocation
	case "http_cf_ray":
		return vRay
	case "request_id", "http_x_request_id":
		return vRequestID
	}
	if strings.HasPrefix(name, "cookie_") {
		return vSecret
	}
	// A header, argument or response header named like a secret
	// ($http_x_auth_token, $arg_api_key, $http_x_acme_auth): masked, as
	// redaction by name would mask it in the request line.
	for _, prefix := range []string{"http_", "sent_http_", "arg_"} {
		if rest, ok := strings.CutPrefix(name, prefix); ok && secretName([]byte(rest)) != notSecret {
			return vSecret
		}
	}
	// A variable of the user's own (from a map) that says whether the
	// request carried a token, as the snippet we print recommends.
	if strings.Contains(name, "auth") || strings.Contains(name, "bearer") {
		return vAuthFlag
	}
	return vIgnore
}

// compileNginxFormat accepts the format as it appears in nginx.conf: the
// whole directive (`log_format main '...' '...';`), its quoted strings,
// or the bare format text.
func compileNginxFormat(text string) (*nginxFormat, error) {
	format, esc, err := unwrapLogFormat(text)
	if err != nil {
		return nil, err
	}
	f := &nginxFormat{source: format, escape: esc}
	var lit strings.Builder
	flushLit := func() {
		if lit.Len() > 0 {
			f.segs = append(f.segs, segment{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(format); {
		c := format[i]
		if c != '$' {
			lit.WriteByte(c)
			i++
			continue
		}
		name, n := scanVarName(format[i+1:])
		if name == "" {
			lit.WriteByte(c)
			i++
			continue
		}
		flushLit()
		if k := len(f.segs); k > 0 && f.segs[k-1].lit == "" {
			return nil, fmt.Errorf("variables $%s and $%s are not separated by any text, so their values cannot be told apart", f.segs[k-1].name, name)
		}
		f.segs = append(f.segs, segment{name: name, kind: variableKind(name)})
		i += 1 + n
	}
	flushLit()
	if len(f.segs) == 0 {
		return nil, errors.New("the log format is empty")
	}
	has := func(kinds ...varKind) bool {
		for _, s := range f.segs {
			for _, k := range kinds {
				if s.lit == "" && s.kind == k {
					return true
				}
			}
		}
		return false
	}
	f.hasUA = has(vUserAgent)
	if !has(vRequest, vRequestURI, vURI) {
		return nil, errors.New("the log format has no $request, $request_uri or $uri, so requests cannot be recognised")
	}
	if !has(vTimeLocal, vTimeISO, vMsec) {
		return nil, errors.New("the log format has no $time_local, $time_iso8601 or $msec, so requests cannot be placed in time")
	}
	return f, nil
}

func scanVarName(s string) (name string, consumed int) {
	if strings.HasPrefix(s, "{") {
		end := strings.IndexByte(s, '}')
		if end <= 1 {
			return "", 0
		}
		return s[1:end], end + 1
	}
	n := 0
	for n < len(s) && (s[n] == '_' || ('a' <= s[n] && s[n] <= 'z') || ('A' <= s[n] && s[n] <= 'Z') || ('0' <= s[n] && s[n] <= '9')) {
		n++
	}
	return s[:n], n
}

// unwrapLogFormat strips the directive keyword, the format name, the
// escape= parameter and nginx's quoting, joining the quoted parts the
// way nginx does (with nothing between them).
func unwrapLogFormat(text string) (string, escapeMode, error) {
	s := strings.TrimSpace(text)
	esc := escapeDefault
	if rest, ok := strings.CutPrefix(s, "log_format"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n') {
		s = strings.TrimSpace(rest)
		if s != "" && s[0] != '\'' && s[0] != '"' && s[0] != '$' {
			name, after, _ := strings.Cut(s, " ")
			_ = name
			s = strings.TrimSpace(after)
		}
	}
	if rest, ok := strings.CutPrefix(s, "escape="); ok {
		mode, after, _ := strings.Cut(rest, " ")
		switch mode {
		case "json":
			esc = escapeJSON
		case "none":
			esc = escapeNone
		case "default":
		default:
			return "", esc, fmt.Errorf("unknown escape=%s in the log format (nginx knows default, json and none)", mode)
		}
		s = strings.TrimSpace(after)
	}
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return strings.TrimSuffix(strings.TrimSpace(s), ";"), esc, nil
	}
	var out strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'' || c == '"':
			q := c
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == q || s[i+1] == '\\') {
					out.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == q {
					closed = true
					i++
					break
				}
				out.WriteByte(s[i])
				i++
			}
			if !closed {
				return "", esc, errors.New("the log format has a quote that is never closed")
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';':
			i++
		default:
			return "", esc, fmt.Errorf("unexpected %q between the quoted parts of the log format", c)
		}
	}
	return out.String(), esc, nil
}

// match fills spans (one [start,end) pair per segment) and returns where
// the match ended. With trailing false the whole line must be consumed.
func (f *nginxFormat) match(line []byte, spans [][2]int, trailing bool) (int, bool) {
	budget := 64
	return f.matchFrom(line, 0, 0, spans, trailing, &budget)
}

func (f *nginxFormat) matchFrom(line []byte, i, pos int, spans [][2]int, trailing bool, budget *int) (int, bool) {
	if i == len(f.segs) {
		if trailing || pos == len(line) {
			return pos, true
		}
		return 0, false
	}
	seg := f.segs[i]
	if seg.lit != "" {
		if !bytes.HasPrefix(line[pos:], []byte(seg.lit)) {
			return 0, false
		}
		spans[i] = [2]int{pos, pos + len(seg.lit)}
		return f.matchFrom(line, i+1, pos+len(seg.lit), spans, trailing, budget)
	}
	if i+1 == len(f.segs) {
		end := len(line)
		if trailing {
			// The last variable is a single token when more text may follow.
			if sp := bytes.IndexByte(line[pos:], ' '); sp >= 0 {
				end = pos + sp
			}
		}
		if !plausible(seg.kind, line[pos:end]) {
			return 0, false
		}
		spans[i] = [2]int{pos, end}
		return end, true
	}
	next := []byte(f.segs[i+1].lit)
	for from := pos; from <= len(line); {
		idx := bytes.Index(line[from:], next)
		if idx < 0 {
			return 0, false
		}
		end := from + idx
		if next[0] == '"' && f.escape != escapeNone && escapedAt(line, end) {
			// \" inside a value (Apache, gunicorn and morgan escape quotes
			// so; nginx writes \x22) does not end it.
			from = end + 1
			continue
		}
		if plausible(seg.kind, line[pos:end]) {
			spans[i] = [2]int{pos, end}
			if stop, ok := f.matchFrom(line, i+1, end, spans, trailing, budget); ok {
				return stop, true
			}
		}
		*budget--
		if *budget <= 0 {
			return 0, false
		}
		from = end + 1
	}
	return 0, false
}

// plausible is a cheap shape check that steers backtracking; the real
// conversion happens once the whole line has matched.
func plausible(k varKind, v []byte) bool {
	switch k {
	case vStatus:
		return (len(v) == 3 && isDigits(v)) || string(v) == "-"
	case vBytes:
		return (len(v) > 0 && isDigits(v)) || string(v) == "-"
	case vRemoteAddr:
		return len(v) > 0 && bytes.IndexByte(v, ' ') < 0
	case vTimeLocal:
		return len(v) >= 20 && bytes.IndexByte(v, '/') == 2
	case vTimeISO:
		return len(v) >= 19 && v[4] == '-'
	case vMsec:
		return len(v) > 0 && isFloatish(v)
	case vRequestTime:
		return string(v) == "-" || (len(v) > 0 && isFloatish(v))
	case vUpstreamTime:
		return isTimeList(v)
	case vMethod:
		return len(v) > 0 && bytes.IndexByte(v, ' ') < 0
	}
	return true
}

func isDigits(v []byte) bool {
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isFloatish(v []byte) bool {
	dot := false
	for i, c := range v {
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0:
			dot = true
		default:
			return false
		}
	}
	return true
}

// isTimeList accepts nginx's upstream time lists: "0.012", "0.012, 0.004",
// "0.010 : 0.020", or "-".
func isTimeList(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	for _, part := range bytes.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ':' || r == ' ' }) {
		if string(part) != "-" && !isFloatish(part) {
			return false
		}
	}
	return true
}
