package report

import (
	"regexp"
	"strings"
)

// A draft is pasted into GitHub, where Markdown, HTML, @mentions, #N
// references and bare links come alive. Log text is whatever a client
// sent (a path, a user agent, a resource= value), so it only ever enters
// a draft through these helpers: in a code span or a fenced block, where
// nothing is interpreted, or as prose in which every word that could
// mean something to Markdown or to GitHub is put in a code span.

// mdCode puts s in a code span whose backtick run is longer than any in
// s, so nothing in s can close it.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	delim := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") {
		// CommonMark strips one space on each side of such content.
		return delim + " " + s + " " + delim
	}
	return delim + s + delim
}

// mdFence puts body in a fenced block longer than any backtick run in it
// (so no line of it can close the block), with info as its language.
func mdFence(info, body string) string {
	fence := strings.Repeat("`", max(3, longestRun(body, '`')+1))
	return fence + info + "\n" + strings.TrimRight(body, "\n") + "\n" + fence + "\n"
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// guardFenceLines keeps a value that GitHub itself wraps in a ``` block
// (a form field rendered as shell) from closing that block early: a line
// that starts with a fence is indented past what a fence may have.
func guardFenceLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		t := strings.TrimLeft(l, " ")
		if len(l)-len(t) < 4 && (strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")) {
			lines[i] = "    " + l
		}
	}
	return strings.Join(lines, "\n")
}

// mdText renders prose that carries log text: our words stay words, and
// each word that Markdown or GitHub would read (a path, a URL, a tag, an
// @mention, a #N reference, emphasis, an entity, a commit-like hex run)
// goes into a code span. A line never starts a block (list, heading,
// quote, indented code).
func mdText(s string) string {
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		words := strings.Split(strings.TrimLeft(line, " \t"), " ")
		for j, w := range words {
			words[j] = mdWord(w, j == 0)
		}
		lines[i] = strings.Join(words, " ")
	}
	return strings.Join(lines, "\n")
}

// mdWord renders one word of prose; lineStart says it opens a line.
func mdWord(w string, lineStart bool) string {
	if w == "" {
		return ""
	}
	// Punctuation of the sentence stays outside the code span.
	core := strings.TrimLeft(w, `("'`)
	lead := w[:len(w)-len(core)]
	trimmed := strings.TrimRight(core, `)"',.;:!?`)
	trail := core[len(trimmed):]
	core = trimmed
	switch {
	case core == "":
		return w
	case riskyWord(core):
		return lead + mdCode(core) + trail
	case lineStart && lead == "":
		// "-", "+", "=" and "1." or "1)" open a list or underline a heading.
		if m := blockStart.FindStringSubmatchIndex(w); m != nil {
			i := m[3] // before the marker: after the digits, or at 0
			return w[:i] + `\` + w[i:]
		}
	}
	return w
}

// markdownChars are the characters Markdown or GitHub give a meaning to
// in running text: code, HTML and autolinks, links and images, escapes,
// emphasis, strikethrough, tables, mentions, references, entities, math,
// and "/" for paths and URLs, which read best as code anyway.
const markdownChars = "`<>[]\\*_~|@#&$/"

var (
	blockStart = regexp.MustCompile(`^(\d*)(?:[-+=]|[.)])`)
	// GitHub links a run of 7 to 40 hex digits to a commit, and GH-123
	// to an issue.
	autoRef = regexp.MustCompile(`(?i)[0-9a-f]{7,}|^gh-\d|^www\.`)
)

func riskyWord(w string) bool {
	return strings.ContainsAny(w, markdownChars) || autoRef.MatchString(w) && hexOrRef(w)
}

// hexOrRef keeps a word such as "registration" (no digit) out of code:
// a commit link needs a digit among its hex letters, in practice.
func hexOrRef(w string) bool {
	return strings.ContainsAny(w, "0123456789") || strings.HasPrefix(strings.ToLower(w), "www.")
}

// mdQuote renders prose as a block quote.
func mdQuote(s string) string {
	lines := strings.Split(mdText(s), "\n")
	for i, l := range lines {
		lines[i] = "> " + l
	}
	return strings.Join(lines, "\n")
}
