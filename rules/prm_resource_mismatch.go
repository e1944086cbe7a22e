package rules

import "fmt"

var PRMResourceMismatch = &Rule{
	ID:      "prm_resource_mismatch",
	Title:   "the metadata's resource does not match the connector URL",
	Symptom: "discovery succeeds (metadata 200) and the connector goes no further",
	Stage:   StageDiscovery,
	Side:    SideServer,
	Doc: `Discovery succeeds (probe 401, protected-resource metadata 200,
authorization-server metadata 200) and then nothing: no registration, no
browser. A few seconds later the connector may probe again and give up.
The connector validates the metadata's "resource" against the URL exactly
as typed (scheme, host, path, trailing slash, case); a mismatch fails
silently. An access log cannot see the document, so this is inferred from
where the flow stopped.

Look-alikes: dcr_not_supported and cimd_not_selected stop at the same
place but show "Automatic client registration isn't supported" in Claude.`,
	Fix: "Set the metadata's resource to the connector URL byte for byte (https, the public host, the path, no trailing slash unless the URL has one).",
	Run: func(a *Attempt) *Finding {
		if !discoveryStall(a) {
			return nil
		}
		if claudeSaid(a, "automatic client registration isn't supported") {
			return nil // dcr_not_supported, by Claude's own words
		}
		prm := metadataDocument(a)
		conf, reprobe := discoveryStallConfidence(a, prm)
		summary := fmt.Sprintf("Discovery succeeded (%s) and the connector went no further: no registration, no browser authorization.", req(prm))
		if reprobe != nil {
			summary += fmt.Sprintf(" It probed again %s later (%s) and stopped.", span(prm.Time, reprobe.Time), req(reprobe))
		}
		ev := []*Ev{prm, a.FirstOK(RoleASMeta), reprobe}
		return found(conf, summary, ev...).WithNext(discoveryStallNext)
	},
}

// discoveryStallNext decides what stopped a flow right after discovery:
// the resource the metadata names, or client registration.
const discoveryStallNext = "Claude's message decides it: \"Automatic client registration isn't supported\" means the metadata offers no registration endpoint Claude will use (dcr_not_supported, cimd_not_selected; pass it with --error). Otherwise fetch the metadata as the connector did, curl -si https://<host>/.well-known/oauth-protected-resource/<path>: an HTML page there is well_known_html_catchall; a JSON document whose \"resource\" differs from the URL typed into Claude, byte for byte, is prm_resource_mismatch."

// discoveryStallConfidence: a re-probe after discovery, then nothing, is
// the connector giving up on what it found; without it the log may just
// end early.
func discoveryStallConfidence(a *Attempt, prm *Ev) (Confidence, *Ev) {
	var reprobe *Ev
	for _, p := range a.ByRole(RoleProbe) {
		if prm != nil && p.Time.After(prm.Time) {
			reprobe = p
		}
	}
	if reprobe != nil {
		return Medium, reprobe
	}
	return Low, nil
}

// discoveryStall: discovery completed and nothing of stages 3-6 followed.
func discoveryStall(a *Attempt) bool {
	return metadataDocument(a) != nil && a.Stages[StageDiscovery].Status == StatusOK &&
		!a.Has(RoleRegister) && !a.Has(RoleAuthorize) && !a.Has(RoleBrowser) && !a.Has(RoleToken) && !a.Has(RoleMCP) &&
		a.Outcome == OutcomeFailed
}

// stalledAtASMeta: the authorization-server metadata answered in an
// attempt that stalled after discovery, or nil; the rules that read what
// that metadata offered (registration, client-metadata documents) start here.
func stalledAtASMeta(a *Attempt) *Ev {
	if !discoveryStall(a) {
		return nil
	}
	return a.FirstOK(RoleASMeta)
}
