package rules

import (
	"fmt"
	"strings"

	"github.com/mcptriage/mcptriage/rules/engine"
)

var LegacySSETransport = &Rule{
	ID:      "legacy_sse_transport",
	Title:   "the server speaks the deprecated HTTP+SSE transport",
	Symptom: "an HTTP+SSE endpoint never completes the handshake",
	Stage:   StageProbe,
	Side:    SideServer,
	Doc: `The connector speaks Streamable HTTP: it POSTs JSON-RPC to the URL. A
server that only implements the older HTTP+SSE transport (a GET /sse stream
plus POST /messages) answers that POST with 200, 400 or 401 instead of the
405 that would make a client fall back, or opens the stream and never
completes the handshake. It works in tools that still default to SSE and
fails in the connector.`,
	Fix: "Serve Streamable HTTP on its own path (usually /mcp) and use that URL; if /sse must stay, answer POST on it with 405.",
	Run: func(a *Attempt) *Finding {
		if a.Outcome == OutcomeConnected {
			return nil
		}
		var sse []*Ev
		for _, e := range a.Events {
			if !e.Browser && (strings.HasSuffix(strings.ToLower(strings.TrimSuffix(e.Path, "/")), "/sse") || strings.Contains(strings.ToLower(e.Path), "/messages")) {
				sse = append(sse, e)
			}
		}
		if len(sse) == 0 {
			return nil
		}
		e := sse[0]
		conf := Medium
		if e.Method == "POST" && e.Status != 405 && e.Status != 404 {
			conf = High
		}
		return found(conf, fmt.Sprintf("The connector talked to %s (%s): an HTTP+SSE endpoint, while it speaks Streamable HTTP.", e.Path, engine.Describe(firstN(sse, 3))), firstN(sse, 3)...)
	},
}
