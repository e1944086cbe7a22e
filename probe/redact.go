package probe

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/mcptriage/mcptriage/parse"
)

// redactor keeps secrets out of a probe's result: what parse redacts in
// logs, the user:password@ of any URL (raw or percent-encoded, as in the
// authorization request's resource parameter), and the credentials typed
// in the probed URL wherever they come back (a server may echo them).
type redactor struct {
	typed []string // the typed credentials, in the forms they travel in
}

// userinfo is the user:password@ part of a URL, raw or percent-encoded;
// it stops at what cannot be in it, so it never spans two URLs.
var userinfo = regexp.MustCompile(`(?i)(://|%3A%2F%2F)(?:[^\s/?#@%&"'<>]|%[013-9a-f][0-9a-f]|%2[0-9a-e])+?(@|%40)`)

func newRedactor(u *url.Userinfo) *redactor {
	r := &redactor{}
	if u == nil {
		return r
	}
	var secrets []string
	if pw, ok := u.Password(); ok {
		secrets = append(secrets, pw)
	} else {
		// https://TOKEN@host: the name is the credential.
		secrets = append(secrets, u.Username())
	}
	for _, s := range secrets {
		// Too short to replace everywhere without mangling the output;
		// the URL forms are still caught by the pattern.
		if len(s) < 4 {
			continue
		}
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if !slices.Contains(r.typed, form) {
				r.typed = append(r.typed, form)
			}
		}
	}
	return r
}

func (r *redactor) string(s string) string {
	if s == "" {
		return s
	}
	s = parse.RedactString(s)
	s = userinfo.ReplaceAllString(s, "$1[redacted]$2")
	for _, t := range r.typed {
		s = strings.ReplaceAll(s, t, "[redacted]")
	}
	return s
}

// result redacts every string of a result in place.
func (r *redactor) result(res *Result) {
	res.URL = r.string(res.URL)
	seen := map[*Exchange]bool{}
	for i := range res.Checks {
		c := &res.Checks[i]
		c.Title, c.Summary, c.Fix = r.string(c.Title), r.string(c.Summary), r.string(c.Fix)
		if x := c.Exchange; x != nil && !seen[x] {
			seen[x] = true
			for _, f := range []*string{&x.URL, &x.ContentType, &x.Server, &x.Location, &x.WWWAuthenticate, &x.Body, &x.Error} {
				*f = r.string(*f)
			}
		}
	}
}
