package parse

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// jsonLogParser reads one JSON object per line, whatever the logger:
// access records (Caddy, Traefik, pino-http, Cloud Logging's httpRequest,
// Vercel, a Cloudflare Worker's trace, any app that logs method/path/status)
// and app messages. Envelopes around another format's line (Docker's
// json-file, journald, Cloud Logging's textPayload) are opened by the
// Scanner before any parser sees the line (see envelope.go).
type jsonLogParser struct {
	cfg Config
}

// Candidate keys per field, in order of preference. Header names are
// matched without case; gjson paths are case-sensitive.
var (
	jsonTimeKeys    = []string{"StartUTC", "time", "ts", "timestamp", "@timestamp", "datetime", "date", "asctime", "eventTimestamp", "EventTimestampMs", "receiveTimestamp", "@t"}
	jsonMethodKeys  = []string{"method", "request.method", "req.method", "httpRequest.requestMethod", "RequestMethod", "http.request.method", "http_method", "request_method", "http.method", "event.request.method", "proxy.method", "verb"}
	jsonTargetKeys  = []string{"uri", "url", "path", "request.uri", "req.url", "request.path", "request_uri", "httpRequest.requestUrl", "RequestPath", "url.path", "url.original", "http.target", "http.url", "event.request.url", "proxy.path", "requestUrl"}
	jsonStatusKeys  = []string{"status", "status_code", "statusCode", "res.statusCode", "response.status", "response.status_code", "httpRequest.status", "DownstreamStatus", "http.response.status_code", "http.status_code", "event.response.status", "proxy.statusCode", "response_status", "res.status"}
	jsonClientKeys  = []string{"client_ip", "request.client_ip", "remote_addr", "remote_ip", "request.remote_ip", "ip", "clientIp", "client.ip", "source.ip", "ClientHost", "req.remoteAddress", "remoteAddress", "httpRequest.remoteIp", "proxy.clientIp", "peer"}
	jsonUAKeys      = []string{"user_agent", "userAgent", "ua", "http_user_agent", "httpRequest.userAgent", "user_agent.original", "proxy.userAgent", "request_User-Agent"}
	jsonRefererKeys = []string{"http_referer", "referer", "referrer", "httpRequest.referer", "request_Referer", "http.request.referrer"}
	jsonHeaderKeys  = []string{"request.headers", "req.headers", "headers", "request_headers", "event.request.headers", "requestHeaders"}
	jsonRespKeys    = []string{"resp_headers", "res.headers", "response.headers", "response_headers", "responseHeaders", "event.response.headers"}
	jsonMessageKeys = []string{"msg", "message", "event", "MESSAGE", "textPayload", "Message", "@m", "@mt"}
	jsonLevelKeys   = []string{"level", "levelname", "severity", "lvl", "@l", "log.level"}
	jsonReqIDKeys   = []string{"request_id", "req_id", "requestId", "reqId", "req.id", "RequestId", "trace_id", "requestID"}
	jsonHostKeys    = []string{"request.host", "host", "RequestHost", "proxy.host", "http.host", "url.domain"}
	jsonAuthKeys    = []string{"has_auth", "hasAuth", "auth_present", "authorization_present", "auth", "authorization", "bearer"}
	jsonBytesKeys   = []string{"body_bytes_sent", "bytes_sent", "response_size", "responseSize", "httpRequest.responseSize", "res.contentLength", "BytesSent"}
	jsonCTypeKeys   = []string{"sent_http_content_type", "resp_content_type", "response_content_type", "content_type_sent"}
	// jsonCTypeAccessKeys: an access record's own content_type, last.
	jsonCTypeAccessKeys = append(append([]string{}, jsonCTypeKeys...), "content_type", "contentType")
)

// accessRecord: the record names its request's fields request_* (an
// access log's own layout: request_method, request_uri, request_time),
// so its unprefixed fields describe the response.
func accessRecord(r rec) bool {
	for _, k := range r.keys {
		if strings.HasPrefix(k, "request_") && k != "request_id" {
			return true
		}
	}
	return false
}

// The JSON keys --json-field accepts.
var JSONFieldNames = []string{"time", "method", "path", "status", "client_ip", "user_agent", "duration_ms", "duration_s", "authorization", "message", "host", "request_id", "level", "forwarded_for"}

var nginxHexEscape = regexp.MustCompile(`\\x([0-9A-Fa-f]{2})`)

func (p *jsonLogParser) Parse(line []byte, ev *Event) error {
	line = trimSpaceBytes(line)
	if len(line) == 0 || line[0] != '{' {
		return errors.New("not a JSON object")
	}
	if !gjson.ValidBytes(line) {
		// nginx JSON formats written without escape=json use \xHH.
		fixed := nginxHexEscape.ReplaceAll(line, []byte(`\u00$1`))
		if !gjson.ValidBytes(fixed) {
			return errors.New("malformed JSON")
		}
		line = fixed
	}
	return p.record(newRec(gjson.ParseBytes(line)), ev)
}

func (p *jsonLogParser) record(r rec, ev *Event) error {
	family := jsonFamily(r)
	if j := r.Get("jsonPayload"); j.IsObject() && !r.Get("httpRequest").Exists() {
		// Cloud Logging wrapping an app's JSON: read the payload, keep the outer time.
		outer := r.Get("timestamp")
		r = newRec(j)
		if !p.firstOf(r, jsonTimeKeys, "time").Exists() {
			if t, zone, assumed, ok := p.timeOf(outer); ok {
				ev.Time, ev.Zone, ev.ZoneAssumed = t, zone, assumed
			}
		}
	}
	ev.Format, ev.Bytes = "json-"+family, -1
	if t, zone, assumed, ok := p.timeOf(p.firstOf(r, jsonTimeKeys, "time")); ok {
		ev.Time, ev.Zone, ev.ZoneAssumed = t, zone, assumed
	}

	method := p.firstOf(r, jsonMethodKeys, "method").String()
	target := p.firstOf(r, jsonTargetKeys, "path").String()
	if method == "" && target == "" && p.firstOf(r, jsonStatusKeys, "status").Exists() {
		// "Request completed: HEAD /mcp" with a status_code key: an
		// access record whose request is in its message.
		if m := genericRequest.FindStringSubmatch(p.message(r)); m != nil {
			method, target = m[1], m[2]
		}
	}
	headers := p.firstObject(r, jsonHeaderKeys)
	if isMethod(strings.ToUpper(method)) && target != "" {
		ev.Method = strings.ToUpper(method)
		setTarget(ev, target)
		if s := p.firstOf(r, jsonStatusKeys, "status"); s.Exists() {
			if n := s.Int(); n >= 100 && n <= 599 {
				ev.Status = int(n)
			}
		}
		ev.Peer = ParseAddr(p.firstOf(r, jsonClientKeys, "client_ip").String())
		ev.Host = p.firstOf(r, jsonHostKeys, "host").String()
		p.readHeaders(r, headers, ev)
		p.readDuration(r, family, ev)
		p.readResponseHeaders(r, ev)
		p.readBytes(r, family, ev)
		if ev.Status == 0 && family == "caddy" && r.Get("status").Exists() {
			// Caddy logs status 0 when nothing was written: the client
			// went away first.
			ev.ClientGone = true
		}
	} else if target != "" && strings.HasPrefix(target, "/") {
		ev.Path = target // a message about a path
	}
	ev.Message = p.message(r)
	if reason := errorDetail(r); reason != "" && !strings.Contains(ev.Message, reason) {
		// Loggers put the reason in fields of its own: {"msg":"registration
		// rejected","error":"invalid_redirect_uri"}. It is part of what the
		// app said.
		if ev.Message != "" {
			ev.Message += ": "
		}
		ev.Message += reason
	}
	ev.Level = p.level(r)
	ev.RequestID = p.firstOf(r, jsonReqIDKeys, "request_id").String()
	ev.Signals = SignalsOf(ev.Message)
	if ev.Method == "" && ev.Message == "" {
		return errors.New("a JSON record with no request and no message")
	}
	return nil
}

// jsonFamily names the logger from its keys.
func jsonFamily(r rec) string {
	switch {
	case strings.HasPrefix(r.Get("logger").String(), "http.log.access"), r.Get("request.remote_ip").Exists() && r.Get("request.uri").Exists():
		return "caddy"
	case r.Get("DownstreamStatus").Exists(), r.Get("ClientHost").Exists() && r.Get("RequestPath").Exists():
		return "traefik"
	case r.Get("httpRequest").IsObject():
		return "gcp"
	case r.Get("proxy").IsObject() && (r.Get("deploymentId").Exists() || r.Get("source").Exists()):
		return "vercel"
	case r.Get("event.request").IsObject() && (r.Get("scriptName").Exists() || r.Get("outcome").Exists()):
		return "cf-worker"
	case r.Get("req").IsObject() && r.Get("v").Exists():
		return "bunyan"
	case r.Get("req").IsObject() || r.Get("res").IsObject() || r.Get("responseTime").Exists():
		return "pino"
	case r.Get("v").Exists() && r.Get("level").Type == gjson.Number:
		return "bunyan"
	case r.Get("level").Type == gjson.Number && r.Get("msg").Exists():
		return "pino"
	case r.Get("ts").Exists() && (r.Get("caller").Exists() || r.Get("msg").Exists()):
		return "zap"
	case r.Get("levelname").Exists():
		return "python"
	case r.Get("event").Type == gjson.String && r.Get("level").Exists():
		return "structlog"
	case r.Get("message").Exists() && r.Get("time").Exists() && r.Get("level").Exists():
		return "zerolog"
	case r.Get("msg").Exists() && r.Get("time").Exists() && r.Get("level").Exists():
		return "slog-logrus" // the same keys; only the values differ
	case r.Get("message").Exists() && r.Get("level").Exists():
		return "winston"
	}
	return "generic"
}

// firstOf returns the first present key of keys, after the user's own
// mapping for field (--json-field) if there is one.
func (p *jsonLogParser) firstOf(r rec, keys []string, field string) gjson.Result {
	if path, ok := p.cfg.JSONFields[field]; ok {
		if v := r.Get(path); v.Exists() {
			return v
		}
	}
	for _, k := range keys {
		if v := r.Get(k); v.Exists() && v.Type != gjson.Null {
			return v
		}
	}
	return gjson.Result{}
}

func (p *jsonLogParser) firstObject(r rec, keys []string) gjson.Result {
	for _, k := range keys {
		if v := r.Get(k); v.IsObject() {
			return v
		}
	}
	return gjson.Result{}
}

func (p *jsonLogParser) timeOf(v gjson.Result) (time.Time, string, bool, bool) {
	switch v.Type {
	case gjson.Number:
		t, ok := epoch(v.Raw)
		return t, "", false, ok
	case gjson.String:
		if t, ok := epoch(v.Str); ok && isDigitString(v.Str) {
			return t, "", false, true
		}
		return p.cfg.parseTimestamp(v.Str)
	}
	return time.Time{}, "", false, false
}

func isDigitString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}

// header finds a header in a headers object (values may be strings or
// arrays), or in Traefik's flat request_<Name> keys.
func header(r rec, headers gjson.Result, name string) (string, bool) {
	if headers.IsObject() {
		var val string
		var found bool
		headers.ForEach(func(k, v gjson.Result) bool {
			if strings.EqualFold(k.String(), name) {
				found = true
				if v.IsArray() {
					if a := v.Array(); len(a) > 0 {
						val = a[0].String()
					}
				} else {
					val = v.String()
				}
				return false
			}
			return true
		})
		if found {
			return val, true
		}
	}
	if v := r.Get("request_" + name); v.Exists() {
		return v.String(), true
	}
	return "", false
}

func (p *jsonLogParser) readHeaders(r rec, headers gjson.Result, ev *Event) {
	ua := p.firstOf(r, jsonUAKeys, "user_agent")
	switch {
	case ua.IsArray():
		if a := ua.Array(); len(a) > 0 {
			ev.UserAgent, ev.UAKnown = a[0].String(), true
		}
	case ua.Exists():
		ev.UserAgent, ev.UAKnown = ua.String(), true
	default:
		if v, ok := header(r, headers, "User-Agent"); ok {
			ev.UserAgent, ev.UAKnown = v, true
		} else if headers.IsObject() {
			ev.UAKnown = true // the headers are logged and hold none
		}
	}
	// The Referer ties a login or consent step to its authorization when
	// the address cannot (behind a proxy that forwards none).
	switch ref := p.firstOf(r, jsonRefererKeys, "referer"); {
	case ref.IsArray():
		if a := ref.Array(); len(a) > 0 {
			ev.Referer = a[0].String()
		}
	case ref.Exists():
		ev.Referer = ref.String()
	default:
		if v, ok := header(r, headers, "Referer"); ok {
			ev.Referer = v
		}
	}
	if ev.Referer == "-" {
		ev.Referer = ""
	}
	if v, ok := header(r, headers, "X-Forwarded-For"); ok {
		ev.ForwardedFor = ParseAddrList(v)
	} else if v := p.firstOf(r, []string{"x_forwarded_for", "xff", "forwarded_for"}, "forwarded_for"); v.Exists() {
		ev.ForwardedFor = ParseAddrList(v.String())
	}
	for _, h := range []string{"CF-Connecting-IP", "True-Client-IP", "X-Real-IP", "Fly-Client-IP"} {
		if v, ok := header(r, headers, h); ok && ParseAddr(v).IsValid() {
			ev.ConnectingIP, ev.ConnectingIPHeader = ParseAddr(v), h
			break
		}
	}
	if host, ok := header(r, headers, "Host"); ok && ev.Host == "" {
		ev.Host = host
	}
	// Whether Authorization was sent: the header logged (any value, even
	// an empty array or "REDACTED"), a flag of the app's own, or a full
	// set of logged headers without it.
	switch v, ok := header(r, headers, "Authorization"); {
	case ok:
		ev.Authorization = Present
		_ = v
	case p.firstOf(r, jsonAuthKeys, "authorization").Exists():
		a := p.firstOf(r, jsonAuthKeys, "authorization")
		switch a.Type {
		case gjson.True:
			ev.Authorization = Present
		case gjson.False, gjson.Null:
			ev.Authorization = Absent
		default:
			ev.Authorization = ParsePresence(a.String())
		}
	case headers.IsObject() && len(headers.Map()) >= 3:
		ev.Authorization = Absent
	}
}

// readBytes takes the response body's size: nginx's escape=json formats
// name it after $body_bytes_sent, Caddy calls it size.
func (p *jsonLogParser) readBytes(r rec, family string, ev *Event) {
	keys := jsonBytesKeys
	if family == "caddy" {
		keys = []string{"size"}
	}
	for _, k := range keys {
		if v := r.Get(k); v.Exists() {
			if n, err := strconv.ParseInt(strings.TrimSpace(v.String()), 10, 64); err == nil && n >= 0 {
				ev.Bytes = n
			}
			return
		}
	}
}

func (p *jsonLogParser) readResponseHeaders(r rec, ev *Event) {
	resp := p.firstObject(r, jsonRespKeys)
	if !resp.IsObject() {
		if v := r.Get("downstream_Content-Type"); v.Exists() {
			ev.ContentType = v.String()
		}
		keys := jsonCTypeKeys
		if accessRecord(r) {
			// Beside request_* fields, a bare content_type is the
			// response's: what the access log says was sent back.
			keys = jsonCTypeAccessKeys
		}
		for _, k := range keys {
			if v := r.Get(k); v.Type == gjson.String && v.Str != "" && v.Str != "-" {
				ev.ContentType = v.Str
				break
			}
		}
		return
	}
	if v, ok := header(rec{}, resp, "Content-Type"); ok {
		ev.ContentType = v
	}
	if v, ok := header(rec{}, resp, "Location"); ok {
		ev.Location = v
	}
	if v, ok := header(rec{}, resp, "WWW-Authenticate"); ok {
		ev.WWWAuthenticate, ev.HasWWWAuth = v, Present
	} else {
		ev.HasWWWAuth = Absent
	}
}

// readDuration knows each family's unit: Caddy writes seconds, Traefik
// nanoseconds, pino milliseconds, Cloud Logging "0.012s".
func (p *jsonLogParser) readDuration(r rec, family string, ev *Event) {
	set := func(d time.Duration) { ev.Duration, ev.HasDuration = d, true }
	if v := p.firstOf(r, nil, "duration_ms"); v.Exists() {
		set(time.Duration(v.Float() * float64(time.Millisecond)))
		return
	}
	if v := p.firstOf(r, nil, "duration_s"); v.Exists() {
		set(time.Duration(v.Float() * float64(time.Second)))
		return
	}
	switch family {
	case "caddy":
		if v := r.Get("duration"); v.Exists() {
			set(time.Duration(v.Float() * float64(time.Second)))
		}
		return
	case "traefik":
		if v := r.Get("Duration"); v.Exists() {
			set(time.Duration(v.Int()))
		}
		return
	case "gcp":
		if d, err := time.ParseDuration(r.Get("httpRequest.latency").String()); err == nil {
			set(d)
		}
		return
	case "pino", "bunyan":
		if v := r.Get("responseTime"); v.Exists() {
			set(time.Duration(v.Float() * float64(time.Millisecond)))
		}
		return
	case "zerolog":
		if v := r.Get("duration"); v.Type == gjson.Number {
			set(time.Duration(v.Float() * float64(time.Millisecond)))
		}
		return
	}
	for _, k := range []string{"duration_ms", "elapsed_ms", "latency_ms", "response_time_ms", "took_ms", "durationMs"} {
		if v := r.Get(k); v.Type == gjson.Number {
			set(time.Duration(v.Float() * float64(time.Millisecond)))
			return
		}
	}
	for _, k := range []string{"request_time", "duration_s", "latency_s", "elapsed_s"} {
		if v := r.Get(k); v.Type == gjson.Number {
			set(time.Duration(v.Float() * float64(time.Second)))
			return
		}
	}
	for _, k := range []string{"duration", "latency", "elapsed"} {
		if v := r.Get(k); v.Type == gjson.String {
			if d, err := time.ParseDuration(v.Str); err == nil {
				set(d)
				return
			}
		}
	}
}

func (p *jsonLogParser) message(r rec) string {
	if v := p.firstOf(r, jsonMessageKeys, "message"); v.Type == gjson.String {
		return v.Str
	}
	// A Cloudflare Worker's console output.
	var parts []string
	r.Get("logs.#.message").ForEach(func(_, v gjson.Result) bool {
		if v.IsArray() {
			for _, m := range v.Array() {
				parts = append(parts, m.String())
			}
		} else {
			parts = append(parts, v.String())
		}
		return true
	})
	return strings.Join(parts, "; ")
}

// jsonErrorKeys are where loggers put the reason for a message.
var jsonErrorKeys = []string{"error", "err", "error_description", "reason", "error.message", "err.message", "exception"}

// errorDetail joins the string values of a record's error fields.
func errorDetail(r rec) string {
	var parts []string
	for _, k := range jsonErrorKeys {
		if v := r.Get(k); v.Type == gjson.String && v.Str != "" {
			parts = append(parts, v.Str)
		}
	}
	return strings.Join(parts, " — ")
}

var pinoLevels = map[int64]string{10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal"}

func (p *jsonLogParser) level(r rec) string {
	v := p.firstOf(r, jsonLevelKeys, "level")
	if v.Type == gjson.Number {
		return pinoLevels[v.Int()]
	}
	return strings.ToLower(v.String())
}

func trimSpaceBytes(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// rec is a parsed JSON record with its top-level keys indexed: the parser
// asks for dozens of candidate keys, and gjson would scan the whole
// record for each.
type rec struct {
	gjson.Result
	keys []string
	vals []gjson.Result
}

func newRec(r gjson.Result) rec {
	out := rec{Result: r, keys: make([]string, 0, 16), vals: make([]gjson.Result, 0, 16)}
	if !r.IsObject() {
		out.keys = nil
		return out
	}
	r.ForEach(func(k, v gjson.Result) bool {
		out.keys = append(out.keys, k.Str)
		out.vals = append(out.vals, v)
		return true
	})
	return out
}

// Get is gjson's Get, answered from the index for plain dotted paths.
func (r rec) Get(path string) gjson.Result {
	if r.keys == nil {
		return r.Result.Get(path)
	}
	seg, rest := path, ""
	if i := strings.IndexAny(path, ".|#*?\\@"); i >= 0 {
		if path[i] != '.' {
			return r.Result.Get(path)
		}
		seg, rest = path[:i], path[i+1:]
	}
	for k, key := range r.keys {
		if key == seg {
			if rest == "" {
				return r.vals[k]
			}
			return r.vals[k].Get(rest)
		}
	}
	return gjson.Result{}
}
