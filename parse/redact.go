package parse

import (
	"bytes"
	"regexp"
)

// Redacted replaces every secret value the tool removes.
const Redacted = "[redacted]"

// Secret parameter and key names. Public values of the flow (client_id,
// code_challenge, state, redirect_uri, scope, resource) stay readable:
// they are what a maintainer needs to trace an attempt.
const secretNames = `code|client_secret|access_token|refresh_token|id_token|code_verifier|` +
	`client_assertion|registration_access_token|token|api_key|apikey|api-key|x-api-key|key|` +
	`secret|sig|signature|password|passwd|session_token|jwt|assertion|subject_token|` +
	`usertoken|user_token|auth_token|authtoken|private_token|` +
	`authorization|proxy-authorization|cookie|set-cookie|mcp-session-id`

var (
	// name=value in query strings, form bodies and key=value logs.
	reParam = regexp.MustCompile(`(?i)(^|[?&;,\s"'{(])(` + secretNames + `)=([^&\s"',;)}\]]+)`)
	// "name": "value" and "name": ["value"] in JSON (Caddy logs headers as arrays).
	reJSON = regexp.MustCompile(`(?i)("(?:` + secretNames + `)"\s*:\s*\[?\s*")((?:[^"\\]|\\.)*)(")`)
	// The same inside nginx default escaping (\x22 for a quote) and in JSON-in-JSON (\").
	reJSONx  = regexp.MustCompile(`(?i)(\\x22(?:` + secretNames + `)\\x22\s*:\s*(?:\[\s*)?\\x22)(.*?)(\\x22)`)
	reJSONbs = regexp.MustCompile(`(?i)(\\"(?:` + secretNames + `)\\"\s*:\s*(?:\[\s*)?\\")(.*?)(\\")`)
	// Authorization schemes followed by a credential, anywhere.
	reScheme         = regexp.MustCompile(`(?i)\b(bearer|basic)(\s+|%20|\+)([A-Za-z0-9._~+/=-]{10,})`)
	reChallengeParam = regexp.MustCompile(`^[a-z_]+=$`)
	// Header lines: "Cookie: a=b; c=d" up to the end of the quoted value or line.
	reHeader = regexp.MustCompile(`(?i)\b((?:set-)?cookie|x-api-key|proxy-authorization)(\s*[:=]\s*)([^"\r\n]+)`)
	// JSON Web Tokens: base64url header, payload and signature.
	reJWT = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`)
)

// redactTriggers are cheap substring checks that let most lines skip the
// regular expressions entirely. Every pattern above contains one of them
// (case-insensitively).
var redactTriggers = [][]byte{
	[]byte("code"), []byte("secret"), []byte("token"), []byte("key"), []byte("sig"),
	[]byte("passw"), []byte("assertion"), []byte("jwt"), []byte("bearer"), []byte("basic"),
	[]byte("cookie"), []byte("authorization"),
	[]byte("session-id"), []byte("eyj"),
}

// Redact returns line with every secret value masked. It returns line
// itself when nothing needed masking.
func Redact(line []byte) []byte {
	if !mayHoldSecret(line) {
		return line
	}
	out := line
	out = reJWT.ReplaceAll(out, []byte(Redacted))
	out = reParam.ReplaceAllFunc(out, func(m []byte) []byte {
		sub := reParam.FindSubmatchIndex(m)
		if isRedactedOrEmpty(m[sub[6]:sub[7]]) {
			return m
		}
		return concat(m[:sub[6]], []byte(Redacted))
	})
	out = reJSON.ReplaceAll(out, []byte("${1}"+Redacted+"${3}"))
	out = reJSONx.ReplaceAll(out, []byte("${1}"+Redacted+"${3}"))
	out = reJSONbs.ReplaceAll(out, []byte("${1}"+Redacted+"${3}"))
	out = reScheme.ReplaceAllFunc(out, func(m []byte) []byte {
		sub := reScheme.FindSubmatchIndex(m)
		cred := m[sub[6]:sub[7]]
		// "Bearer resource_metadata=…", "Basic realm=…" are challenges
		// with parameters, not credentials.
		if isRedactedOrEmpty(cred) || reChallengeParam.Match(cred) {
			return m
		}
		return concat(m[:sub[6]], []byte(Redacted))
	})
	out = reHeader.ReplaceAllFunc(out, func(m []byte) []byte {
		sub := reHeader.FindSubmatchIndex(m)
		if isRedactedOrEmpty(bytes.TrimSpace(m[sub[6]:sub[7]])) {
			return m
		}
		return concat(m[:sub[6]], []byte(Redacted))
	})
	return out
}

// RedactString is Redact for strings.
func RedactString(s string) string {
	b := Redact([]byte(s))
	return string(b)
}

func isRedactedOrEmpty(v []byte) bool {
	return len(v) == 0 || string(v) == "-" || bytes.HasPrefix(v, []byte(Redacted[:len(Redacted)-1])) ||
		bytes.EqualFold(v, []byte("present")) || bytes.EqualFold(v, []byte("absent"))
}

func concat(a, b []byte) []byte {
	out := make([]byte, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}

func mayHoldSecret(line []byte) bool {
	for _, t := range redactTriggers {
		if indexFold(line, t) >= 0 {
			return true
		}
	}
	return false
}

// indexFold finds lower-case ASCII needle in s, ignoring ASCII case.
func indexFold(s, needle []byte) int {
	if len(needle) == 0 {
		return 0
	}
	first := needle[0]
	upper := first - ('a' - 'A')
	for i := 0; i+len(needle) <= len(s); {
		j := bytes.IndexByte(s[i:len(s)-len(needle)+1], first)
		k := bytes.IndexByte(s[i:len(s)-len(needle)+1], upper)
		if j < 0 || (k >= 0 && k < j) {
			j = k
		}
		if j < 0 {
			return -1
		}
		p := i + j
		if asciiEqualFold(s[p:p+len(needle)], needle) {
			return p
		}
		i = p + 1
	}
	return -1
}

func asciiEqualFold(a, lowerB []byte) bool {
	for i := range a {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lowerB[i] {
			return false
		}
	}
	return true
}
