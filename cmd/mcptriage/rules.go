package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcptriage/mcptriage/probe"
	"github.com/mcptriage/mcptriage/report"
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
			width := f.IO.TerminalWidth()
			if width == 0 {
				width = report.DefaultWidth
			}
			if len(args) == 0 {
				idWidth := 0
				for _, r := range rules.All {
					idWidth = max(idWidth, len(r.ID))
				}
				for _, r := range rules.All {
					// One line when the title fits the width; else the
					// title goes under the id, indented.
					head := fmt.Sprintf("%-*s %d %-17s ", idWidth, r.ID, r.Stage, r.Side)
					if report.DisplayWidth(head+r.Title) <= width {
						fmt.Fprintln(out, head+r.Title)
						continue
					}
					fmt.Fprintln(out, strings.TrimRight(head, " "))
					fmt.Fprint(out, report.Wrap("    ", r.Title, width))
				}
				if only := probe.Explained(); len(only) > 0 {
					ids := make([]string, len(only))
					for i, m := range only {
						ids[i] = string(m)
					}
					fmt.Fprint(out, "\n"+report.Wrap("", fmt.Sprintf("Named by 'mcptriage probe' only (no log rule): %s.", strings.Join(ids, ", ")), width))
				}
				return nil
			}
			r := rules.ByID(args[0])
			if r == nil {
				return explainCatalogueMode(f, args[0])
			}
			fmt.Fprint(out, report.Wrap("", fmt.Sprintf("%s: %s", r.ID, r.Title), width))
			fmt.Fprintf(out, "\nstage %d (%s) · side: %s\n\n", r.Stage, r.Stage.Title(), r.Side)
			fmt.Fprint(out, report.Wrap("", reflow(r.Doc), width))
			fmt.Fprint(out, "\n"+report.Wrap("Fix: ", r.Fix, width))
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
	width := f.IO.TerminalWidth()
	if width == 0 {
		width = report.DefaultWidth
	}
	stage := rules.Stage(info.Stage)
	fmt.Fprint(out, report.Wrap("", fmt.Sprintf("%s: %s", id, info.Title), width))
	fmt.Fprintf(out, "\nstage %d (%s)", stage, stage.Title())
	known := tracker.ForMode(id)
	if e, ok := probe.Explain(rules.Mode(id)); ok {
		fmt.Fprintf(out, " · side: %s\n\n", e.Side)
		fmt.Fprint(out, report.Wrap("", reflow(e.Doc), width))
		fmt.Fprint(out, "\n"+report.Wrap("Fix: ", e.Fix, width))
		fmt.Fprint(out, "\nNo log rule detects it; 'mcptriage probe' tests for it.\n")
	} else {
		text := "A mode of the tracker's catalogue that mcptriage neither detects in logs nor probes for"
		if len(known) > 0 {
			text += "; the issues below describe it"
		}
		fmt.Fprint(out, "\n\n"+report.Wrap("", text+".", width))
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

// reflow joins the lines of each paragraph of a rule's text (written
// wrapped at about 72 columns in the source) so that it wraps to the
// reader's width; a paragraph with an indented line (a snippet) or a
// list keeps its lines.
func reflow(text string) string {
	paras := strings.Split(text, "\n\n")
	for i, p := range paras {
		lines := strings.Split(p, "\n")
		keep := false
		for _, l := range lines {
			if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "- ") {
				keep = true
			}
		}
		if !keep {
			paras[i] = strings.Join(lines, " ")
		}
	}
	return strings.Join(paras, "\n\n")
}
