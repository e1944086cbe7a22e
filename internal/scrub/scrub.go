// Package scrub is the last line of defence for secrets: every line the
// tool prints passes through it, and whatever gitleaks' default rule set
// (the maintained list of credential shapes: cloud keys, vendor tokens,
// private keys, generic "key = value" assignments) recognises is replaced
// by the same marker the read-time redaction uses. A new vendor's key
// shape arrives with a gitleaks update, not with code of ours.
//
// It uses the rule set through gitleaks' config package, not gitleaks'
// detector: the detector package links archive readers, git and terminal
// styling the tool never uses (+7.7 MB of binary, 150 packages), while
// the rules cost 1.6 MB. Detection follows the detector's steps (keyword
// prefilter, pattern, secret group, entropy floor, allowlists);
// TestAgreesWithGitleaksDetector holds it to the detector's findings.
package scrub

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/config"
)

// MarkerPrefix starts the marker that replaces every secret:
// "[redacted:1a2b3c]", where the six hex digits are a fingerprint of the
// value (a truncated SHA-256), so that two lines can be seen to carry the
// same token without either showing it. 24 bits say nothing useful about
// a token's value. The marker holds no quote and no backslash, so it can
// replace text inside a JSON string.
const MarkerPrefix = "[redacted"

// Marker returns the marker for a secret value.
func Marker(value []byte) string {
	h := sha256.New()
	h.Write([]byte("mcptriage:"))
	h.Write(value)
	var sum [sha256.Size]byte
	return MarkerPrefix + ":" + hex.EncodeToString(h.Sum(sum[:0])[:3]) + "]"
}

var (
	rulesOnce sync.Once
	rules     []config.Rule
	global    []*config.Allowlist
	off       bool // tests only: see DisableForTest
)

// Prepare starts loading gitleaks' rules in the background (once), so
// that the first output does not wait for them: they took half of a small
// log's run. Loaded while a big log is being read, they raise the run's
// peak memory by some 15 MB: callers start them early only for small
// inputs.
func Prepare() { go load() }

// load translates gitleaks' default configuration once, the way gitleaks
// itself does (viper reads the TOML, Translate compiles the rules).
func load() {
	rulesOnce.Do(func() {
		v := viper.New()
		v.SetConfigType("toml")
		if err := v.ReadConfig(strings.NewReader(config.DefaultConfig)); err != nil {
			panic("scrub: gitleaks' default configuration does not read: " + err.Error())
		}
		var vc config.ViperConfig
		if err := v.Unmarshal(&vc); err != nil {
			panic("scrub: gitleaks' default configuration does not decode: " + err.Error())
		}
		cfg, err := vc.Translate()
		if err != nil {
			panic("scrub: gitleaks' default configuration does not compile: " + err.Error())
		}
		for _, id := range cfg.OrderedRules {
			r := cfg.Rules[id]
			// Path-only rules name files, and SkipReport rules are parts of
			// composite rules gitleaks never reports alone.
			if r.Regex == nil || r.Path != nil || r.SkipReport {
				continue
			}
			rules = append(rules, r)
		}
		global = cfg.Allowlists
	})
}

// DisableForTest turns the pass off until restore is called, so that a
// test can show what the other pass alone lets through. Outside a test
// binary it panics.
func DisableForTest() (restore func()) {
	if !testing.Testing() {
		panic("scrub.DisableForTest called outside a test")
	}
	off = true
	return func() { off = false }
}

// span is a secret's place in a line.
type span struct{ start, end int }

// find returns the secrets of one line, in order, not overlapping.
func find(line string) []span {
	load()
	lower := strings.ToLower(line)
	var out []span
	for i := range rules {
		r := &rules[i]
		if len(r.Keywords) > 0 && !slices.ContainsFunc(r.Keywords, func(k string) bool { return strings.Contains(lower, k) }) {
			continue
		}
		for _, m := range r.Regex.FindAllStringSubmatchIndex(line, -1) {
			if sp, ok := secretOf(r, line, m); ok {
				out = append(out, sp)
			}
		}
	}
	if len(out) < 2 {
		return out
	}
	// Union of overlapping spans: two rules may see one secret.
	slices.SortFunc(out, func(a, b span) int { return a.start - b.start })
	merged := out[:1]
	for _, s := range out[1:] {
		last := &merged[len(merged)-1]
		if s.start <= last.end {
			last.end = max(last.end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// secretOf applies a rule's secret group, entropy floor and allowlists to
// one match, as gitleaks' detector does.
func secretOf(r *config.Rule, line string, m []int) (span, bool) {
	match := strings.Trim(line[m[0]:m[1]], "\n")
	sp := span{m[0], m[0] + len(match)}
	if len(m) >= 4 {
		if r.SecretGroup > 0 {
			if 2*r.SecretGroup+1 >= len(m) || m[2*r.SecretGroup] < 0 {
				return span{}, false
			}
			sp = span{m[2*r.SecretGroup], m[2*r.SecretGroup+1]}
		} else {
			for g := 1; 2*g+1 < len(m); g++ {
				if m[2*g] >= 0 && m[2*g+1] > m[2*g] {
					sp = span{m[2*g], m[2*g+1]}
					break
				}
			}
		}
	}
	secret := line[sp.start:sp.end]
	if r.Entropy != 0 && entropy(secret) <= r.Entropy {
		return span{}, false
	}
	if allowed(global, secret, match, line) || allowed(r.Allowlists, secret, match, line) {
		return span{}, false
	}
	return sp, sp.end > sp.start
}

// allowed is gitleaks' allowlist check for text that has no file path
// and no commit: an AND allowlist that names paths or commits never
// applies.
func allowed(lists []*config.Allowlist, secret, match, line string) bool {
	for _, a := range lists {
		target := secret
		switch a.RegexTarget {
		case "match":
			target = match
		case "line":
			target = line
		}
		regexOK := a.RegexAllowed(target)
		stopOK, _ := a.ContainsStopWord(secret)
		if a.MatchCondition == config.AllowlistMatchAnd {
			if len(a.Commits) > 0 || len(a.Paths) > 0 {
				continue
			}
			if (len(a.Regexes) == 0 || regexOK) && (len(a.StopWords) == 0 || stopOK) && (len(a.Regexes) > 0 || len(a.StopWords) > 0) {
				return true
			}
			continue
		}
		if regexOK || stopOK {
			return true
		}
	}
	return false
}

// entropy is Shannon entropy over the runes of s, divided by its length
// in bytes, exactly as gitleaks computes it (the floors are tuned to it).
func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	counts := map[rune]int{}
	for _, c := range s {
		counts[c]++
	}
	var e float64
	inv := 1 / float64(len(s))
	for _, n := range counts {
		f := float64(n) * inv
		e -= f * math.Log2(f)
	}
	return e
}

// String returns s with every secret the rule set finds replaced by its
// marker. Each line is judged on its own, as gitleaks judges lines.
func String(s string) string {
	if off || s == "" {
		return s
	}
	var b strings.Builder
	for rest := s; rest != ""; {
		i := strings.IndexAny(rest, "\n\r")
		line, sep := rest, ""
		if i >= 0 {
			line, sep = rest[:i], rest[i:i+1]
			rest = rest[i+1:]
		} else {
			rest = ""
		}
		b.WriteString(scrubLine(line))
		b.WriteString(sep)
	}
	return b.String()
}

// scrubLine masks the secrets of one line. A span is widened so that it
// never splits a backslash escape, and its quotes are kept: a JSON text
// stays valid JSON after scrubbing.
func scrubLine(line string) string {
	spans := find(line)
	if len(spans) == 0 {
		return line
	}
	return maskSpans(line, spans)
}

// maskSpans replaces the spans (in order, not overlapping) of line.
func maskSpans(line string, spans []span) string {
	var b strings.Builder
	at := 0
	for _, sp := range spans {
		start, end := sp.start, sp.end
		for start > at && oddBackslashesBefore(line, start) {
			start--
		}
		for end < len(line) && oddBackslashesBefore(line, end) {
			end++
		}
		if start < at {
			start = at
		}
		b.WriteString(line[at:start])
		maskPieces(&b, line[start:end])
		at = end
	}
	b.WriteString(line[at:])
	return b.String()
}

// maskPieces writes the marker for secret, keeping its unescaped quotes
// and the JSON punctuation between them: a span that runs over the end of
// a JSON string must not take the document's structure with it.
func maskPieces(b *strings.Builder, secret string) {
	piece := 0
	for i := 0; i <= len(secret); i++ {
		if i+1 < len(secret) && secret[i] == '\\' {
			i++
			continue
		}
		if i < len(secret) && secret[i] != '"' {
			continue
		}
		p := secret[piece:min(i, len(secret))]
		switch {
		case p == "":
		case strings.Trim(p, ",:{}[] \t") == "":
			b.WriteString(p)
		default:
			b.WriteString(Marker([]byte(p)))
		}
		if i < len(secret) {
			b.WriteByte('"')
		}
		piece = i + 1
	}
}

// oddBackslashesBefore reports whether line[i] is escaped by the
// backslashes before it.
func oddBackslashesBefore(line string, i int) bool {
	n := 0
	for i-n-1 >= 0 && line[i-n-1] == '\\' {
		n++
	}
	return n%2 == 1
}
