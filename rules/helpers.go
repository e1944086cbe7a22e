package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mcptriage/mcptriage/parse"
	"github.com/mcptriage/mcptriage/rules/engine"
)

// AuthLogSnippet is the nginx configuration that makes the access log say
// whether each request carried an Authorization header (never its value).
// The combined parser reads its auth= and rt= fields.
const AuthLogSnippet = `map $http_authorization $mcp_auth { default present; "" absent; }
log_format mcptriage '$remote_addr - $remote_user [$time_local] "$request" '
                     '$status $body_bytes_sent "$http_referer" "$http_user_agent" '
                     '"$http_x_forwarded_for" rt=$request_time auth=$mcp_auth';
access_log /var/log/nginx/access.log mcptriage;`

// clock renders a time for a summary: "14:02:07Z" (UTC, always).
func clock(t time.Time) string {
	if t.IsZero() || parse.IsSynthetic(t) {
		return "(time not logged)"
	}
	if t.Nanosecond() != 0 {
		return t.UTC().Format("15:04:05.000Z")
	}
	return t.UTC().Format("15:04:05Z")
}

// at renders " at 14:02:07Z", or nothing when the log has no times.
func at(t time.Time) string {
	if t.IsZero() || parse.IsSynthetic(t) {
		return ""
	}
	return " at " + clock(t)
}

// span renders a duration between two events: "0.4 s", "3 min 12 s".
func span(from, to time.Time) string {
	d := to.Sub(from)
	switch {
	case d < 0:
		d = -d
	case d < time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	if d < time.Minute {
		return fmt.Sprintf("%.0f s", d.Seconds())
	}
	return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// req renders one request: "POST /mcp → 401 at 14:02:07Z".
func req(e *Ev) string {
	if e.Method == "" {
		return fmt.Sprintf("%q%s", e.Message, at(e.Time))
	}
	return fmt.Sprintf("%s %s → %s%s", e.Method, e.Path, engine.StatusText(e.Status), at(e.Time))
}

func found(conf Confidence, summary string, evidence ...*Ev) *Finding {
	return &Finding{Confidence: conf, Summary: summary, Evidence: compact(evidence)}
}

// compact drops nils and duplicates, keeping order.
func compact(evs []*Ev) []*Ev {
	var out []*Ev
	seen := map[*Ev]bool{}
	for _, e := range evs {
		if e != nil && !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	engine.SortByTime(out)
	return out
}

// stalled: the attempt failed and never got past stage s.
func stalledAt(a *Attempt, s Stage) bool {
	return a.Outcome != OutcomeConnected && a.LastCompleted < s
}

// failedStatus lists events of a role whose answer was not 2xx.
func failing(evs []*Ev) []*Ev {
	var out []*Ev
	for _, e := range evs {
		if !e.OK() {
			out = append(out, e)
		}
	}
	return out
}

func withStatus(evs []*Ev, codes ...int) []*Ev {
	var out []*Ev
	for _, e := range evs {
		for _, c := range codes {
			if e.Status == c {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

// firstN keeps evidence lists short.
func firstN(evs []*Ev, n int) []*Ev {
	if len(evs) > n {
		return evs[:n]
	}
	return evs
}

// isRootPRM: the PRM fetched at the origin root rather than path-inserted.
func isRootPRM(e *Ev) bool {
	return strings.TrimSuffix(strings.ToLower(e.Path), "/") == "/.well-known/oauth-protected-resource"
}

// isRootASMeta: AS metadata at the origin root.
func isRootASMeta(e *Ev) bool {
	p := strings.TrimSuffix(strings.ToLower(e.Path), "/")
	return p == "/.well-known/oauth-authorization-server" || p == "/.well-known/openid-configuration"
}

// atOriginRoot: an OAuth endpoint Claude synthesises when discovery fails.
func atOriginRoot(e *Ev) bool {
	p := strings.TrimSuffix(strings.ToLower(e.Path), "/")
	return p == "/register" || p == "/authorize" || p == "/token"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// cdnHint is said where Cloudflare makes an edge block likely.
func cdnHint(a *Attempt) string {
	if a.Env != nil && a.Env.BehindCloudflare {
		return " The log shows the server behind Cloudflare, whose AI-bot rules block Claude-User by default."
	}
	return ""
}

func logsAuthorization(a *Attempt) bool { return a.Env != nil && a.Env.LogsAuthorization }

// claudeSaid reports whether the error Claude showed contains text
// (case-insensitive, ignoring the apostrophe style).
func claudeSaid(a *Attempt, text string) bool {
	if a.Env == nil || a.Env.ClaudeError == "" {
		return false
	}
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "’", "'") }
	return strings.Contains(norm(a.Env.ClaudeError), norm(text))
}

// Thousands writes 12345 as 12,345 (the report's renderers use it too).
func Thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// saying returns what states sig about near: near itself (any of its
// sightings), or an app message within window of it (anywhere in the
// attempt when near is nil or the log has no times). An app writes its
// words about a request while handling it, so words with another of the
// attempt's requests between them and near are about that one (the
// first probe's "no bearer token" is not about the request after the
// token); of the rest, the closest wins.
func saying(a *Attempt, sig parse.Signal, near *Ev, window time.Duration) *Ev {
	if near != nil && near.AllSignals().Has(sig) {
		return near
	}
	var best *Ev
	for _, e := range a.Events {
		if e.Role != RoleMessage || !e.Signals.Has(sig) {
			continue
		}
		if near == nil || parse.IsSynthetic(e.Time) || parse.IsSynthetic(near.Time) {
			return e
		}
		d := engine.AbsDuration(e.Time.Sub(near.Time))
		if d > window || requestBetween(a, e, near) {
			continue
		}
		if best == nil || d < engine.AbsDuration(best.Time.Sub(near.Time)) {
			best = e
		}
	}
	return best
}

// requestBetween: one of a's requests other than near was logged strictly
// between the message m and near.
func requestBetween(a *Attempt, m, near *Ev) bool {
	from, to := m.Time, near.Time
	if to.Before(from) {
		from, to = to, from
	}
	for _, e := range a.Events {
		if e == near || e.Role == RoleMessage {
			continue
		}
		if e.Time.After(from) && e.Time.Before(to) {
			return true
		}
	}
	return false
}

// edgeCovers: an edge log was given and covers from..to.
func edgeCovers(a *Attempt, from, to time.Time) bool {
	return a.Env != nil && a.Env.Edge.Covers(from, to)
}

// ruleName renders an edge rule for a sentence.
func ruleName(e *parse.Event) string {
	switch {
	case e.EdgeRule != "":
		return "rule \"" + e.EdgeRule + "\""
	case e.EdgeSource != "":
		return e.EdgeSource
	}
	return "a security rule"
}

// elsewhereAfter returns the first request of Claude's MCP client
// (Claude-User, from Anthropic's range) after ev that went to a path other
// than the connector's: the client did send something, so "nothing after
// the token" does not hold.
func elsewhereAfter(a *Attempt, ev *Ev) *Ev {
	for _, e := range a.After(ev) {
		if e.Role == RoleOther && e.Confirmed && engine.IsClaudeUserUA(e.UserAgent) {
			return e
		}
	}
	return nil
}
