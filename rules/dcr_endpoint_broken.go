package rules

import "fmt"

var DCREndpointBroken = &Rule{
	ID:      "dcr_endpoint_broken",
	Title:   "the registration endpoint does not accept Claude's registration",
	Symptom: "the registration endpoint does not accept the registration",
	Stage:   StageRegistration,
	Side:    SideServer,
	Doc: `The connector POSTs its registration (RFC 7591 JSON) to the advertised
registration_endpoint and gets a redirect (a framework appending a slash;
the retry as GET then 405s), a 405 (the path is a sign-up page), a 5xx,
an empty body, or a 404 although the metadata advertised it.

Look-alikes: the 400 rejections (dcr_auth_method_rejected and siblings),
where the endpoint works but refuses a field; dcr_succeeded_then_abort,
where registration returned a clean 201.`,
	Fix: "Accept POST with JSON at exactly the advertised URL, without redirects, and answer 201 with RFC 7591 JSON (client_id, the echoed metadata, client_secret only for confidential methods).",
	Run: func(a *Attempt) *Finding {
		regs := a.ByRole(RoleRegister)
		if len(regs) == 0 || !stalledAt(a, StageAuthorization) || a.Has(RoleAuthorize) {
			return nil
		}
		if ok := a.FirstOK(RoleRegister); ok != nil {
			if ok.Bytes >= 0 && ok.Bytes < 16 {
				return found(Medium, fmt.Sprintf("%s with a %d-byte body: too small to hold a client_id.", req(ok), ok.Bytes), ok)
			}
			return nil
		}
		var bad []*Ev
		for _, e := range regs {
			if atOriginRoot(e) && !a.AnyOK(RoleASMeta) {
				continue // the fallback Claude synthesises when discovery failed
			}
			switch {
			case e.Redirect(), e.Status == 405, e.Status >= 500, e.Status == 499, e.ClientGone:
				bad = append(bad, e)
			case e.Status == 404 && a.AnyOK(RoleASMeta) && !atOriginRoot(e):
				bad = append(bad, e)
			}
		}
		if len(bad) == 0 {
			return nil
		}
		e := bad[0]
		why := "the registration endpoint cannot take it"
		switch {
		case e.Redirect():
			why = "a redirect: the connector does not re-POST, and the retry as GET fails"
		case e.Status == 405:
			why = "the path does not accept POST (often a sign-up page at /register)"
		case e.Status >= 500:
			why = "the registration handler failed"
		case e.Status == 404:
			why = "the endpoint the metadata advertises does not exist"
		}
		return found(High, fmt.Sprintf("%s: %s.", req(e), why), firstN(bad, 3)...)
	},
}
