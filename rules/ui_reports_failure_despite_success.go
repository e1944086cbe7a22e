package rules

import "fmt"

var UIReportsFailureDespiteSuccess = &Rule{
	ID:      "ui_reports_failure_despite_success",
	Title:   "the flow completed but Claude may still report a failure",
	Symptom: "the server completes the flow but Claude reports a failure",
	Stage:   StageMCP,
	Side:    SideConnector,
	Doc: `Every step succeeded on the server: the token was issued and the
authenticated MCP requests were answered. If Claude still shows
"Authorization … failed", "no tools available" or only part of the tools,
the server logs cannot explain it: the connector's own state is at fault
(or the tool list itself: very large schemas, unusual annotations).`,
	Fix: "If Claude reports an error for this attempt, check the size and annotations of your tool list, then file an issue with the ofid: your logs show a working flow.",
	Run: func(a *Attempt) *Finding {
		if a.Outcome != OutcomeConnected {
			return nil
		}
		ok := a.FirstOK(RoleMCP)
		return found(Low, fmt.Sprintf("The flow completed on the server side: the authenticated MCP request was answered%s (%s). If Claude still reports a failure for this attempt, the cause is not in these logs.", at(ok.Time), req(ok)), ok)
	},
}
