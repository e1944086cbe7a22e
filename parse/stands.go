package parse

import (
	"regexp"
	"strings"
)

// Lines that name a request without writing its path: a JSON-RPC method
// ("tools/list", "Processing request of type InitializeRequest") is a
// POST to the MCP endpoint; a role phrase ("token request failed",
// "served protected resource metadata") is the request of that role. And
// lines of the server's own HTTP client, which are never requests it
// received.

// rpcNames are MCP's JSON-RPC methods, lower case.
var rpcNames = map[string]string{
	"initialize": "initialize", "notifications/initialized": "notifications/initialized", "ping": "ping",
	"tools/list": "tools/list", "tools/call": "tools/call", "resources/list": "resources/list",
	"resources/read": "resources/read", "resources/templates/list": "resources/templates/list",
	"resources/subscribe": "resources/subscribe", "prompts/list": "prompts/list", "prompts/get": "prompts/get",
	"completion/complete": "completion/complete", "logging/setlevel": "logging/setLevel",
	"notifications/cancelled": "notifications/cancelled", "notifications/progress": "notifications/progress",
	"notifications/roots/list_changed": "notifications/roots/list_changed",
}

// The Python SDK's "Processing request of type ListToolsRequest".
var sdkRequestTypes = map[string]string{
	"initializerequest": "initialize", "pingrequest": "ping", "listtoolsrequest": "tools/list",
	"calltoolrequest": "tools/call", "listresourcesrequest": "resources/list", "readresourcerequest": "resources/read",
	"listresourcetemplatesrequest": "resources/templates/list", "listpromptsrequest": "prompts/list",
	"getpromptrequest": "prompts/get", "completerequest": "completion/complete", "setlevelrequest": "logging/setLevel",
	"initializednotification": "notifications/initialized",
}

// rpcName is the JSON-RPC method v names, or "".
func rpcName(v string) string {
	v = strings.ToLower(strings.Trim(v, "\"'`*[](),.:;"))
	if r, ok := rpcNames[v]; ok {
		return r
	}
	return sdkRequestTypes[v]
}

// Words that say a line is about a request being handled (so a bare
// "initialize" or a role phrase names one, not a plan or a setting).
var handlingWords = regexp.MustCompile(`(?i)\b(request(ed)?|received|receiving|handl(e|ed|ing)|process(ed|ing)?|serv(e|ed|ing)|call(ed)?|fail(ed|s|ure)?|succe(eded|ss|ssful)|error|reject(ed)?|refused|denied|return(ed|s)?|respond(ed|s)?|complet(ed|e)|invalid|ok|issued|accepted|got|incoming|method)\b`)

// Role phrases: the request of one step of the flow, named in words.
var rolePhrases = []struct {
	re     *regexp.Regexp
	method string
	path   string
}{
	{regexp.MustCompile(`(?i)\bprotected[ -]resource[ -]metadata\b`), "GET", "/.well-known/oauth-protected-resource"},
	{regexp.MustCompile(`(?i)\b(authori[sz]ation[ -]server[ -]metadata|openid[ -]configuration|oidc discovery)\b`), "GET", "/.well-known/oauth-authorization-server"},
	{regexp.MustCompile(`(?i)\btoken (request|exchange|endpoint|call)\b|\b(exchang(e|ing)|redeem(ing)?) (the |an |authorization )*code\b`), "POST", "/token"},
	{regexp.MustCompile(`(?i)\b(dynamic client registration|client registration|registration request|register(ing)? (a |the )?(new )?client|dcr request)\b`), "POST", "/register"},
	{regexp.MustCompile(`(?i)\b(authori[sz]e|authori[sz]ation) request\b`), "GET", "/authorize"},
}

// roleKeywords: one of them is in every role phrase (a cheap first look).
var roleKeywords = []string{"metadata", "token", "regist", "authori", "openid", "oidc", "code"}

// containsAnyFold reports whether s holds one of the lower-case words,
// ignoring ASCII case.
func containsAnyFold(s string, words []string) bool {
	b := []byte(s)
	for _, w := range words {
		if indexFold(b, []byte(w)) >= 0 {
			return true
		}
	}
	return false
}

// standsFor finds a request named without its path: a JSON-RPC method
// (a POST to endpoint, the path a startup line gave, or none) or a role
// phrase. The line must be about handling it, and not say it did not
// happen.
func (pl *pasted) standsFor(endpoint string) bool {
	if pl.target != "" || pl.outbound {
		return false
	}
	if pl.rpc == "" {
		pl.rpc = pl.rpcToken()
	}
	switch {
	case pl.rpc != "":
		pl.rolePath = endpoint
	default:
		words := pl.rest + " " + pl.msg
		if !containsAnyFold(words, roleKeywords) {
			return false
		}
		for _, r := range rolePhrases {
			if r.re.MatchString(words) {
				pl.method, pl.rolePath = r.method, r.path
				break
			}
		}
		if pl.rolePath == "" || !handlingWords.MatchString(words) && pl.status == 0 {
			pl.method, pl.rolePath = "", ""
			return false
		}
	}
	if pl.noteOfAbsence(0, len(pl.toks)) >= 0 {
		pl.rpc, pl.rolePath, pl.method = "", "", ""
		return false
	}
	if !pl.statusKeyed {
		if i := pl.statusToken(0, len(pl.toks)); i >= 0 {
			pl.status = atoiStatus(pl.toks[i].s)
		}
	}
	return true
}

// rpcToken finds a JSON-RPC method among the line's words: one with a
// slash ("tools/list") anywhere, a bare one ("initialize") only quoted,
// in code, or beside words about a request.
func (pl *pasted) rpcToken() string {
	for i, t := range pl.toks {
		r := rpcName(t.s)
		if r == "" {
			continue
		}
		if strings.Contains(r, "/") && strings.Contains(t.s, "/") {
			return r
		}
		if _, sdk := sdkRequestTypes[strings.ToLower(strings.Trim(t.s, "\"'`*[](),.:;"))]; sdk {
			return r
		}
		if t.raw != t.s && strings.ContainsAny(t.raw[:1], "\"'`") {
			return r
		}
		for _, j := range []int{i - 1, i + 1} {
			if j >= 0 && j < len(pl.toks) && handlingWords.MatchString(pl.toks[j].s) {
				return r
			}
		}
	}
	return ""
}

var (
	// httpx: HTTP Request: GET https://… "HTTP/1.1 200 OK"
	httpxRequest = regexp.MustCompile(`HTTP Request: ([A-Z]+) (\S+) "HTTP/[\d.]+ (\d{3})`)
	// urllib3 (requests): https://host:443 "GET /path HTTP/1.1" 200 123
	urllib3Request = regexp.MustCompile(`(https?://[^\s"/]+) "([A-Z]+) (\S+) HTTP/[\d.]+" (\d{3})`)
	urllib3Conn    = regexp.MustCompile(`Starting new HTTPS? connection \(\d+\): (\S+)`)
	// Go's net/http client: Get "https://…": dial tcp …
	goClientError = regexp.MustCompile(`\b(Get|Post|Put|Patch|Delete|Head|Options) "(https?://[^"\s]+)": `)
	// An app saying what it fetches: "fetching client metadata from https://…".
	fetchWords = regexp.MustCompile(`(?i)\b(fetch(?:ing|ed)?|failed to fetch|calling|requesting|retriev(?:e|ing|ed)|download(?:ing|ed)?|loading|getting|outbound|outgoing|proxying to|forwarding to|request to)\b[^\n]{0,60}?(https?://[^\s"'<>)\]]+)`)
)

// outboundLine tells a line of the server's own HTTP client, and reads
// its request.
func (pl *pasted) outboundLine(text string) bool {
	if !strings.Contains(text, "://") && !strings.Contains(text, "connection") {
		return false
	}
	set := func(method, url, status string) {
		pl.outbound, pl.method, pl.target, pl.status = true, method, url, atoiStatus(status)
	}
	if m := httpxRequest.FindStringSubmatch(text); m != nil {
		set(m[1], m[2], m[3])
	} else if m := urllib3Request.FindStringSubmatch(text); m != nil {
		set(m[2], m[1]+m[3], m[4])
	} else if m := urllib3Conn.FindStringSubmatch(text); m != nil {
		set("", "https://"+m[1], "")
	} else if m := goClientError.FindStringSubmatch(text); m != nil {
		set(strings.ToUpper(m[1]), m[2], "")
	} else if m := fetchWords.FindStringSubmatchIndex(text); m != nil && !pl.inboundShape() {
		set("GET", strings.TrimRight(text[m[4]:m[5]], ".,;:"), "")
		// its status, when the line gives one after the URL
		for _, t := range pl.toks {
			if t.kind == tkStatus && strings.Index(text, t.raw) > m[5] {
				pl.status = atoiStatus(t.s)
				break
			}
		}
	}
	return pl.outbound
}

// inboundShape: a method followed by a path, the shape of a request the
// server received.
func (pl *pasted) inboundShape() bool {
	for i := 0; i+1 < len(pl.toks); i++ {
		if pl.toks[i].kind == tkMethod && pl.toks[i+1].kind == tkPath {
			return true
		}
	}
	return false
}

// outbound fills ev from a line of the server's own HTTP client: an app
// message (IsRequest is false) that keeps that request's method, URL and
// status.
func (p *genericParser) outbound(pl *pasted, text string, ev *Event) error {
	ev.Format, ev.Bytes = "generic", -1
	ev.Outbound = true
	pl.lt.apply(ev)
	ev.Method, ev.Status = pl.method, pl.status
	if u, ok := cutScheme(pl.target); ok {
		host, path, _ := strings.Cut(u, "/")
		ev.Host = host
		setTarget(ev, "/"+path)
	}
	ev.Message = pl.rest
	ev.Level = pl.levelWord()
	ev.Signals = SignalsOf(text)
	if claudeClientMetadata(pl.target) && (ev.Status >= 400 || failureWords.MatchString(text)) {
		ev.Signals |= SigCIMDFetchFailed
	}
	return nil
}

var failureWords = regexp.MustCompile(`(?i)\b(fail(ed|ure)?|error|timed? ?out|refused|unreachable|forbidden|denied|invalid|unexpected|not json|html|challenge|no such host|reset)\b`)

// claudeClientMetadata: Claude's client-metadata document (CIMD), the
// URL-shaped client id it offers.
func claudeClientMetadata(u string) bool {
	l := strings.ToLower(u)
	return (strings.Contains(l, "claude.ai/") || strings.Contains(l, "claude.com/")) && strings.Contains(l, "client-metadata")
}
