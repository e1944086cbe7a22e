package rules

import (
	"fmt"
	"strings"
)

var WellKnownHTMLCatchall = &Rule{
	ID:      "well_known_html_catchall",
	Title:   "OAuth metadata paths return an HTML page",
	Symptom: "the OAuth metadata paths return an HTML page",
	Stage:   StageDiscovery,
	Side:    SideServer,
	Doc: `A single-page app's fallback route, a maintenance page or a login redirect
answers /.well-known/oauth-protected-resource or
/.well-known/oauth-authorization-server with 200 and text/html. The
connector needs JSON there, so discovery fails with a success status.

Decisive when the response content type is logged
($sent_http_content_type); otherwise a metadata response far larger than
such a document ever is hints at it.`,
	Fix: "Exclude /.well-known/*, /register, /token and /authorize from SPA fallbacks and auth middleware; return the JSON documents, or a 404.",
	Run: func(a *Attempt) *Finding {
		if !stalledAt(a, StageRegistration) || a.Has(RoleAuthorize) {
			return nil
		}
		var html, big []*Ev
		for _, e := range append(a.ByRole(RolePRM), a.ByRole(RoleASMeta)...) {
			if !e.OK() {
				continue
			}
			if strings.Contains(strings.ToLower(e.ContentType), "html") {
				html = append(html, e)
			} else if e.ContentType == "" && e.Bytes > metadataMaxBytes(e) {
				big = append(big, e)
			}
		}
		if len(html) > 0 {
			return found(High, fmt.Sprintf("%s with Content-Type %s: the connector needs JSON there.", req(html[0]), html[0].ContentType), firstN(html, 3)...).WithNotCompleted(StageDiscovery)
		}
		if same := samePageEverywhere(a); len(same) > 0 && len(big) == 0 {
			return found(Medium, fmt.Sprintf("%s and %s: the same %d-byte answer at both metadata paths, which hold different documents: one page is served for every path.", req(same[0]), req(same[1]), same[0].Bytes), same...).WithNotCompleted(StageDiscovery).WithNext(
				"curl -si https://<host>" + same[0].Path + " | head: an HTML body decides it.")
		}
		if prm := a.FirstOK(RolePRM); prm != nil && len(html) == 0 && len(big) == 0 && prm.ContentType == "" && prm.Bytes < 0 && discoveryStall(a) && !claudeSaid(a, "automatic client registration isn't supported") {
			// The metadata was answered 200 and the flow stopped there; the
			// log records neither the answer's type nor its size, so a page
			// served in its place reads the same as the stalls beside it.
			conf, _ := discoveryStallConfidence(a, prm)
			return found(conf, fmt.Sprintf("%s and the flow stopped; this log records neither the answer's type nor its size, so it may be a web page rather than the metadata.", req(prm)), prm).WithNext(discoveryStallNext)
		}
		if len(big) > 0 {
			return found(Medium, fmt.Sprintf("%s with %d bytes: far larger than a metadata document, the size of a web page.", req(big[0]), big[0].Bytes), firstN(big, 3)...).WithNotCompleted(StageDiscovery).WithNext(
				"curl -si https://<host>" + big[0].Path + " | head: an HTML body decides it.")
		}
		return nil
	},
}

// metadataMaxBytes is more than a metadata document at that path ever
// takes: protected-resource metadata names a resource and its servers
// (a few hundred bytes); authorization-server metadata lists endpoints
// and capabilities (a few kilobytes at the largest providers).
func metadataMaxBytes(e *Ev) int64 {
	if e.Role == RolePRM {
		return 2048
	}
	return 16384
}

// looksLikeMetadata: a 2xx at a metadata path that can be a metadata
// document: not HTML, not the size of a web page.
func looksLikeMetadata(e *Ev) bool {
	if !e.OK() || strings.Contains(strings.ToLower(e.ContentType), "html") {
		return false
	}
	return e.ContentType != "" || e.Bytes <= metadataMaxBytes(e)
}

// metadataDocument returns the first protected-resource metadata fetch
// answered with what can be a metadata document, or nil.
func metadataDocument(a *Attempt) *Ev {
	same := samePageEverywhere(a)
	for _, e := range a.ByRole(RolePRM) {
		if looksLikeMetadata(e) && same == nil {
			return e
		}
	}
	return nil
}

// samePageEverywhere returns a protected-resource and an
// authorization-server metadata fetch answered with bodies of the same
// size (a few hundred bytes or more): the two documents differ, so one
// page is being served for both (a catch-all), or nil.
func samePageEverywhere(a *Attempt) []*Ev {
	for _, p := range a.ByRole(RolePRM) {
		if !p.OK() || p.Bytes < 256 {
			continue
		}
		for _, m := range a.ByRole(RoleASMeta) {
			if m.OK() && m.Bytes == p.Bytes {
				return []*Ev{p, m}
			}
		}
	}
	return nil
}
