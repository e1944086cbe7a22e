package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/cli/go-gh/v2/pkg/auth"
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
}

func run(args []string, io *IOStreams) int {
	return runWith(args, &factory{
		IO: io, Version: buildVersion(), Browser: browserOpener(io.getenv("BROWSER")),
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
		fmt.Fprintln(io.ErrOut, "mcptriage: "+ue.Error())
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
	root.AddCommand(newCmdAnalyze(f, nil), newCmdReport(f, nil), newCmdSearch(f, nil), newCmdProbe(f, nil), newCmdRules(f), newCmdVersion(f))
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	return root
}

// browserOpener opens a URL with $BROWSER when set (as gh does), else
// with the system's opener, when there is one.
func browserOpener(browser string) func(url string) error {
	return func(url string) error {
		if browser != "" {
			cmd := exec.Command(browser, url)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			return cmd.Run()
		}
		return openSystemBrowser(url)
	}
}

func openSystemBrowser(url string) error {
	var name string
	var args []string
	switch runtime.GOOS {
	case "darwin":
		name, args = "open", []string{url}
	case "windows":
		// Not "cmd /c start": cmd.exe reads & specially and caps the line.
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler", url}
	default:
		name, args = "xdg-open", []string{url}
	}
	if _, err := exec.LookPath(name); err != nil {
		return err
	}
	return exec.Command(name, args...).Start()
}
