package main

import (
	"os"
	"regexp"
	"slices"
	"sort"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Every flag the README names is a flag of some command, and every
// visible flag of the commands that read logs is in the README: the
// README, --help and the man pages say the same names.
func TestREADMEFlagNames(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	io, _, _, _ := testIO()
	root := newRootCmd(&factory{IO: io})
	known := map[string]bool{"help": true, "version": true}
	visible := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(fl *pflag.Flag) {
			known[fl.Name] = true
			if !fl.Hidden && fl.Deprecated == "" && slices.Contains(configCommands, c.Name()) {
				visible[fl.Name] = true
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	// Other programs' flags the README shows in their own commands.
	external := map[string]bool{"title": true, "body": true, "body-file": true, "size": true, "runs": true, "no-goaccess": true} // gh, bench/run.sh
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("(?:^|[\\s`(|])--([a-z][a-z0-9-]*)").FindAllSubmatch(readme, -1) {
		named[string(m[1])] = true
	}
	var unknown, missing []string
	for n := range named {
		if !known[n] && !external[n] {
			unknown = append(unknown, n)
		}
	}
	for n := range visible {
		if !named[n] {
			missing = append(missing, n)
		}
	}
	sort.Strings(unknown)
	sort.Strings(missing)
	if len(unknown) > 0 {
		t.Errorf("README.md names flags no command has: %v", unknown)
	}
	if len(missing) > 0 {
		t.Errorf("README.md never names these flags: %v", missing)
	}
}
