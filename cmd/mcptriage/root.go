package main

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cli/go-gh/v2/pkg/auth"
	"github.com/cli/go-gh/v2/pkg/browser"
	"github.com/spf13/cobra"

	"github.com/mcptriage/mcptriage/probe"
	"github.com/mcptriage/mcptriage/report/tracker"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // a failure was found
	exitUsage   = 2 // usage or input errors
)

// usageError is a mistake in the command line or an input that cannot be
// read: exit 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// findingsError means the report was written and found a failure: exit 1
// with nothing more to print.
var errFindings = errors.New("findings")

// factory holds what commands depend on.
type factory struct {
	IO      *IOStreams
	Version string
	// Browser opens a URL; tests replace it.
	Browser func(url string) error
	// GitHubToken finds a token for a GitHub host, and says from where.
	GitHubToken func(host string) (token, source string)
	// CacheDir is where tracker searches are cached.
	CacheDir func() (string, error)
	// ProbeHooks lets tests point the probe's names, connections and
	// trusted roots at a local server.
	ProbeHooks func(*probe.Options)

	// settings are what the environment and the config file set for the
	// running command, once its flags are parsed.
	settings *runSettings
}

// runSettings are the running command's settings from outside its
// command line.
type runSettings struct {
	origins  map[string]origin
	logs     []string
	logsFrom origin
}

func run(args []string, io *IOStreams) int {
	return runWith(args, &factory{
		IO: io, Version: buildVersion(), Browser: browserOpener(io),
		GitHubToken: githubToken(io.getenv, auth.TokenForHost),
		CacheDir:    tracker.DefaultCacheDir,
	})
}

// runWith runs a command line with the given dependencies and returns
// the exit status.
func runWith(args []string, f *factory) int {
	defer f.IO.scrubOutput()()
	io := f.IO
	root := newRootCmd(f)
	root.SetArgs(args)
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	err := root.Execute()
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errFindings):
		return exitFailure
	case errors.As(err, &ue):
		fmt.Fprintln(io.ErrOut, "mcptriage: "+ue.Error()+f.settingSource(ue.Error()))
		return exitUsage
	default:
		// cobra's own flag and argument errors.
		msg := err.Error()
		fmt.Fprintln(io.ErrOut, "mcptriage: "+msg)
		if strings.Contains(msg, "unknown") || strings.Contains(msg, "flag") || strings.Contains(msg, "arg") {
			fmt.Fprintln(io.ErrOut, "Run 'mcptriage --help' for usage.")
		}
		return exitUsage
	}
}

func newRootCmd(f *factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "mcptriage",
		Short: "Find out why a remote MCP server will not connect to Claude.ai",
		Long: `mcptriage reads your server's logs after a failed Claude.ai custom-connector
attempt, reconstructs each connect attempt, and tells you the last step that
worked, the failure mode with its evidence lines, and the fix.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       f.Version,
	}
	root.SetVersionTemplate("mcptriage {{.Version}}\n")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if !slices.Contains(configCommands, cmd.Name()) {
			return nil
		}
		cfg, err := loadConfig(f.IO.getenv)
		if err != nil {
			return &usageError{err}
		}
		origins, err := applySettings(cmd, cfg, f.IO.getenv)
		if err != nil {
			return &usageError{err}
		}
		logs, from := configuredLogs(cmd.Name(), cfg, f.IO.getenv)
		f.settings = &runSettings{origins: origins, logs: logs, logsFrom: from}
		return nil
	}
	root.AddCommand(newCmdAnalyze(f, nil), newCmdReport(f, nil), newCmdSearch(f, nil), newCmdProbe(f, nil), newCmdRules(f), newCmdConfig(f), newCmdVersion(f))
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	return root
}

// browserOpener opens a URL as gh does: $GH_BROWSER, gh's configured
// browser, $BROWSER, else the system's opener.
func browserOpener(io *IOStreams) func(url string) error {
	return func(url string) error {
		return browser.New("", io.ErrOut, io.ErrOut).Browse(url)
	}
}

// settingSource says where the flag a usage error names was set, when
// that was not the command line: "(set by MCPTRIAGE_TZ)".
func (f *factory) settingSource(msg string) string {
	if f.settings == nil {
		return ""
	}
	m := flagInMessage.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	if o, ok := f.settings.origins[m[1]]; ok && (o.Kind == "env" || o.Kind == "config") {
		return " (set in " + o.Where + ")"
	}
	return ""
}

var flagInMessage = regexp.MustCompile(`^--([a-z][a-z-]*)\b`)
