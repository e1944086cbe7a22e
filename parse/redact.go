package parse

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/mcptriage/mcptriage/internal/scrub"
)

// Redacted starts the marker that replaces every secret value:
// "[redacted:1a2b3c]", where the six hex digits are a fingerprint of the
// value (a truncated SHA-256), so that two lines can be seen to carry the
// same token without either showing it. The second pass over printed
// text (internal/scrub) writes the same marker.
const Redacted = scrub.MarkerPrefix

// mask returns the marker for a secret value.
func mask(value []byte) []byte { return []byte(scrub.Marker(value)) }

// Mask is mask for strings, for the parsers that blank a whole field.
func Mask(value string) string { return scrub.Marker([]byte(value)) }

// redactOff turns read-time redaction off (DisableRedactionForTest).
var redactOff bool

// DisableRedactionForTest turns read-time redaction off until restore is
// called, so that a test can show what the second pass alone lets
// through. Outside a test binary it panics.
func DisableRedactionForTest() (restore func()) {
	if !testing.Testing() {
		panic("parse.DisableRedactionForTest called outside a test")
	}
	redactOff = true
	return func() { redactOff = false }
}

// Redact returns line with every secret value masked. It returns line
// itself when nothing needed masking. Time is linear in the line's
// length: every search below moves forward only and reads each byte a
// bounded number of times (no regular expression: on a long line the
// regexp package's matcher runs at a few MB/s).
func Redact(line []byte) []byte {
	if redactOff || !mayHoldSecret(line) {
		return line
	}
	return redactAll(line)
}

// RedactString is Redact for strings.
func RedactString(s string) string {
	b := Redact([]byte(s))
	return string(b)
}

// redactAll masks what every finder finds; Redact skips it for lines
// that cannot hold a secret.
func redactAll(line []byte) []byte {
	spans := findSecrets(line, nil)
	spans = findEncodedSecrets(line, spans)
	if len(spans) == 0 {
		return line
	}
	return maskSecretSpans(line, spans)
}

// A secretSpan is a value to mask: line[start:end]. value, when set, is
// the value decoded (a percent-encoded token gets the fingerprint of the
// token itself).
type secretSpan struct {
	start, end int
	value      []byte
}

// findSecrets appends the secrets of line, by shape and by name.
func findSecrets(line []byte, spans []secretSpan) []secretSpan {
	spans = findShapes(line, spans)
	spans = findAssignments(line, spans)
	spans = findSchemes(line, spans)
	spans = findUserinfo(line, spans)
	spans = findPathKeys(line, spans)
	return spans
}

// A shape is a credential recognisable wherever it appears: bare in free
// text, as a path segment, after an encoded "=", glued to other text. It
// is a vendor's literal prefix followed by parts, each a run of its
// class, the parts joined by a separator (a JWT's dots). The second pass
// (gitleaks' rule set) knows more vendors; these are the ones seen in MCP
// servers' logs, caught here whatever follows them.
type shape struct {
	prefix string
	parts  []shapePart
}

type shapePart struct {
	class    *byteClass
	min, max int  // the run's length; max 0: unbounded
	sep      byte // what must follow the run, 0: nothing
}

func isAlnum(c byte) bool     { return isLetter(c) || '0' <= c && c <= '9' }
func isURLSafe(c byte) bool   { return isAlnum(c) || c == '_' || c == '-' }
func isAlnumUnd(c byte) bool  { return isAlnum(c) || c == '_' }
func isAlnumDash(c byte) bool { return isAlnum(c) || c == '-' }
func isUpperDigit(c byte) bool {
	return 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// byteClass is a set of bytes, looked up rather than called: a class run
// may cover a whole line of hundreds of megabytes.
type byteClass [256]bool

func classOf(in func(byte) bool) *byteClass {
	var c byteClass
	for b := range 256 {
		c[b] = in(byte(b))
	}
	return &c
}

// shapes: at most 64 (findShapes keeps one position per shape).
var shapes = func() []shape {
	run := func(class *byteClass, min int) []shapePart { return []shapePart{{class: class, min: min}} }
	urlSafe, alnum, alnumUnd, alnumDash, upperDigit := classOf(isURLSafe), classOf(isAlnum), classOf(isAlnumUnd), classOf(isAlnumDash), classOf(isUpperDigit)
	slackKind := classOf(func(c byte) bool { return c == 'a' || c == 'b' || c == 'p' || c == 'r' || c == 's' || c == 'e' })
	list := []shape{
		{"eyJ", []shapePart{{urlSafe, 5, 0, '.'}, {urlSafe, 5, 0, '.'}, {urlSafe, 0, 0, 0}}}, // JWT
		{"AIza", run(urlSafe, 30)},  // Google API key
		{"ya29.", run(urlSafe, 20)}, // Google OAuth access token
		{"hf_", run(alnum, 30)},     // Hugging Face
		{"SG.", []shapePart{{urlSafe, 16, 32, '.'}, {urlSafe, 30, 64, 0}}},  // SendGrid
		{"sk-ant-", run(urlSafe, 24)},                                       // Anthropic (api03-, admin01-, oat01-…)
		{"sk-proj-", run(urlSafe, 20)},                                      // OpenAI project key
		{"sk-svcacct-", run(urlSafe, 20)},                                   // OpenAI service account
		{"sk-admin-", run(urlSafe, 20)},                                     // OpenAI admin key
		{"sk-", run(alnum, 32)},                                             // OpenAI legacy, DeepSeek and alike
		{"github_pat_", run(alnumUnd, 20)},                                  // GitHub fine-grained
		{"xox", []shapePart{{slackKind, 1, 1, '-'}, {alnumDash, 10, 0, 0}}}, // Slack
		{"npm_", run(alnum, 36)},                                            // npm
		{"AKIA", run(upperDigit, 16)},                                       // AWS access key id
		{"ASIA", run(upperDigit, 16)},                                       // AWS temporary key id
	}
	for _, p := range []string{"glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "glsoat-", "glft-", "glimt-"} {
		list = append(list, shape{p, run(urlSafe, 20)}) // GitLab
	}
	for _, p := range []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"} {
		list = append(list, shape{p, run(alnum, 20)}) // GitHub
	}
	for _, p := range []string{"sk_live_", "sk_test_", "rk_live_", "rk_test_"} {
		list = append(list, shape{p, run(alnum, 8)}) // Stripe secret and restricted keys
	}
	return list
}()

// match reads the shape's parts after its prefix at line[pos:] and
// returns the end of the credential, or ok false and how far the first
// part's run reaches: a later occurrence of the prefix inside that run
// ends its run at the same place and fails the same way, so the search
// goes on from there and reads no byte twice.
func (sh *shape) match(line []byte, pos int) (end int, ok bool, runEnd int) {
	i := pos + len(sh.prefix)
	runEnd = i
	for k, p := range sh.parts {
		j := i
		for j < len(line) && p.class[line[j]] && (p.max == 0 || j-i < p.max) {
			j++
		}
		if k == 0 {
			runEnd = j
		}
		if j-i < p.min || (p.max > 0 && j < len(line) && p.class[line[j]]) {
			return 0, false, runEnd
		}
		if p.sep != 0 {
			if j >= len(line) || line[j] != p.sep {
				return 0, false, runEnd
			}
			j++
		}
		i = j
	}
	return i, true, runEnd
}

// shapesByFirst lists the shapes by the first byte of their prefix, so
// that one pass over a line finds every prefix.
var shapesByFirst = func() (by [256][]int) {
	for k, sh := range shapes {
		by[sh.prefix[0]] = append(by[sh.prefix[0]], k)
	}
	return by
}()

// isShapeFirst: the first bytes of the shapes' prefixes.
var isShapeFirst = classOf(func(c byte) bool { return len(shapesByFirst[c]) > 0 })

// findShapes finds every shape in one pass over the line. After an
// attempt, a shape is not tried again before where that attempt read to
// (resume), so no byte is read more than a few times.
func findShapes(line []byte, spans []secretSpan) []secretSpan {
	var resume [64]int
	for off := 0; off < len(line); off++ {
		if !isShapeFirst[line[off]] {
			continue
		}
		for _, k := range shapesByFirst[line[off]] {
			sh := &shapes[k]
			if off < resume[k] || !bytes.HasPrefix(line[off:], []byte(sh.prefix)) {
				continue
			}
			end, ok, runEnd := sh.match(line, off)
			if ok {
				spans = append(spans, secretSpan{start: off, end: end})
				resume[k] = end
				continue
			}
			resume[k] = max(off+1, runEnd)
		}
	}
	return findPrivateKeys(line, spans)
}

// hasShapePrefix reports whether a shape's prefix, or a private key's
// header, is in line.
func hasShapePrefix(line []byte) bool {
	for off, c := range line {
		if !isShapeFirst[c] {
			continue
		}
		for _, k := range shapesByFirst[c] {
			if bytes.HasPrefix(line[off:], []byte(shapes[k].prefix)) {
				return true
			}
		}
	}
	return bytes.Contains(line, []byte("-----BEGIN"))
}

// findPrivateKeys masks a PEM private key from its BEGIN line to its END
// line, or to the end of the line when the key is cut.
func findPrivateKeys(line []byte, spans []secretSpan) []secretSpan {
	begin := []byte("-----BEGIN")
	for off := 0; off < len(line); {
		i := bytes.Index(line[off:], begin)
		if i < 0 {
			break
		}
		pos := off + i
		head := line[pos+len(begin) : min(len(line), pos+len(begin)+64)]
		k := bytes.Index(head, []byte("PRIVATE KEY"))
		if k < 0 {
			off = pos + len(begin)
			continue
		}
		end := len(line)
		if e := bytes.Index(line[pos+len(begin):], []byte("-----END")); e >= 0 {
			end = pos + len(begin) + e + len("-----END")
			if c := bytes.Index(line[end:min(len(line), end+64)], []byte("-----")); c >= 0 {
				end += c + len("-----")
			}
		}
		spans = append(spans, secretSpan{start: pos, end: end})
		off = end
	}
	return spans
}

// Names whose value is a secret, compared without case, '_', '-' or '.'
// (access_token, accessToken, access-token, X-Access-Token). Public
// values of the flow (client_id, code_challenge, state, redirect_uri,
// scope, resource) are not among them: a maintainer needs them to trace
// an attempt.
var secretNames = map[string]bool{
	"code": true, "token": true, "key": true, "secret": true, "sig": true, "signature": true, "jwt": true,
	"assertion": true, "auth": true, "password": true, "passwd": true, "pwd": true, "pass": true, "passphrase": true,
	"sessionid": true, "apikey": true, "accesskey": true, "secretkey": true, "privatekey": true,
	"codeverifier": true, "clientassertion": true, "credential": true, "credentials": true, "otp": true,
	"xamzsecuritytoken": true, "xamzcredential": true, "xgoogsignature": true, "xamzsignature": true,
}

// secretSuffixes: a name ending so names a secret (refreshToken,
// x-auth-token, aws_secret_access_key, db_password, my-service-auth).
var secretSuffixes = []string{"token", "secret", "password", "passwd", "pwd", "apikey", "accesskey", "secretkey",
	"privatekey", "sessionid", "credentials", "signature", "cookie", "authorization", "auth"}

// publicNames end like a secret's name but hold none.
var publicNames = map[string]bool{"oauth": true, "nextauth": true, "noauth": true}

// headerNames hold a whole header value: everything up to the end of the
// quoted field or the line is the secret (a Cookie holds many pairs).
var headerNames = map[string]bool{"cookie": true, "setcookie": true, "xapikey": true, "apikey": true}

// authNames carry "scheme credential": the credential is masked, the
// scheme (Bearer, Basic, Token…) stays readable.
var authNames = map[string]bool{"authorization": true, "proxyauthorization": true, "wwwauthorization": true}

// knownNames are the names above, each with how it holds its value.
var knownNames = func() map[string]nameKind {
	m := map[string]nameKind{}
	for n := range secretNames {
		m[n] = plainValue
	}
	for n := range publicNames {
		m[n] = notSecret
	}
	for n := range headerNames {
		m[n] = headerValue
	}
	for n := range authNames {
		m[n] = authValue
	}
	return m
}()

// nameKind says how a secret's name holds its value.
type nameKind uint8

const (
	notSecret   nameKind = iota
	plainValue           // name=value, "name": "value"
	headerValue          // the whole header field (Cookie: a=b; c=d)
	authValue            // a scheme, then the credential (Authorization: Token …)
)

// secretName says whether name (as written) names a secret, and how.
// It allocates nothing: it runs for every "=" and ":" of a line.
func secretName(name []byte) nameKind {
	var buf [64]byte
	n := 0
	for _, c := range name {
		switch {
		case c == '_' || c == '-' || c == '.':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if n == len(buf) {
			return notSecret
		}
		buf[n] = c
		n++
	}
	norm := buf[:n]
	if n < 3 {
		return notSecret
	}
	if kind, ok := knownNames[string(norm)]; ok {
		return kind
	}
	for _, s := range secretSuffixes {
		if len(norm) > len(s) && string(norm[len(norm)-len(s):]) == s {
			return plainValue
		}
	}
	return notSecret
}

func isNameByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// maxNameLen bounds the names looked at: a longer run before "=" is data.
const maxNameLen = 48

// nameBefore returns the name that ends at line[end] (after an optional
// closing quote: ", \" or \x22, and blanks), and whether it was quoted.
func nameBefore(line []byte, end int) (name []byte, quoted, ok bool) {
	j := end
	for j > 0 && (line[j-1] == ' ' || line[j-1] == '\t') {
		j--
	}
	switch {
	case j >= 4 && string(line[j-4:j]) == `\x22`:
		j -= 4
		quoted = true
	case j >= 1 && (line[j-1] == '"' || line[j-1] == '\''):
		j--
		quoted = true
		if j >= 1 && line[j-1] == '\\' {
			j--
		}
	}
	start := j
	for start > 0 && j-start <= maxNameLen && isNameByte(line[start-1]) {
		start--
	}
	if start == j || j-start > maxNameLen {
		return nil, false, false
	}
	name = line[start:j]
	// An nginx-escaped opening quote (\x22) is not part of the name.
	if start >= 1 && line[start-1] == '\\' && len(name) > 3 && string(name[:3]) == "x22" {
		name = name[3:]
	}
	return name, quoted, true
}

// findAssignments finds name=value and name: value, in query strings,
// form bodies, key=value logs, header lines, JSON ("name": "value" and
// "name": ["value"]), JSON inside JSON (\") and nginx's escaping (\x22).
// The search resumes after each value, so no byte is read twice.
func findAssignments(line []byte, spans []secretSpan) []secretSpan {
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c != '=' && c != ':' {
			continue
		}
		name, quoted, ok := nameBefore(line, i)
		if !ok {
			continue
		}
		kind := secretName(name)
		if kind == notSecret {
			continue
		}
		sp, next, found := valueAfter(line, i+1, c, quoted, kind)
		if found {
			spans = append(spans, sp)
		}
		if next > i {
			i = next - 1
		}
	}
	return spans
}

// valueAfter reads the value that starts at line[from] after the
// separator sep, and returns the part to mask and where to go on.
func valueAfter(line []byte, from int, sep byte, quotedName bool, kind nameKind) (secretSpan, int, bool) {
	i := from
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') && i-from < 8 {
		i++
	}
	if sep == ':' && i < len(line) && line[i] == '[' { // Caddy logs headers as arrays: ["value"]
		j := i + 1
		for j < len(line) && line[j] == ' ' {
			j++
		}
		if j < len(line) && (line[j] == '"' || line[j] == '\\') {
			i = j
		}
	}
	// Quoted values: ", \", \x22 or '.
	var closer []byte
	switch {
	case bytes.HasPrefix(line[i:], []byte(`\x22`)):
		closer = []byte(`\x22`)
	case bytes.HasPrefix(line[i:], []byte(`\"`)):
		closer = []byte(`\"`)
	case i < len(line) && (line[i] == '"' || line[i] == '\''):
		closer = line[i : i+1]
	}
	if closer != nil {
		start := i + len(closer)
		end := closerAt(line, start, closer)
		v := line[start:end]
		next := min(end+len(closer), len(line))
		if isRedactedOrEmpty(v) {
			return secretSpan{}, next, false
		}
		if kind == authValue {
			start, end = credentialOf(line, start, end)
		}
		return secretSpan{start: start, end: end}, next, end > start
	}
	if sep == ':' && !quotedName && kind != headerValue && kind != authValue && i == from {
		// "name:value" with nothing between is a URL, a time, an id
		// (https://, 10:14:02, urn:x): not an assignment.
		return secretSpan{}, from, false
	}
	if i < len(line) && (line[i] == '[' || line[i] == '{') {
		return secretSpan{}, i, false // an array or an object: its own values are looked at in turn
	}
	end := i
	if sep == ':' && !quotedName && (kind == headerValue || kind == authValue) {
		// A header's value runs to the end of the field.
		for end < len(line) && line[end] != '"' && line[end] != '\r' && line[end] != '\n' && !(line[end] == '\\' && end+1 < len(line) && (line[end+1] == 'x' || line[end+1] == '"' || line[end+1] == 'n')) {
			end++
		}
		for end > i && line[end-1] == ' ' {
			end--
		}
	} else {
		for end < len(line) && !isValueEnd(line[end]) {
			end++
		}
	}
	start := i
	if kind == authValue {
		start, end = credentialOf(line, i, end)
	}
	v := line[start:end]
	if isRedactedOrEmpty(v) {
		return secretSpan{}, end, false
	}
	if sep == ':' && !looksLikeCredential(v) {
		// "authn: no Authorization header", "token: expired", JSON's
		// "code": 401 and "authorization": false: an app's words or a
		// JSON literal, not a credential.
		return secretSpan{}, end, false
	}
	return secretSpan{start: start, end: end}, end, end > start
}

// closerAt finds closer from start (the end of the line when it is
// missing), skipping backslash escapes when the quote is a plain one.
func closerAt(line []byte, start int, closer []byte) int {
	switch {
	case len(closer) == 1 && closer[0] == '"':
		if end := closingQuote(line, start); end >= 0 {
			return end
		}
		return len(line)
	case len(closer) == 1:
		for j := start; j < len(line); j++ {
			switch line[j] {
			case '\\':
				j++
			case closer[0]:
				return j
			}
		}
		return len(line)
	}
	if k := bytes.Index(line[start:], closer); k >= 0 {
		return start + k
	}
	return len(line)
}

// credentialOf skips the scheme word of an Authorization value
// ("Bearer", "Token", "Basic"…): the credential is what follows it.
func credentialOf(line []byte, start, end int) (int, int) {
	sp := bytes.IndexByte(line[start:end], ' ')
	if sp < 0 {
		return start, end
	}
	word := line[start : start+sp]
	for _, c := range word {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-') {
			return start, end
		}
	}
	s := start + sp
	for s < end && line[s] == ' ' {
		s++
	}
	if s == end || isRedactedOrEmpty(line[s:end]) {
		return end, end
	}
	return s, end
}

// isValueEnd ends an unquoted value.
func isValueEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '&', '"', '\'', ',', ';', ')', '}', ']', '<', '>', '\\':
		return true
	}
	return false
}

// looksLikeCredential: long, or mixing letters and digits.
func looksLikeCredential(v []byte) bool {
	if len(v) >= 20 {
		return true
	}
	if len(v) < 8 {
		return false
	}
	letters, digits := 0, 0
	for _, c := range v {
		switch {
		case '0' <= c && c <= '9':
			digits++
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			letters++
		}
	}
	return letters > 0 && digits > 0
}

// isRedactedOrEmpty: a value with nothing secret in it: empty, already
// masked, a presence or a truth value ("auth=absent", "has_auth=false",
// "auth=(none)"), or a three-digit number (code=400 is a status, never an
// authorization code).
func isRedactedOrEmpty(v []byte) bool {
	if len(v) == 0 || string(v) == "-" || bytes.HasPrefix(v, []byte(Redacted)) {
		return true
	}
	w := bytes.Trim(v, "()")
	for _, word := range notSecretWords {
		if bytes.EqualFold(w, []byte(word)) {
			return true
		}
	}
	if len(v) <= 3 {
		for _, c := range v {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	return false
}

// notSecretWords say whether a credential was there, never what it was.
var notSecretWords = []string{"present", "absent", "missing", "none", "null", "nil", "true", "false", "yes", "no", "set", "unset", "empty", "0", "1"}

// findSchemes finds "Bearer <credential>" and "Basic <credential>"
// anywhere (a header pasted in a message, %20 or + in a URL). A
// challenge's parameters (Bearer resource_metadata=…) are not a
// credential.
func findSchemes(line []byte, spans []secretSpan) []secretSpan {
	for i := 0; i < len(line); {
		// Words of letters, each looked at once.
		if !isLetter(line[i]) {
			i++
			continue
		}
		w := i
		for i < len(line) && isLetter(line[i]) {
			i++
		}
		if (i-w != 6 || !asciiEqualFold(line[w:i], []byte("bearer"))) && (i-w != 5 || !asciiEqualFold(line[w:i], []byte("basic"))) {
			continue
		}
		if w > 0 && isNameByte(line[w-1]) && line[w-1] != '-' {
			continue // part of a longer word
		}
		j := i
		switch {
		case j < len(line) && (line[j] == ' ' || line[j] == '+'):
			for j < len(line) && (line[j] == ' ' || line[j] == '+') {
				j++
			}
		case bytes.HasPrefix(line[j:], []byte("%20")):
			j += 3
		default:
			continue
		}
		k := j
		for k < len(line) && isCredentialByte(line[k]) {
			k++
		}
		if k-j < 10 || (line[k-1] == '=' && isChallengeParam(line[j:k])) {
			continue
		}
		spans = append(spans, secretSpan{start: j, end: k})
		i = k
	}
	return spans
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isCredentialByte(c byte) bool {
	return isLetter(c) || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=' || c == '-'
}

// isChallengeParam: "resource_metadata=", "realm=".
func isChallengeParam(v []byte) bool {
	for _, c := range v[:len(v)-1] {
		if !('a' <= c && c <= 'z' || c == '_') {
			return false
		}
	}
	return true
}

// findUserinfo finds the password of a URL's userinfo
// (https://user:PASSWORD@host), wherever the URL is: a Referer, a
// message, an upstream address.
func findUserinfo(line []byte, spans []secretSpan) []secretSpan {
	for off := 0; ; {
		k := bytes.Index(line[off:], []byte("://"))
		if k < 0 {
			return spans
		}
		start := off + k + 3
		colon, end := -1, start
	scan:
		for ; end < len(line); end++ {
			switch line[end] {
			case ':':
				if colon < 0 {
					colon = end
				}
			case '@':
				break scan
			case '/', '?', '#', ' ', '"', '\'', '\\', '<', '>', '\t':
				end = -1
				break scan
			}
		}
		if end > 0 && end < len(line) && colon > 0 && end > colon+1 && !isRedactedOrEmpty(line[colon+1:end]) {
			spans = append(spans, secretSpan{start: colon + 1, end: end})
		}
		off = start
	}
}

// minPathKey is the shortest path segment taken for a key: API keys put
// in a URL's path (/mcp/<key>/sse) are long and random; the paths of the
// flow are words.
const minPathKey = 24

// findPathKeys finds keys written as a path segment.
func findPathKeys(line []byte, spans []secretSpan) []secretSpan {
	for i := 0; i < len(line); i++ {
		if line[i] != '/' {
			continue
		}
		j := i + 1
		for j < len(line) && (isLetter(line[j]) || '0' <= line[j] && line[j] <= '9' || line[j] == '_' || line[j] == '-') {
			j++
		}
		if j-i-1 >= minPathKey && (j == len(line) || isSegmentEnd(line[j])) && looksRandom(line[i+1:j]) {
			spans = append(spans, secretSpan{start: i + 1, end: j})
		}
		i = j - 1
	}
	return spans
}

func isSegmentEnd(c byte) bool {
	switch c {
	case '/', '?', '#', ' ', '"', '\'', '\\', '\t', ')', ']', ',', ';', '&':
		return true
	}
	return false
}

// looksRandom: letters and digits mixed all along, as in a generated key
// (hex, base62, a UUID), not in words and numbers side by side
// (oauth-protected-resource, release-notes-2026-11), with the entropy of
// a key.
func looksRandom(v []byte) bool {
	var counts [256]int
	digits, letters, switches := 0, 0, 0
	prev := byte(0) // 'd' digit, 'l' letter
	for _, c := range v {
		counts[c]++
		cur := byte(0)
		switch {
		case '0' <= c && c <= '9':
			digits++
			cur = 'd'
		case isLetter(c):
			letters++
			cur = 'l'
		}
		if cur != 0 && prev != 0 && cur != prev {
			switches++
		}
		if cur != 0 {
			prev = cur
		}
	}
	if digits < 2 || letters < 2 || switches*8 < len(v) {
		return false
	}
	e := 0.0
	for _, n := range counts {
		if n > 0 {
			f := float64(n) / float64(len(v))
			e -= f * math.Log2(f)
		}
	}
	return e >= 3.0
}

// maxDecodeWindow bounds the encoded text decoded at once: a longer run
// is decoded in overlapping windows, so memory stays bounded.
const (
	maxDecodeWindow  = 1 << 20
	decodeOverlap    = 16 << 10
	maxDecodeNesting = 3
)

// findEncodedSecrets decodes percent-encoded runs (a redirect_uri whose
// own query carries a code, a Referer quoted in a parameter) and finds
// the secrets in what they say, mapped back onto the encoded text.
func findEncodedSecrets(line []byte, spans []secretSpan) []secretSpan {
	for i := 0; i < len(line); {
		if line[i] != '%' || !isEncodedAt(line, i) {
			i++
			continue
		}
		start := i
		for start > 0 && !isRunEnd(line[start-1]) {
			start--
		}
		end := i
		for end < len(line) && !isRunEnd(line[end]) {
			end++
		}
		for w := start; w < end; w += maxDecodeWindow - decodeOverlap {
			spans = decodedSecrets(line, w, min(end, w+maxDecodeWindow), spans, maxDecodeNesting)
			if w+maxDecodeWindow >= end {
				break
			}
		}
		i = end
	}
	return spans
}

// isRunEnd ends a run of URL text.
func isRunEnd(c byte) bool {
	switch c {
	case ' ', '\t', '"', '\'', '<', '>', '\\':
		return true
	}
	return false
}

func isEncodedAt(b []byte, i int) bool {
	return i+2 < len(b) && isHexDigit(b[i+1]) && isHexDigit(b[i+2])
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// decodedSecrets decodes line[start:end] and adds the secrets of the
// decoded text that the encoded text hides, mapped onto line.
func decodedSecrets(line []byte, start, end int, spans []secretSpan, depth int) []secretSpan {
	dec, offs := percentDecode(line[start:end])
	found := findSecrets(dec, nil)
	if depth > 1 && bytes.IndexByte(dec, '%') >= 0 {
		found = findEncodedSecrets(dec, found)
	}
	for _, f := range found {
		s := secretSpan{start: start + int(offs[f.start]), end: start + int(offs[f.end]), value: f.value}
		if s.value == nil {
			s.value = dec[f.start:f.end]
		}
		spans = append(spans, s)
	}
	return spans
}

// percentDecode decodes %XX (not '+', which base64 credentials hold) and
// maps each decoded byte to its offset in the encoded text; offs has one
// more entry, the end.
func percentDecode(enc []byte) (dec []byte, offs []int32) {
	dec = make([]byte, 0, len(enc))
	offs = make([]int32, 0, len(enc)+1)
	for i := 0; i < len(enc); {
		offs = append(offs, int32(i))
		if enc[i] == '%' && isEncodedAt(enc, i) {
			dec = append(dec, unhex(enc[i+1])<<4|unhex(enc[i+2]))
			i += 3
			continue
		}
		dec = append(dec, enc[i])
		i++
	}
	return dec, append(offs, int32(len(enc)))
}

// maskSecretSpans replaces the spans of line with markers. Overlapping spans
// (two finders, or the encoded and the plain view, see one secret) are
// masked as one.
func maskSecretSpans(line []byte, spans []secretSpan) []byte {
	slices.SortFunc(spans, func(a, b secretSpan) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return b.end - a.end
	})
	out := make([]byte, 0, len(line)+32)
	at := 0
	for k := 0; k < len(spans); {
		s := spans[k]
		k++
		merged := false
		for k < len(spans) && spans[k].start < s.end {
			s.end = max(s.end, spans[k].end)
			merged = true
			k++
		}
		if s.start < at {
			continue
		}
		value := line[s.start:s.end]
		if s.value != nil && !merged {
			value = s.value
		}
		out = append(out, line[at:s.start]...)
		out = append(out, mask(value)...)
		at = s.end
	}
	return append(out, line[at:]...)
}

// mayHoldSecret is the cheap test that lets most lines skip the finders:
// each finder needs one of these in the line. It reads the line a few
// times, never more.
func mayHoldSecret(line []byte) bool {
	if hasShapePrefix(line) {
		return true
	}
	if bytes.IndexByte(line, '%') >= 0 || (bytes.Contains(line, []byte("://")) && bytes.IndexByte(line, '@') >= 0) {
		return true
	}
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '=', ':':
			if name, _, ok := nameBefore(line, i); ok {
				if secretName(name) != notSecret {
					return true
				}
			}
		case '/':
			j := i + 1
			for j < len(line) && (isLetter(line[j]) || '0' <= line[j] && line[j] <= '9' || line[j] == '_' || line[j] == '-') {
				j++
			}
			if j-i-1 >= minPathKey {
				return true
			}
			i = j - 1
		}
	}
	return len(findSchemes(line, nil)) > 0
}

// indexFold finds lower-case ASCII needle in s, ignoring ASCII case.
func indexFold(s, needle []byte) int {
	p, _ := indexFoldScanned(s, needle)
	return p
}

// indexFoldScanned is indexFold, also saying how many bytes it read: at
// most twice len(s) (the next lower- and upper-case first letters are
// each found once with IndexByte and searched for again only once
// passed), so the search is linear however many candidates fail.
func indexFoldScanned(s, needle []byte) (pos, scanned int) {
	if len(needle) == 0 {
		return 0, 0
	}
	n := len(needle)
	if len(s) < n {
		return -1, 0
	}
	first := needle[0]
	upper := first
	if 'a' <= first && first <= 'z' {
		upper = first - ('a' - 'A')
	}
	limit := len(s) - n + 1
	find := func(from int, c byte) int {
		k := bytes.IndexByte(s[from:limit], c)
		if k < 0 {
			scanned += limit - from
			return -1
		}
		scanned += k + 1
		return from + k
	}
	nextLower, nextUpper := find(0, first), -1
	if upper != first {
		nextUpper = find(0, upper)
	}
	for {
		p := nextLower
		if p < 0 || (nextUpper >= 0 && nextUpper < p) {
			p = nextUpper
		}
		if p < 0 {
			return -1, scanned
		}
		scanned += n
		if asciiEqualFold(s[p:p+n], needle) {
			return p, scanned
		}
		if p+1 >= limit {
			return -1, scanned
		}
		if p == nextLower {
			nextLower = find(p+1, first)
		} else {
			nextUpper = find(p+1, upper)
		}
	}
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
