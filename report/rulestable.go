package report

import (
	"fmt"
	"strings"

	"github.com/mcptriage/mcptriage/rules"
)

// RulesTable is the README's table of failure modes, generated from the
// rule list so that a new rule needs no hand-written row: its id, the
// stage where it stops the flow, who acts, and its title.
func RulesTable(list []*rules.Rule) string {
	var b strings.Builder
	b.WriteString("| mode | stage | side | what it means |\n|---|---|---|---|\n")
	for _, r := range list {
		fmt.Fprintf(&b, "| `%s` | %d | %s | %s |\n", r.ID, r.Stage, r.Side, strings.ReplaceAll(r.Title, "|", `\|`))
	}
	return b.String()
}
