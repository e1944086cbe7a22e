package report

import "github.com/mcptriage/mcptriage/rules"

// The connector tracker's issue forms. Labels, ids and headings are the
// forms' own: the tracker's labeler applies a form's labels to an issue
// filed outside the form only when enough "### <label>" headings match
// exactly, so they are reproduced to the letter and in the forms' order.
const (
	TrackerRepo       = "anthropics/claude-ai-mcp"
	DeveloperTemplate = "auth_connection_developer.yml"
	UserTemplate      = "auth_connection_user.yml"
)

// FormField is one field of an issue form: its id, its heading, and how
// the draft answers it, declared together once.
type FormField struct {
	ID       string
	Label    string // the heading in a submitted issue: "### " + Label
	Shell    bool   // rendered in a code block (the form's "render: shell")
	Dropdown bool   // GitHub does not prefill dropdowns from a URL
	Required bool
	// value answers the field from the analysis and the user's flags;
	// "" leaves it unanswered (_No response_, or picked on the page).
	value func(*draftWriter) string
}

// DeveloperForm is "Auth Connection Issue: Server Developer".
var DeveloperForm = []FormField{
	{ID: "server-url", Label: "MCP server URL", Required: true, value: (*draftWriter).serverURL},
	{ID: "where", Label: "Where does the issue occur?", Dropdown: true, Required: true, value: (*draftWriter).where},
	{ID: "transport", Label: "Transport used", Dropdown: true, Required: true, value: (*draftWriter).transport},
	{ID: "client-registration", Label: "Client registration type", Dropdown: true, Required: true, value: (*draftWriter).registration},
	{ID: "sse-fallback", Label: "SSE only: Does your server return the expected status code for POST requests?", Dropdown: true, Required: true, value: (*draftWriter).sseFallback},
	{ID: "timestamp", Label: "When did you last reproduce this?", Required: true, value: (*draftWriter).timestamp},
	{ID: "browser-os", Label: "Browser and OS", value: (*draftWriter).browserOS},
	{ID: "description", Label: "Describe the issue", Required: true, value: (*draftWriter).description},
	{ID: "error-details", Label: "Issue details", Shell: true, Required: true, value: (*draftWriter).errorDetails},
	{ID: "expected", Label: "Expected behavior", Required: true, value: (*draftWriter).expected},
	{ID: "server-logs", Label: "Logs from your server", Shell: true, value: (*draftWriter).serverLogs},
	{ID: "additional", Label: "Additional context", value: (*draftWriter).additional},
}

// UserForm is "Auth Connection Issue: User Report".
var UserForm = []FormField{
	{ID: "server-url", Label: "MCP server URL or name", Required: true, value: (*draftWriter).serverURL},
	{ID: "connection-method", Label: "How are you connecting?", Dropdown: true, Required: true, value: func(*draftWriter) string { return ConnectionCustomURL }},
	{ID: "where", Label: "Where does the issue occur?", Dropdown: true, Required: true, value: (*draftWriter).where},
	{ID: "timestamp", Label: "When did you last reproduce this?", Required: true, value: (*draftWriter).timestamp},
	{ID: "browser-os", Label: "Browser and OS", value: (*draftWriter).browserOS},
	{ID: "description", Label: "Describe the issue", Required: true, value: (*draftWriter).description},
	{ID: "error-details", Label: "Error details", Shell: true, Required: true, value: (*draftWriter).errorDetails},
	{ID: "expected", Label: "Expected behavior", Required: true, value: (*draftWriter).expected},
	{ID: "additional", Label: "Additional context", value: (*draftWriter).additional},
}

// Dropdown answers, as the forms list them.
const (
	WhereConnect      = "When pressing the Connect button"
	WhereAuthorize    = "In the authorization screen from my server"
	WhereRedirect     = "When auth finishes and redirects back to Claude.ai"
	WhereConversation = "During a conversation (after initial auth)"
	WhereOther        = "Other"

	TransportHTTP = "streamable-http"
	TransportSSE  = "sse (deprecated)"

	RegistrationNone   = "My server does not have auth"
	RegistrationDCR    = "Dynamic Client Registration (DCR)"
	RegistrationStatic = "Static"
	RegistrationOIDC   = "OpenID Connect Discovery (OIDC)"

	ConnectionCustomURL = "Custom connector URL"

	noResponse = "_No response_"
)

// Choices lets the flags name a dropdown answer briefly. The transport
// and registration keys are the values rules reports (rules.Transport,
// rules.Registration), so an attempt's facts name their answer too.
var Choices = map[string]map[string]string{
	"where":     {"connect": WhereConnect, "authorization": WhereAuthorize, "redirect": WhereRedirect, "conversation": WhereConversation, "other": WhereOther},
	"transport": {string(rules.TransportStreamableHTTP): TransportHTTP, string(rules.TransportSSE): TransportSSE, "stdio": "stdio"},
	"registration": {
		string(rules.RegistrationNone): RegistrationNone, string(rules.RegistrationDCR): RegistrationDCR,
		string(rules.RegistrationStatic): RegistrationStatic, string(rules.RegistrationOIDC): RegistrationOIDC,
	},
}

// chosen is the option a user's short key (--where redirect) stands for;
// anything else is taken as the option's text.
func chosen(field, v string) string {
	if full, ok := Choices[field][v]; ok {
		return full
	}
	return mdText(v)
}
