package pipeline

import (
	"strings"

	"github.com/mcptriage/mcptriage/report/tracker"
)

// claudeMessageStems are the starts (or telling parts) of the messages
// Claude.ai shows when a custom connector fails, lower-case with plain
// apostrophes. An --error that holds none of them is most likely not
// Claude's message, and the rules that read --error will not see it.
var claudeMessageStems = []string{
	"couldn't register",
	"couldn't reach",
	"unable to reach",
	"couldn't connect",
	"authorization with",
	"your account was authorized",
	"automatic client registration isn't supported",
	"connection issue",
	"failed to start mcp authorization",
	"authentication failed",
	"checking connection",
	"no tools available",
	"a server with this url already exists",
	"url must start with",
	"method not allowed",
	"aadsts",
	"ofid_",
}

// KnownClaudeMessage says whether text holds a message Claude is known to
// show: one of the stems above, or one the tracker index ties to a
// failure mode.
func KnownClaudeMessage(text string) bool {
	norm := strings.Join(strings.Fields(strings.ToLower(strings.NewReplacer("’", "'", "‘", "'").Replace(text))), " ")
	for _, stem := range claudeMessageStems {
		if strings.Contains(norm, stem) {
			return true
		}
	}
	for _, id := range tracker.ModeIDs() {
		if m, ok := tracker.Mode(id); ok && m.Error != "" && strings.Contains(norm, strings.ToLower(m.Error)) {
			return true
		}
	}
	return false
}
