package rules

import (
	"fmt"
	"strings"

	"github.com/mcptriage/mcptriage/parse"
)

// Claude can identify itself with a Client ID Metadata Document: the
// client_id is the URL of Claude's own metadata, which the authorization
// server fetches. It chooses that path only when the metadata advertises
// client_id_metadata_document_supported and the "none" token endpoint
// auth method.

var CIMDNotSelected = &Rule{
	ID:      "cimd_not_selected",
	Title:   "metadata documents are advertised but Claude chooses no client",
	Symptom: "the flow stops after discovery: no registration and no authorization",
	Stage:   StageRegistration,
	Side:    SideServer,
	Doc: `The authorization server's metadata advertises client metadata documents
(client_id_metadata_document_supported) but not "none" among
token_endpoint_auth_methods_supported, and has no registration_endpoint:
Claude then has no way to get a client, and stops after discovery with
"Automatic client registration isn't supported". An access log cannot show
the metadata's content, so this is named beside dcr_not_supported and
prm_resource_mismatch, and the metadata decides.`,
	Fix: "Advertise both client_id_metadata_document_supported: true and \"none\" in token_endpoint_auth_methods_supported (only if the server really validates metadata documents), or offer a registration_endpoint.",
	Run: func(a *Attempt) *Finding {
		as := stalledAtASMeta(a)
		if as == nil {
			return nil
		}
		conf, _ := discoveryStallConfidence(a, metadataDocument(a))
		if claudeSaid(a, "automatic client registration isn't supported") {
			conf = High
		}
		return found(conf, fmt.Sprintf("Discovery ended with %s and Claude chose no client: no registration, no authorization. If the metadata advertises client metadata documents without the \"none\" auth method, Claude has nothing it can use.", req(as)), as).WithNext(discoveryStallNext)
	},
}

var CIMDDocumentFetchFailed = &Rule{
	ID:      "cimd_document_fetch_failed",
	Title:   "the authorization server cannot use Claude's client metadata document",
	Symptom: "the authorize request with Claude's metadata URL as client_id is refused",
	Stage:   StageAuthorization,
	Side:    SideInfra,
	Doc: `Claude chose a Client ID Metadata Document: the browser's authorize
request carries client_id=https://claude.ai/oauth/mcp-oauth-client-metadata.
The authorization server must fetch that URL to learn the client; when its
fetch is refused (a CDN's bot challenge for a datacenter address), gets
HTML, or 404s, it refuses the authorization ("Unknown OAuth client",
invalid_client_metadata).

Look-alike: idp_rejects_authorize (a client_id of the server's own).`,
	Fix: "Fetch the metadata URL from your authorization server as a normal client would (a plain user agent, no redirects followed), cache it, and retry; if Anthropic's URL answers a challenge or HTML, file an issue with the ofid. Offering DCR as well avoids the dependency.",
	Run: func(a *Attempt) *Finding {
		if a.AnyOK(RoleToken) || a.Outcome == OutcomeConnected {
			return nil
		}
		for _, e := range a.ByRole(RoleAuthorize) {
			if !cimdClient(e) {
				continue
			}
			// A 404 is an authorization endpoint that is not there (a
			// synthesised default), not a refusal of the client.
			refused := e.Status >= 400 && e.Status != 404 && e.Status != 410 || e.Redirect() && strings.Contains(strings.ToLower(e.Location), "error=")
			said := saying(a, parse.SigClientMetadata, e, 30e9)
			switch {
			case said != nil:
				return found(High, fmt.Sprintf("%s named Claude's client metadata document as its client, and your application says it could not use it: %q.", req(e), said.Message), e, said).WithNotCompleted(StageAuthorization)
			case refused:
				return found(Medium, fmt.Sprintf("%s named Claude's client metadata document as its client and was refused: the authorization server could not fetch or accept the document.", req(e)), e).WithNotCompleted(StageAuthorization).WithNext(
					"Look in the authorization server's log for its fetch of https://claude.ai/oauth/mcp-oauth-client-metadata at that time: a 403 challenge, HTML or a 404 there decides it.")
			}
		}
		return nil
	},
}
