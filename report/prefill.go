package report

import (
	"net/url"
	"strings"

	"github.com/mcptriage/mcptriage/internal/scrub"
)

// URLLimit keeps a prefilled new-issue URL under what GitHub accepts:
// it publishes no number, and URLs beyond about 8 KB fail with 414.
const URLLimit = 7500

// PrefillURL builds the URL of the tracker's new-issue page with the
// form's text fields filled by id (GitHub does not prefill dropdowns).
// When it would exceed limit, the logs, then the diagram and the ladder,
// then what is left are shortened, and shortened says so.
func (d *Draft) PrefillURL(limit int) (string, bool) {
	fields := map[string]string{}
	var order []string
	for _, f := range d.Fields {
		if f.Pick || f.Value == noResponse {
			continue
		}
		fields[f.ID] = f.Value
		order = append(order, f.ID)
	}
	build := func() string {
		v := url.Values{}
		v.Set("template", d.Template)
		v.Set("title", scrub.String(d.Title))
		for _, id := range order {
			v.Set(id, scrub.String(fields[id])) // before encoding: encoded, a secret hides from the pass
		}
		return "https://github.com/" + d.Repo + "/issues/new?" + v.Encode()
	}
	u := build()
	if len(u) <= limit {
		return u, false
	}
	const pasteLogs = "(too long for the link: paste the \"Logs from your server\" section of the mcptriage draft here)"
	steps := []func(){
		func() { fields["server-logs"] = headTail(fields["server-logs"], 6) },
		func() { fields["server-logs"] = headTail(fields["server-logs"], 2) },
		func() {
			if _, ok := fields["server-logs"]; ok {
				fields["server-logs"] = pasteLogs
			}
		},
		func() { fields["description"] = cutAt(fields["description"], "\n```mermaid") },
		func() {
			fields["description"] = cutAt(fields["description"], "\nHow far the flow got") + "\n\n(shortened for the link: the full description is in the mcptriage draft)"
		},
		func() { fields["additional"] = cutAt(fields["additional"], "\n\nHosting") },
	}
	for _, step := range steps {
		step()
		if u = build(); len(u) <= limit {
			return u, true
		}
	}
	// Still too long: cut the longest fields evenly until it fits.
	for len(u) > limit {
		longest := ""
		for _, id := range order {
			if len(fields[id]) > len(fields[longest]) {
				longest = id
			}
		}
		if longest == "" || len(fields[longest]) < 80 {
			break
		}
		fields[longest] = fields[longest][:len(fields[longest])*3/4] + " …"
		u = build()
	}
	return u, true
}

// headTail keeps the first and last n lines of a log excerpt.
func headTail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= 2*n+1 {
		return s
	}
	out := append(append([]string{}, lines[:n]...), "… (lines left out for the link; the full log is in the mcptriage draft) …")
	return strings.Join(append(out, lines[len(lines)-n:]...), "\n")
}

func cutAt(s, marker string) string {
	if i := strings.Index(s, marker); i >= 0 {
		return strings.TrimRight(s[:i], "\n")
	}
	return s
}
