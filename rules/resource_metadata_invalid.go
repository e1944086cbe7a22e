package rules

import (
	"fmt"
	"regexp"
	"strings"
)

var ResourceMetadataInvalid = &Rule{
	ID:      "resource_metadata_invalid",
	Title:   "the challenge's resource_metadata URL is unusable",
	Symptom: "the 401's resource_metadata URL is never fetched",
	Stage:   StageProbe,
	Side:    SideServer,
	Doc: `The 401 challenge names a resource_metadata URL the connector cannot use:
relative (/.well-known/…), plain http:// (often an internal host and port
leaked by a TLS-terminating proxy that does not pass X-Forwarded-Proto and
Host), unquoted, or pointing at the authorization-server document instead
of the protected-resource one. Discovery then never starts (the probe is
repeated and the add dialog may hang on "Checking connection…") or fetches
the wrong document.`,
	Fix: "Emit an absolute https:// URL of the RFC 9728 document (the path-inserted form for a server on a subpath), built from a configured public base URL rather than the request.",
	Run: func(a *Attempt) *Finding {
		if !stalledAt(a, StageDiscovery) || a.AnyOK(RolePRM) {
			return nil
		}
		for _, p := range a.ByRole(RoleProbe) {
			if p.Status != 401 || p.WWWAuthenticate == "" {
				continue
			}
			m := resourceMetadataRe.FindStringSubmatch(p.WWWAuthenticate)
			if m == nil {
				continue
			}
			quoted, target := m[1] != "", m[2]
			var problem string
			switch {
			case strings.HasPrefix(target, "/"):
				problem = "is relative"
			case strings.HasPrefix(strings.ToLower(target), "http://"):
				problem = "uses http://, which the connector will not fetch"
			case strings.Contains(target, "oauth-authorization-server") || strings.Contains(target, "openid-configuration"):
				problem = "points at the authorization-server metadata, not the protected-resource metadata"
			case strings.Contains(target, "localhost") || strings.Contains(target, "127.0.0.1"):
				problem = "names a local host"
			case !quoted:
				problem = "is not quoted"
			}
			if problem == "" {
				continue
			}
			return found(High, fmt.Sprintf("%s: its resource_metadata URL %s %s.", req(p), target, problem), p)
		}
		// Without header logging: the probe repeated and nothing else.
		probes := withStatus(a.ByRole(RoleProbe), 401)
		if len(probes) >= 3 && !a.Has(RolePRM) && !a.Has(RoleASMeta) && !a.Has(RoleRegister) {
			return found(Low, fmt.Sprintf("The probe was answered 401 %d times in %s and discovery never started; a resource_metadata URL the connector rejects produces this loop.", len(probes), span(probes[0].Time, probes[len(probes)-1].Time)), firstN(probes, 3)...).WithNext(
				"Check the resource_metadata value in the 401's WWW-Authenticate header: it must be an absolute https:// URL of the protected-resource document.")
		}
		return nil
	},
}

var resourceMetadataRe = regexp.MustCompile(`(?i)resource_metadata\s*=\s*(")?([^",\s]+)`)
