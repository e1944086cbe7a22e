package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcptriage/mcptriage/probe"
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
			for _, m := range rules.Catalogue {
				ids = append(ids, string(m))
			}
			return ids, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			out := f.IO.Out
			if len(args) == 0 {
				for _, r := range rules.All {
					fmt.Fprintf(out, "%-36s %d %-17s %s\n", r.ID, r.Stage, r.Side, r.Title)
				}
				if only := probe.Explained(); len(only) > 0 {
					ids := make([]string, len(only))
					for i, m := range only {
						ids[i] = string(m)
					}
					fmt.Fprintf(out, "\nNamed by 'mcptriage probe' only (no log rule): %s.\n", strings.Join(ids, ", "))
				}
				return nil
			}
			r := rules.ByID(args[0])
			if r == nil {
				return explainCatalogueMode(f, args[0])
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

// explainCatalogueMode explains a mode of the catalogue that no log rule
// detects: its title and stage from the tracker index, and, for the modes
// the probe predicts, the probe's account of it.
func explainCatalogueMode(f *factory, id string) error {
	out := f.IO.Out
	info, ok := tracker.Mode(id)
	if !rules.KnownMode(id) || !ok {
		return usageErrorf("no failure mode %q; 'mcptriage rules' lists them", id)
	}
	stage := rules.Stage(info.Stage)
	fmt.Fprintf(out, "%s: %s\n\nstage %d (%s)", id, info.Title, stage, stage.Title())
	known := tracker.ForMode(id)
	if e, ok := probe.Explain(rules.Mode(id)); ok {
		fmt.Fprintf(out, " · side: %s\n\n%s\n\nFix: %s\n\nNo log rule detects it; 'mcptriage probe' tests for it.\n", e.Side, e.Doc, e.Fix)
	} else {
		fmt.Fprintf(out, "\n\nA mode of the tracker's catalogue that mcptriage neither detects in logs nor\nprobes for")
		if len(known) > 0 {
			fmt.Fprint(out, "; the issues below describe it")
		}
		fmt.Fprint(out, ".\n")
	}
	if len(known) > 0 {
		var refs []string
		for _, n := range known {
			refs = append(refs, fmt.Sprintf("#%d", n))
		}
		fmt.Fprintf(out, "\nTracker (anthropics/claude-ai-mcp): %s\n", strings.Join(refs, " "))
	}
	return nil
}
