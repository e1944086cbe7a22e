package tracker

import (
	"context"
	"fmt"
	"net"
	"strings"
)

// Result is a search's answer: the ranked matches and what the user
// should know about how they were found.
type Result struct {
	Repo    string   `json:"repo"`
	Query   Query    `json:"query"`
	Online  bool     `json:"online"`
	Cached  bool     `json:"cached,omitempty"`
	Queries []string `json:"searches"`
	Notes   []string `json:"notes"`
	Matches []Match  `json:"matches"`
}

// Strongest returns the best match when it is strong enough to add an
// ofid to instead of filing a new issue.
func (r Result) Strongest() (Match, bool) {
	for _, m := range r.Matches {
		if m.Strong() {
			return m, true
		}
	}
	return Match{}, false
}

// queryKind says what a search looked for, and so what a hit means.
type queryKind int

const (
	byOFID queryKind = iota
	byText
	byMode
	byHost
	byAltMode
	byError
)

type searchQuery struct {
	kind queryKind
	mode string
	q    string
}

// maxSearches bounds one run's calls: without a token GitHub allows 10
// searches a minute, and a run should leave room for the next.
const maxSearches = 4

// maxOR is GitHub's limit of boolean operators per query.
const maxOR = 5

// searches builds the queries for a diagnosis, most telling first.
func searches(q Query) []searchQuery {
	scope := fmt.Sprintf(" repo:%s is:issue", q.repo())
	var out []searchQuery
	for i := 0; i < len(q.OFIDs); i += maxOR + 1 {
		chunk := q.OFIDs[i:min(i+maxOR+1, len(q.OFIDs))]
		out = append(out, searchQuery{kind: byOFID, q: orGroup(chunk) + scope})
	}
	if t := keywords(q.Text); t != "" {
		out = append(out, searchQuery{kind: byText, q: t + scope})
	}
	for i, id := range q.Modes {
		if i > 1 {
			break
		}
		info, ok := Mode(id)
		if !ok {
			continue
		}
		kind := byMode
		if i > 0 {
			kind = byAltMode
		}
		out = append(out, searchQuery{kind: kind, mode: id, q: orGroup(info.Phrases) + " in:title,body" + scope})
		if i == 0 {
			if h := searchableHost(q.Host); h != "" {
				out = append(out, searchQuery{kind: byHost, q: quote(h) + scope})
			}
		}
	}
	if len(q.Modes) == 0 && q.Error != "" {
		if stem := errorStem(q.Error); stem != "" {
			out = append(out, searchQuery{kind: byError, q: quote(stem) + scope})
		}
	}
	if len(out) > maxSearches {
		out = out[:maxSearches]
	}
	return out
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, "") + `"`
}

func orGroup(terms []string) string {
	if len(terms) > maxOR+1 {
		terms = terms[:maxOR+1]
	}
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = quote(t)
	}
	if len(q) == 1 {
		return q[0]
	}
	return "(" + strings.Join(q, " OR ") + ")"
}

// keywords keeps a user's text within GitHub's 256 characters and its
// qualifiers out (the scope is ours to set).
func keywords(text string) string {
	var words []string
	n := 0
	for _, w := range strings.Fields(text) {
		if strings.Contains(w, ":") && !strings.HasPrefix(w, `"`) {
			continue
		}
		if n+len(w)+1 > 256 {
			break
		}
		words = append(words, w)
		n += len(w) + 1
	}
	return strings.Join(words, " ")
}

// searchableHost is the server's host when searching for it can find
// anything: not a placeholder, a local name or an address.
func searchableHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	switch {
	case h == "", net.ParseIP(h) != nil, !strings.Contains(h, "."),
		h == "example.com", strings.HasSuffix(h, ".example.com"), strings.HasSuffix(h, ".example"),
		strings.HasSuffix(h, ".local"), strings.HasSuffix(h, ".internal"), strings.HasSuffix(h, ".localhost"):
		return ""
	}
	return h
}

// errorStem finds the known message in what the user pasted.
func errorStem(msg string) string {
	lower := strings.ToLower(msg)
	for _, m := range indexModes {
		if m.Error != "" && strings.Contains(lower, strings.ToLower(m.Error)) {
			return m.Error
		}
	}
	return ""
}

// Search ranks the tracker's issues against a diagnosis: online when o is
// not nil, falling back on the built-in index (and saying so) when GitHub
// cannot answer; the index's knowledge is merged into every answer.
func Search(ctx context.Context, q Query, o *Online) Result {
	res := Result{Repo: q.repo(), Query: q, Queries: []string{}, Notes: []string{}}
	offline := Offline(q)
	if o == nil {
		res.Matches = offline
		return res
	}
	hits := map[int]*onlineHit{}
	var order []int
	for _, sq := range searches(q) {
		issues, cached, note, err := o.search(ctx, sq.q)
		if note != "" {
			res.Notes = append(res.Notes, note)
		}
		if err != nil {
			se, _ := err.(*SearchError)
			if se == nil || se.Fatal {
				res.Notes = append(res.Notes, fmt.Sprintf("%s; %s", err.Error(), fallbackWords(res.Online)))
				break
			}
			res.Notes = append(res.Notes, err.Error())
			continue
		}
		res.Queries = append(res.Queries, sq.q)
		res.Online = true
		res.Cached = res.Cached || cached
		for _, is := range issues {
			h, ok := hits[is.Number]
			if !ok {
				h = &onlineHit{issue: is}
				hits[is.Number] = h
				order = append(order, is.Number)
			}
			h.kinds = append(h.kinds, sq)
		}
	}
	if !res.Online {
		res.Matches = offline
		return res
	}
	res.Matches = merge(q, offline, hits, order)
	return res
}

func fallbackWords(partial bool) string {
	if partial {
		return "the other searches were skipped; the built-in index fills in"
	}
	return "showing the built-in index instead"
}

type onlineHit struct {
	issue Issue
	kinds []searchQuery
}

// merge scores every issue once, from what the index knows of it and
// from which searches found it; GitHub's state and labels are fresher.
func merge(q Query, offline []Match, hits map[int]*onlineHit, order []int) []Match {
	indexed := map[int]Issue{}
	for _, is := range Known(q.repo()) {
		indexed[is.Number] = is
	}
	var out []Match
	done := map[int]bool{}
	for _, n := range order {
		h := hits[n]
		is := h.issue
		m := Match{Issue: is, Source: "github"}
		if ix, ok := indexed[n]; ok {
			m.Modes, m.Summary, m.Source = ix.Modes, ix.Summary, "index+github"
			if m.URL == "" {
				m.URL = ix.URL
			}
		}
		scoreIndexed(&m, q)
		scoreHits(&m, q, h.kinds)
		if m.Score > 0 {
			finish(&m, q)
			out = append(out, m)
		}
		done[n] = true
	}
	for _, m := range offline {
		if !done[m.Number] {
			out = append(out, m)
		}
	}
	rank(out)
	return out
}

// scoreHits adds what GitHub's matching says, where the index has not
// said it already.
func scoreHits(m *Match, q Query, kinds []searchQuery) {
	said := strings.Join(m.Why, "\n")
	for _, k := range kinds {
		switch k.kind {
		case byOFID:
			if !strings.Contains(said, "mentions your ofid") {
				m.add(scoreOFID, "mentions your ofid (GitHub search)")
			}
		case byHost:
			if !strings.Contains(said, "mentions "+q.Host) {
				m.add(scoreHost, "mentions your server's host (GitHub search)")
			}
		case byText:
			m.add(scorePhrase, "matches your words (GitHub search)")
		case byMode, byAltMode:
			if !strings.Contains(said, "tracked as "+k.mode) {
				m.add(scorePhrase, "written like "+k.mode+" issues (GitHub search)")
			}
		case byError:
			m.add(scorePhrase, "quotes the same error (GitHub search)")
		}
	}
}
