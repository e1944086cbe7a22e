package engine

import (
	"net/url"
	"strings"
	"time"

	"github.com/mcptriage/mcptriage/parse"
)

// Only requests to the connector's own MCP endpoint can be its probe or
// its MCP requests: on a busy server other clients post to /mcp, /api and
// every other path. The endpoint is the path typed into Claude (--server);
// else the path the protected-resource metadata was asked for (RFC 9728's
// path-inserted form names it); else the path of the POST that discovery
// followed. Paths compare without case and trailing slash, so that a
// case-mangled or slash-stripped request is still recognised (and the
// rules for those modes still see the difference).

// pathSet holds the connector's endpoint paths, normalised.
type pathSet struct {
	paths []string
	// fallback: nothing named the endpoint; any MCP-looking path counts.
	fallback bool
}

func normPath(p string) string {
	p = strings.ToLower(strings.TrimSuffix(p, "/"))
	if p == "" {
		return "/"
	}
	return p
}

func (s *pathSet) add(p string) {
	n := normPath(p)
	for _, have := range s.paths {
		if have == n {
			return
		}
	}
	s.paths = append(s.paths, n)
}

func (s pathSet) has(e *Ev) bool {
	if s.fallback {
		return e.kind == kindMCPish
	}
	n := normPath(e.Path)
	for _, p := range s.paths {
		if p == n {
			return true
		}
	}
	return false
}

// prmPrefix is RFC 9728's well-known path; what follows it in a
// path-inserted request is the resource's path.
const prmPrefix = "/.well-known/oauth-protected-resource"

// discoveryLookBack bounds how long before a discovery fetch the POST
// that prompted it may come.
const discoveryLookBack = 5 * time.Second

// connectorPaths finds the connector's endpoint paths in time-ordered
// events (see pathSet).
func connectorPaths(evs []*Ev, u *ConnectorURL) pathSet {
	var s pathSet
	if u != nil && u.Path != "" {
		s.add(u.Path)
		return s
	}
	for i, e := range evs {
		if e.message || e.Browser || !(e.Confirmed || e.candidate) {
			continue
		}
		if e.kind != kindPRM && e.kind != kindASMeta {
			continue
		}
		lp := strings.ToLower(e.Path)
		if e.kind == kindPRM && strings.HasPrefix(lp, prmPrefix+"/") {
			s.add(e.Path[len(prmPrefix):])
			continue
		}
		// The POST that discovery followed: the latest from the same
		// kind of sender shortly before.
		for j := i - 1; j >= 0; j-- {
			p := evs[j]
			if !parse.IsSynthetic(e.Time) && e.Time.Sub(p.Time) > discoveryLookBack {
				break
			}
			if p.message || p.Browser || p.Confirmed != e.Confirmed || p.Method != "POST" {
				continue
			}
			if p.kind == kindPRM || p.kind == kindASMeta || p.kind == kindRegister || p.kind == kindToken {
				break // discovery or registration of an earlier round
			}
			s.add(p.Path)
			break
		}
	}
	if len(s.paths) == 0 {
		// A startup line saying where the server listens names it too.
		for _, e := range evs {
			if e.message && e.Signals.Has(parse.SigServesAt) {
				if m := parse.ServesAtPattern.FindStringSubmatch(e.Message); m != nil {
					s.add(m[1])
				}
			}
		}
	}
	if len(s.paths) == 0 {
		s.fallback = true
	}
	return s
}

// queryParam returns a query parameter's value, "" when absent.
func QueryParam(rawQuery, name string) string {
	for rest := rawQuery; rest != ""; {
		var kv string
		kv, rest, _ = strings.Cut(rest, "&")
		k, v, _ := strings.Cut(kv, "=")
		if k == name {
			if d, err := url.QueryUnescape(v); err == nil {
				return d
			}
			return v
		}
	}
	return ""
}
