package lab

import (
	"fmt"
	"path/filepath"
	"slices"
	"time"
)

// Press is one press of Connect: the scenario in force (the server's
// faults, the connector's bugs) and what mcptriage must conclude about
// that attempt.
type Press struct {
	Scenario
	// Gap is the pause before this press, after the previous attempt
	// ended: the user reading the error, the owner fixing the server.
	Gap time.Duration
}

// Case is what the suite stages behind each front: one or more presses
// of Connect, with the crowd of a busy server around and between them.
type Case struct {
	Name    string
	Presses []Press
	// NoForward: the front proxy forwards no address, so every client,
	// the connector included, logs as the proxy's address.
	NoForward bool
	// Only runs the case behind these fronts (nil: every front).
	Only []string
	// Quiet: a private server's day, with no other MCP or OAuth client
	// (only browsers, monitoring and scanners on other paths), where a
	// log with neither addresses nor user agents can still be read by
	// order.
	Quiet bool
}

// scenario looks a scenario up by name; the catalogue of expectations
// lives in Scenarios only.
func scenario(name string) Scenario {
	for _, s := range Scenarios {
		if s.Name == name {
			return s
		}
	}
	panic("lab: no scenario " + name)
}

// presses builds a sequence: the first press at once, each later one
// after its gap.
func presses(steps ...any) []Press {
	var out []Press
	gap := time.Duration(0)
	for _, s := range steps {
		switch v := s.(type) {
		case time.Duration:
			gap = v
		case string:
			out = append(out, Press{Scenario: scenario(v), Gap: gap})
			gap = 0
		}
	}
	return out
}

// Pauses between presses: a user who presses again at once after an
// error, and one who fixed something first.
const (
	impatient = 2 * time.Second
	afterFix  = 4 * time.Second
)

// Sequences are several presses in one log: each terminal failure
// (registration refused, token refused or timed out, the authenticated
// MCP request refused) followed by another press, with and without the
// owner's fix in between.
var Sequences = []Case{
	{Name: "seq_register400_twice_then_fixed", Presses: presses(
		"dcr_redirect_uri_rejected", impatient, "dcr_redirect_uri_rejected", afterFix, "healthy")},
	{Name: "seq_register500_then_fixed", Presses: presses(
		"dcr_endpoint_broken", impatient, "healthy")},
	{Name: "seq_token415_then_fixed", Presses: presses(
		"token_endpoint_json_only", afterFix, "healthy")},
	{Name: "seq_token401_twice", Presses: presses(
		"token_client_auth_mismatch", impatient, "token_client_auth_mismatch")},
	{Name: "seq_token_timeout_then_fixed", Presses: presses(
		"token_endpoint_slow", impatient, "healthy")},
	{Name: "seq_mcp401_twice_then_fixed", Presses: presses(
		"server_rejects_token", impatient, "server_rejects_token", afterFix, "healthy")},
	{Name: "seq_register_token_mcp", Presses: presses(
		"dcr_auth_method_rejected", afterFix, "token_endpoint_json_only", afterFix, "server_rejects_token")},
	{Name: "seq_discovery_consent_fixed", Presses: presses(
		"prm_not_found", afterFix, "callback_redirect_307", afterFix, "healthy")},
	{Name: "seq_connected_twice", Presses: presses(
		"healthy", afterFix, "healthy")},
}

// quiet are the sequences also staged on a quiet server, behind the
// fronts whose logs have no user agent or no time.
var quiet = []string{"seq_register400_twice_then_fixed", "seq_register500_then_fixed", "seq_token415_then_fixed",
	"seq_token401_twice", "seq_token_timeout_then_fixed", "seq_mcp401_twice_then_fixed", "seq_register_token_mcp",
	"seq_connected_twice"}

// noForward are the cases also staged behind a proxy that forwards no
// address.
var noForward = []string{"healthy", "dcr_endpoint_broken", "callback_redirect_307",
	"token_endpoint_json_only", "server_rejects_token", "seq_register500_then_fixed", "seq_mcp401_twice_then_fixed"}

// Cases are every scenario on its own, the sequences, and the no-address
// variants.
func Cases() []Case {
	var out []Case
	for _, s := range Scenarios {
		c := Case{Name: s.Name}
		if !s.NoTraffic {
			c.Presses = []Press{{Scenario: s}}
		}
		if s.Edge {
			c.Only = []string{"nginx"}
		}
		out = append(out, c)
	}
	out = append(out, Sequences...)
	variant := func(names []string, prefix string, change func(*Case)) {
		for _, name := range names {
			i := slices.IndexFunc(out, func(c Case) bool { return c.Name == name })
			c := out[i]
			c.Name = prefix + name
			change(&c)
			out = append(out, c)
		}
	}
	variant(noForward, "noforward_", func(c *Case) { c.NoForward = true })
	variant(quiet, "quiet_", func(c *Case) { c.Quiet, c.Only = true, []string{"uvicorn", "gunicorn", "express"} })
	return out
}

// Edge says the case needs the CDN edge in front.
func (c Case) Edge() bool {
	return slices.ContainsFunc(c.Presses, func(p Press) bool { return p.Scenario.Edge })
}

// Slow says the case waits out the connector's deadlines.
func (c Case) Slow() bool {
	return slices.ContainsFunc(c.Presses, func(p Press) bool { return p.Scenario.Slow })
}

// RunsOn says whether the case is staged behind the front.
func (c Case) RunsOn(front string) bool {
	return c.Only == nil || slices.Contains(c.Only, front)
}

// TypedURL is the URL to pass as --server, if any press needs it.
func (c Case) TypedURL() string {
	for _, p := range c.Presses {
		if p.TypedURL {
			return p.URL()
		}
	}
	return ""
}

// Error is Claude's message to pass as --error: only for a single press.
func (c Case) Error() string {
	if len(c.Presses) == 1 {
		return c.Presses[0].Error
	}
	return ""
}

// crowdPath is where other clients, set up with the right URL, find the
// server's MCP endpoint under the given faults.
func crowdPath(f Faults) (path string, legacy bool) {
	switch {
	case f.SSEOnly:
		return "/sse", true
	case f.SlashOnly, f.RedirectMCP:
		return "/mcp/", false
	}
	return "/mcp", false
}

// The ways a log set can stand to a press's evidence.
type evidence int

const (
	decisive  evidence = iota // the set holds what decides the mode
	tied                      // the stage shows, the mode ties with look-alikes
	blind                     // neither the stage nor the mode shows
	anonymous                 // nothing tells the connector's requests from other clients'
)

// evidenceIn says what a log set (file paths) can show of a press of
// the case.
func (c Case) evidenceIn(p Press, set []string) evidence {
	// Among other MCP clients doing the same flow on the same paths, a log
	// with neither client address nor user agent cannot tell whose
	// requests are whose: not even the number of attempts shows.
	if !c.Quiet && !slices.ContainsFunc(set, func(path string) bool {
		name := filepath.Base(path)
		return !(name == "morgan-dev.log" || c.NoForward && slices.Contains(noIdentityLogs, name))
	}) {
		return anonymous
	}
	// Behind a proxy that forwards no address, a press that stops before
	// the browser's authorization has sent only what every other client
	// sends, from the same address, with the same user agent: nothing in
	// any log marks it as Claude's (no callback, no Claude-User).
	if c.NoForward && !c.Quiet && p.Stage < 3 {
		return anonymous
	}
	inSet := func(names []string) bool {
		for _, path := range set {
			if slices.Contains(names, filepath.Base(path)) {
				return true
			}
		}
		return false
	}
	blindLog := func(name string) bool {
		if name == "edge.log" {
			return true // the edge's log joins the origin's; it decides nothing alone
		}
		if slices.Contains(p.Blind, name) {
			return true
		}
		return slices.Contains(p.Blind, "*") && !slices.Contains(p.DecidedBy, name)
	}
	allBlind := true
	for _, path := range set {
		allBlind = allBlind && blindLog(filepath.Base(path))
	}
	switch {
	case allBlind:
		return blind
	case len(p.DecidedBy) == 0 || inSet(p.DecidedBy):
		return decisive
	}
	return tied
}

// noIdentityLogs carry no user agent: behind a proxy that forwards
// nothing, no client address either. (morgan dev never has either.)
var noIdentityLogs = []string{"uvicorn.log", "gunicorn.log", "morgan-dev.log"}

func (e evidence) String() string {
	return [...]string{"decisive", "tied", "blind", "anonymous"}[e]
}

func stageName(n int) string {
	if n == None {
		return "–"
	}
	return fmt.Sprint(n)
}
