package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcptriage/mcptriage/report/tracker"
	"github.com/mcptriage/mcptriage/rules"
)

func newCmdRules(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "rules [MODE]",
		Short: "List the failure modes mcptriage knows, or explain one",
		Example: `  mcptriage rules
  mcptriage rules edge_blocks_claude_user`,
		Args: cobra.MaximumNArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			var ids []string
			for _, r := range rules.All {
				ids = append(ids, string(r.ID))
			}
			return ids, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			out := f.IO.Out
			if len(args) == 0 {
				for _, r := range rules.All {
					fmt.Fprintf(out, "%-36s %d %-17s %s\n", r.ID, r.Stage, r.Side, r.Title)
				}
				return nil
			}
			r := rules.ByID(args[0])
			if r == nil {
				return usageErrorf("no failure mode %q; 'mcptriage rules' lists them", args[0])
			}
			fmt.Fprintf(out, "%s: %s\n\nstage %d (%s) · side: %s\n\n%s\n\nFix: %s\n", r.ID, r.Title, r.Stage, r.Stage.Title(), r.Side, r.Doc, r.Fix)
			if known := tracker.ForMode(string(r.ID)); len(known) > 0 {
				var refs []string
				for _, n := range known {
					refs = append(refs, fmt.Sprintf("#%d", n))
				}
				fmt.Fprintf(out, "\nTracker (anthropics/claude-ai-mcp): %s\n", strings.Join(refs, " "))
			}
			return nil
		},
	}
}
