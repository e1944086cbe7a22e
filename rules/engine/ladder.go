package engine

import (
	"path"

	"sort"
	"strings"
	"time"

	"github.com/mcptriage/mcptriage/parse"
)

// StageStatus is how far one stage got.
type StageStatus string

const (
	StatusOK      StageStatus = "ok"
	StatusFailed  StageStatus = "failed"
	StatusNotSeen StageStatus = "not_seen"
	// StatusStarted: requests of the stage were seen, but not its end
	// (a login page shown, with no redirect back to Claude).
	StatusStarted StageStatus = "started"
	// StatusSkipped: the stage does not apply (an authless server needs
	// no discovery, registration, authorization or token).
	StatusSkipped StageStatus = "skipped"
)

// StageResult is one rung of the ladder.
type StageResult struct {
	Status   StageStatus
	At       time.Time // the first request of the stage
	Evidence []*Ev
}

// Outcome is how the attempt ended.
type Outcome string

const (
	OutcomeConnected  Outcome = "connected"
	OutcomeFailed     Outcome = "failed"
	OutcomeIncomplete Outcome = "incomplete"
)

// The connector gives the token endpoint and initialize about ten seconds.
const deadline = 10 * time.Second

// tooSlow: a request the connector will have given up on.
func TooSlow(e *Ev) bool {
	return e.ClientGone || e.Status == 499 || (e.HasDuration && e.Duration >= deadline-500*time.Millisecond)
}

func (a *Attempt) computeStages() {
	set := func(s Stage, status StageStatus, evs []*Ev) {
		r := StageResult{Status: status, Evidence: evs}
		if len(evs) > 0 {
			r.At = evs[0].Time
		}
		a.Stages[s] = r
	}
	for s := StageProbe; s <= StageMCP; s++ {
		set(s, StatusNotSeen, nil)
	}
	a.Stages[StageReach] = StageResult{Status: StatusOK}

	probes := a.ByRole(RoleProbe)
	if len(probes) > 0 {
		status := StatusFailed
		for _, p := range probes {
			if p.Status == 401 || (p.OK() && p.Method != "HEAD") {
				status = StatusOK
			}
		}
		set(StageProbe, status, probes)
	}

	authless := a.Authless()
	disc := append(a.ByRole(RolePRM), a.ByRole(RoleASMeta)...)
	SortByTime(disc)
	switch {
	case authless:
		set(StageDiscovery, StatusSkipped, disc)
	case len(disc) > 0:
		status := StatusFailed
		prmOK, asOK := a.AnyOK(RolePRM), a.AnyOK(RoleASMeta)
		laterSteps := a.Has(RoleRegister) || a.Has(RoleAuthorize) || a.Has(RoleToken) || a.Has(RoleMCP)
		// The authorization server may live elsewhere: then only the
		// protected-resource metadata is fetched here.
		if prmOK && (asOK || !a.Has(RoleASMeta) || laterSteps) {
			status = StatusOK
		} else if !a.Has(RolePRM) && asOK {
			status = StatusOK
		}
		set(StageDiscovery, status, disc)
	}

	if regs := a.ByRole(RoleRegister); len(regs) > 0 {
		set(StageRegistration, okIf(a.AnyOK(RoleRegister)), regs)
	} else if authless {
		set(StageRegistration, StatusSkipped, nil)
	} else if a.Has(RoleAuthorize) && a.Stages[StageDiscovery].Status == StatusOK {
		// The browser was sent to authorize with no registration: Claude
		// had a client already (a client metadata document, or a client
		// ID typed into the connector), which needs no request here.
		set(StageRegistration, StatusOK, nil)
	}

	browser := append(a.ByRole(RoleAuthorize), a.ByRole(RoleBrowser)...)
	// The application saying it sent the browser back to Claude's
	// callback with a code is the leg's end as much as the redirect is.
	for _, e := range a.ByRole(RoleMessage) {
		if e.Signals.Has(parse.SigCallbackRedirect) && len(browser) > 0 {
			browser = append(browser, e)
		}
	}
	SortByTime(browser)
	if len(browser) > 0 {
		// The connector asks for a token only once the browser has
		// brought the code back to Claude: a token request, answered
		// or not, completes the browser's leg.
		set(StageAuthorization, browserStatus(browser, a.Has(RoleToken)), browser)
	} else if authless {
		set(StageAuthorization, StatusSkipped, nil)
	}

	if toks := a.ByRole(RoleToken); len(toks) > 0 {
		set(StageToken, okIf(Usable(toks) != nil), toks)
	} else if authless {
		set(StageToken, StatusSkipped, nil)
	}

	if mcp := a.ByRole(RoleMCP); len(mcp) > 0 {
		set(StageMCP, okIf(Usable(mcp) != nil), mcp)
	}

	a.LastCompleted = lastCompleted(&a.Stages)
	// An authless server that answered the probe and then served MCP
	// requests has connected without stages 2 to 5.
	a.Outcome = OutcomeFailed
	switch {
	case a.Stages[StageMCP].Status == StatusOK:
		a.Outcome = OutcomeConnected
	// Claude's own error message (--error) says the attempt has ended.
	case a.waitingOnUser() && a.Env != nil && a.Env.ClaudeError == "" && !a.Env.LogEnd.IsZero() && a.Env.LogEnd.Sub(a.End) < attemptGap && !a.anyFailed():
		a.Outcome = OutcomeIncomplete
	}
}

// lastCompleted is the furthest stage that completed. The connector goes
// on after some failures (discovery after a probe answered 404), so a
// later stage that completed shows an earlier failure did not stop it;
// where a completed stage still led nowhere (metadata for another
// resource), the finding that says so marks it (Finding.NotCompleted).
func lastCompleted(st *[StageMCP + 1]StageResult) Stage {
	last := StageReach
	for s := StageProbe; s <= StageMCP; s++ {
		if st[s].Status == StatusOK {
			last = s
		}
	}
	return last
}

// browserStatus reads the browser's leg: it completed when the
// authorization (or its consent step) redirected the browser back, which
// is Claude's callback unless the logged Location says otherwise, even
// with a 307 or 308 (the consent was given; the callback's refusal of the
// POST is the finding's to say). An error answer, or a redirect carrying
// an error, after the last such redirect fails it.
func browserStatus(browser []*Ev, tokenAsked bool) StageStatus {
	if tokenAsked {
		return StatusOK
	}
	status := StatusStarted
	for _, e := range browser {
		if isAsset(e.Path) {
			continue
		}
		loc := strings.ToLower(e.Location)
		switch {
		case e.Role == RoleMessage:
			status = StatusOK
		case e.Redirect() && strings.Contains(loc, "error="):
			status = StatusFailed
		case e.Redirect() && (loc == "" || strings.Contains(loc, "/api/mcp/auth_callback")):
			status = StatusOK
		case e.Status >= 400:
			status = StatusFailed
		}
	}
	return status
}

// isAsset: a style sheet, script, image or font a page loads.
func isAsset(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".css", ".js", ".mjs", ".map", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp", ".woff", ".woff2", ".ttf":
		return true
	}
	return false
}

// waitingOnUser: the log ends while the user may still be in the browser:
// the last thing that happened was a registration or a browser step.
func (a *Attempt) waitingOnUser() bool {
	if len(a.Events) == 0 {
		return false
	}
	last := a.Events[len(a.Events)-1]
	if last.Browser {
		return true
	}
	if last.Role != RoleRegister || !last.OK() {
		return false
	}
	// A probe after an earlier registration is the connector starting
	// over, not waiting for the user.
	if reg := a.FirstOK(RoleRegister); reg != nil {
		for _, e := range a.After(reg) {
			if e.Role == RoleProbe {
				return false
			}
		}
	}
	return true
}

// usable returns the first 2xx answered in time for the connector.
func Usable(evs []*Ev) *Ev {
	for _, e := range evs {
		if e.OK() && !TooSlow(e) {
			return e
		}
	}
	return nil
}

func okIf(ok bool) StageStatus {
	if ok {
		return StatusOK
	}
	return StatusFailed
}

func (a *Attempt) anyFailed() bool {
	for _, s := range a.Stages {
		if s.Status == StatusFailed {
			return true
		}
	}
	return false
}

func SortByTime(evs []*Ev) {
	// Within one input, equal times (a log of whole seconds) keep the
	// input's own order, whatever order the collector kept them in.
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		if a.Pos.File != b.Pos.File {
			// Records merged from two logs: their order in a log both
			// were read from (the edge's and the origin's log of one
			// whole second hold the browser's steps and the backend's
			// in the order they happened; the file names do not).
			for _, f := range [2]string{a.Pos.File, b.Pos.File} {
				if la, lb := lineIn(a, f), lineIn(b, f); la > 0 && lb > 0 {
					return la < lb
				}
			}
			return a.Pos.File < b.Pos.File
		}
		return a.Pos.Line < b.Pos.Line
	})
}

// lineIn is the line of e's record in the file (its own or a view's), or 0.
func lineIn(e *Ev, file string) int {
	if e.Pos.File == file {
		return e.Pos.Line
	}
	for _, v := range e.Views {
		if v.Pos.File == file {
			return v.Pos.Line
		}
	}
	return 0
}
