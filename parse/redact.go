package parse

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// Redacted starts the marker that replaces every secret value:
// "[redacted:1a2b3c]", where the six hex digits are a fingerprint of the
// value (a truncated SHA-256), so that two lines can be seen to carry the
// same token without either showing it. 24 bits say nothing useful
// about a token's value.
const Redacted = "[redacted"

// mask returns the marker for a secret value.
func mask(value []byte) []byte {
	sum := sha256.Sum256(append([]byte("mcptriage:"), value...))
	return []byte(Redacted + ":" + hex.EncodeToString(sum[:3]) + "]")
}

// Mask is mask for strings, for the parsers that blank a whole field.
func Mask(value string) string { return string(mask([]byte(value))) }

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
	// Credentials recognisable by their shape wherever they appear, even
	// logged bare: Stripe, GitHub, Slack, Google OAuth, AWS access keys.
	reKnownToken = regexp.MustCompile(`\b(?:[sr]k_(?:live|test)_[A-Za-z0-9]{8,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|ya29\.[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16})\b`)
)

// secretNameSet holds the secretNames alternatives, for the prefilter.
var secretNameSet = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Split(secretNames, "|") {
		m[n] = true
	}
	return m
}()

// Redact returns line with every secret value masked. It returns line
// itself when nothing needed masking.
func Redact(line []byte) []byte {
	if !mayHoldSecret(line) {
		return line
	}
	return redactAll(line)
}

// redactAll applies every pattern; Redact skips it for lines that cannot match.
func redactAll(line []byte) []byte {
	out := line
	out = reJWT.ReplaceAllFunc(out, mask)
	out = reKnownToken.ReplaceAllFunc(out, mask)
	out = reParam.ReplaceAllFunc(out, func(m []byte) []byte {
		sub := reParam.FindSubmatchIndex(m)
		if isRedactedOrEmpty(m[sub[6]:sub[7]]) {
			return m
		}
		return concat(m[:sub[6]], mask(m[sub[6]:sub[7]]))
	})
	for _, re := range []*regexp.Regexp{reJSON, reJSONx, reJSONbs} {
		out = maskGroup2(re, out)
	}
	out = reScheme.ReplaceAllFunc(out, func(m []byte) []byte {
		sub := reScheme.FindSubmatchIndex(m)
		cred := m[sub[6]:sub[7]]
		// "Bearer resource_metadata=…", "Basic realm=…" are challenges
		// with parameters, not credentials.
		if isRedactedOrEmpty(cred) || reChallengeParam.Match(cred) {
			return m
		}
		return concat(m[:sub[6]], mask(cred))
	})
	out = reHeader.ReplaceAllFunc(out, func(m []byte) []byte {
		sub := reHeader.FindSubmatchIndex(m)
		if isRedactedOrEmpty(bytes.TrimSpace(m[sub[6]:sub[7]])) {
			return m
		}
		return concat(m[:sub[6]], mask(bytes.TrimSpace(m[sub[6]:sub[7]])))
	})
	return out
}

// RedactString is Redact for strings.
func RedactString(s string) string {
	b := Redact([]byte(s))
	return string(b)
}

// maskGroup2 masks the second group of each match of a three-group
// pattern (opening, value, closing), keeping the first and the third.
func maskGroup2(re *regexp.Regexp, in []byte) []byte {
	return re.ReplaceAllFunc(in, func(m []byte) []byte {
		sub := re.FindSubmatchIndex(m)
		v := m[sub[4]:sub[5]]
		if isRedactedOrEmpty(v) {
			return m
		}
		out := append([]byte{}, m[:sub[4]]...)
		out = append(out, mask(v)...)
		return append(out, m[sub[5]:]...)
	})
}

func isRedactedOrEmpty(v []byte) bool {
	return len(v) == 0 || string(v) == "-" || bytes.HasPrefix(v, []byte(Redacted)) ||
		bytes.EqualFold(v, []byte("present")) || bytes.EqualFold(v, []byte("absent"))
}

func concat(a, b []byte) []byte {
	out := make([]byte, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}

// mayHoldSecret is the cheap test that lets most lines skip the regular
// expressions: every pattern above needs a secret name before "=" or as
// a quoted key, a JWT, an authorization scheme or a cookie header.
func mayHoldSecret(line []byte) bool {
	if bytes.Contains(line, []byte("eyJ")) || mayHoldKnownToken(line) {
		return true
	}
	for i := bytes.IndexByte(line, '='); i >= 0; {
		if secretNameBefore(line, i) {
			return true
		}
		next := bytes.IndexByte(line[i+1:], '=')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	for i := bytes.IndexByte(line, ':'); i >= 0; {
		// "key": or \x22key\x22: or \"key\":, maybe with spaces before the colon
		j := i
		for j > 0 && (line[j-1] == ' ' || line[j-1] == '\t') {
			j--
		}
		switch {
		case j >= 1 && line[j-1] == '"':
			j--
			if j >= 1 && line[j-1] == '\\' {
				j--
			}
		case j >= 4 && string(line[j-4:j]) == `\x22`:
			j -= 4
		}
		if j < i && j > 0 && line[j] != ':' && secretNameBefore(line, j) {
			return true
		}
		next := bytes.IndexByte(line[i+1:], ':')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	for _, word := range [][]byte{[]byte("bearer"), []byte("basic"), []byte("cookie"), []byte("x-api-key"), []byte("proxy-authorization")} {
		if indexFold(line, word) >= 0 {
			return true
		}
	}
	return false
}

// mayHoldKnownToken checks the prefixes of reKnownToken.
func mayHoldKnownToken(line []byte) bool {
	for _, p := range knownTokenPrefixes {
		if bytes.Contains(line, p) {
			return true
		}
	}
	return false
}

var knownTokenPrefixes = [][]byte{[]byte("k_live_"), []byte("k_test_"), []byte("ghp_"), []byte("gho_"), []byte("ghu_"), []byte("ghs_"), []byte("ghr_"), []byte("github_pat_"), []byte("xox"), []byte("ya29."), []byte("AKIA")}

// secretNameBefore reports whether the name ending at line[end] (letters,
// digits, '_' and '-', compared without case) is a secret's name.
func secretNameBefore(line []byte, end int) bool {
	start := end
	for start > 0 && end-start < 32 {
		c := line[start-1]
		if !(c == '_' || c == '-' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')) {
			break
		}
		start--
	}
	// An nginx-escaped opening quote (\x22) is not part of the name.
	if start >= 1 && line[start-1] == '\\' && end-start > 3 && string(line[start:start+3]) == "x22" {
		start += 3
	}
	if start == end || end-start >= 32 {
		return false
	}
	var buf [32]byte
	name := buf[:end-start]
	for k, c := range line[start:end] {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		name[k] = c
	}
	return secretNameSet[string(name)]
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
