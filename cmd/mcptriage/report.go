package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcptriage/mcptriage/report"
)

type reportOptions struct {
	IO      *IOStreams
	Browser func(url string) error
	f       *factory
	logOptions
	searchFlags
	Search bool

	OFIDs        []string
	ServerURL    string
	Where        string
	Transport    string
	Registration string
	BrowserOS    string
	WorksIn      []string
	User         bool
	Comment      int
	URL          bool
	Open         bool
	outputFlags
	Format      string // the hidden --format md|json of before 0.2
	RedactHosts bool
	KeepAddrs   bool
}

func newCmdReport(f *factory, runF func(*reportOptions) error) *cobra.Command {
	opts := &reportOptions{IO: f.IO, Browser: f.Browser, f: f}
	cmd := &cobra.Command{
		Use:   "report [FILE...]",
		Short: "Draft a bug report for the connector tracker from your logs",
		Long: `Analyze the logs like "analyze", then write an issue for
anthropics/claude-ai-mcp: the "Auth Connection Issue: Server Developer" form
field by field (or the User Report form with --user, or a short comment for
an existing issue with --comment N), with every ofid and its UTC time, how
far the flow got, what the logs rule out, and the attempt's log lines,
redacted. Maintainers trace an ofid against their own logs: give each one,
with the time you saw it (--ofid ofid_0123456789abcdef@2026-11-20T09:01:05Z).

When the evidence points at your own server or infrastructure, the draft is
still written (for a second opinion), and mcptriage says so on stderr.`,
		Example: `  # the draft, for the most recent failed attempt
  mcptriage report --ofid ofid_3b5554ba7fdde381@"2026-11-20 10:01:05 +01:00" access.log

  # two ofids, the form fields the logs cannot know, to a file
  mcptriage report --ofid ofid_3b5554ba7fdde381@2026-11-20T09:01:05Z --ofid ofid_678ca2cfcaa90b67 \
      --browser "Chrome 142, macOS 15" --works-in claude-code,mcp-remote -o issue.md cf.ndjson access.log

  # a link that opens the tracker's form already filled in
  mcptriage report --url --ofid ofid_3b5554ba7fdde381 access.log

  # file it with gh (issue forms are invisible to gh; the body carries the form's headings)
  mcptriage report --json --ofid ofid_3b5554ba7fdde381 access.log > d.json
  gh issue create -R anthropics/claude-ai-mcp --title "$(jq -r .title d.json)" --body "$(jq -r .body d.json)"

  # add your ofid to an existing issue instead
  mcptriage report --comment 125 --ofid ofid_3b5554ba7fdde381 access.log`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			switch opts.Format {
			case "", "md":
			case "json":
				opts.JSON = true
			default:
				return usageErrorf("--format must be md or json, not %q (--json prints the draft as JSON)", opts.Format)
			}
			if err := opts.outputFlags.validate(); err != nil {
				return err
			}
			for flag, value := range map[string]string{"where": opts.Where, "transport": opts.Transport, "registration": opts.Registration} {
				if value == "" {
					continue
				}
				if _, ok := report.Choices[flag][value]; !ok {
					return usageErrorf("--%s %q: choose one of %s", flag, value, strings.Join(choiceNames(flag), ", "))
				}
			}
			if opts.Comment < 0 {
				return usageErrorf("--comment takes an issue number")
			}
			if opts.Open {
				opts.URL = true
			}
			if runF != nil {
				return runF(opts)
			}
			return runReport(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.OFIDs, "ofid", nil, "an ofid from Claude's error, optionally @TIME with a zone (repeatable): ofid_0123456789abcdef@2026-11-20T09:01:05Z")
	fl.StringVar(&opts.ServerURL, "server-url", "", "the MCP server URL for the form (default: --server, or the host and path in the logs)")
	fl.StringVar(&opts.Where, "where", "", "where the issue occurs, if not what the logs say: "+strings.Join(choiceNames("where"), ", "))
	fl.StringVar(&opts.Transport, "transport", "", "the transport, if not what the logs say: "+strings.Join(choiceNames("transport"), ", "))
	fl.StringVar(&opts.Registration, "registration", "", "the client registration type, if not what the logs say: "+strings.Join(choiceNames("registration"), ", "))
	fl.StringVar(&opts.BrowserOS, "browser", "", "your browser and OS, for the form")
	fl.StringSliceVar(&opts.WorksIn, "works-in", nil, "other clients that connect to the same server: claude-code, mcp-remote, inspector…")
	fl.BoolVar(&opts.User, "user", false, "write the User Report form instead of the Server Developer one")
	fl.IntVar(&opts.Comment, "comment", 0, "write a short comment for existing issue N instead of a new issue")
	fl.BoolVar(&opts.URL, "url", false, "print a link to the tracker's form, filled in (text fields only; GitHub does not fill dropdowns)")
	fl.BoolVar(&opts.Open, "open", false, "open that link in the browser")
	fl.StringVar(&opts.Format, "format", "", "")
	_ = fl.MarkDeprecated("format", "use --json for JSON; Markdown is the default")
	fl.BoolVar(&opts.RedactHosts, "redact-hosts", false, "also replace your host names and every non-Anthropic address (host-1.example, address-1)")
	fl.BoolVar(&opts.KeepAddrs, "keep-addresses", false, "publish people's addresses and e-mail addresses, which the draft otherwise replaces (address-1, email-1)")
	fl.BoolVar(&opts.Search, "search", false, "search the tracker for issues that already describe this failure, and name them in the draft")
	addSearchFlags(cmd, &opts.searchFlags, false)
	addLogFlags(cmd, &opts.logOptions)
	addOutputFlags(cmd, &opts.outputFlags, "the draft", false)
	for _, flag := range []string{"where", "transport", "registration"} {
		_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(choiceNames(flag), cobra.ShellCompDirectiveNoFileComp))
	}
	return cmd
}

func choiceNames(flag string) []string {
	var out []string
	for k := range report.Choices[flag] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// parseOFIDFlags reads the --ofid values.
func parseOFIDFlags(values []string) ([]report.OFID, error) {
	var ofids []report.OFID
	for _, s := range values {
		o, err := report.ParseOFID(s)
		if err != nil {
			return nil, usageErrorf("--ofid: %v", err)
		}
		ofids = append(ofids, o)
	}
	return ofids, nil
}

func runReport(opts *reportOptions) error {
	ofids, err := parseOFIDFlags(opts.OFIDs)
	if err != nil {
		return err
	}
	res, err := readLogs(opts.f, &opts.logOptions, &opts.outputFlags)
	if err != nil {
		return err
	}
	rep := res.Report
	if err := checkOFIDsInSpan(rep, ofids); err != nil {
		return err
	}
	errOut := opts.IO.ErrOut
	if opts.Quiet {
		errOut = io.Discard
	}
	dopts := report.DraftOptions{
		User: opts.User, OFIDs: ofids, ServerURL: opts.ServerURL, Where: opts.Where,
		Transport: opts.Transport, Registration: opts.Registration, Browser: opts.BrowserOS,
		WorksIn: opts.WorksIn, ClaudeError: opts.ClaudeError, RedactHosts: opts.RedactHosts, KeepAddresses: opts.KeepAddrs,
	}
	if opts.Search && opts.Comment == 0 {
		q := report.SearchQuery(rep, ofids, opts.ClaudeError)
		if opts.RedactHosts {
			// Whoever must not publish the host must not send it to GitHub.
			q.Host = ""
		}
		res := searchTracker(opts.f, opts.searchFlags, q, opts.Quiet)
		dopts.Related = &res
	}
	if opts.Comment > 0 {
		return writeComment(opts, rep, dopts)
	}
	d, err := report.BuildDraft(rep, dopts)
	if err != nil {
		return err
	}
	for _, a := range d.Advice {
		fmt.Fprintln(errOut, "mcptriage: "+a)
	}
	// JSON always carries the link, for scripts that open it themselves.
	if opts.URL || opts.JSON {
		d.URL, d.URLShortened = d.PrefillURL(report.URLLimit)
	}
	if opts.URL {
		if d.URLShortened {
			fmt.Fprintln(errOut, "mcptriage: the draft is too long for a link; the link carries a shortened version: paste the full draft's logs into the form (write it with -o draft.md)")
		}
		var picks []string
		for _, f := range d.Fields {
			if f.Pick {
				picks = append(picks, fmt.Sprintf("%q: %s", f.Label, f.Value))
			}
		}
		if len(picks) > 0 {
			fmt.Fprintln(errOut, "mcptriage: GitHub does not fill dropdowns from a link; choose them on the page:\n  "+strings.Join(picks, "\n  "))
		}
	}
	if opts.Output != "" || !opts.Quiet {
		out, err := openSink(opts.IO, opts.Output)
		if err != nil {
			return err
		}
		defer out.discard()
		switch {
		case opts.JSON:
			err = report.WriteJSON(out, d)
		case opts.URL && opts.Output == "":
			_, err = fmt.Fprintln(out, d.URL)
		default:
			_, err = io.WriteString(out, d.Markdown())
		}
		if err != nil {
			return err
		}
		if err := out.commit(opts.IO, opts.Quiet); err != nil {
			return err
		}
	}
	switch {
	case opts.Quiet:
		fmt.Fprintf(opts.IO.Out, "mcptriage: drafted %q\n", d.Title)
	case opts.Output != "" && opts.URL && !opts.JSON:
		fmt.Fprintln(opts.IO.Out, d.URL)
	}
	if opts.Open {
		if opts.Browser == nil || opts.Browser(d.URL) != nil {
			fmt.Fprintln(opts.IO.ErrOut, "mcptriage: could not open a browser; open the link above yourself")
		}
	}
	return nil
}

func writeComment(opts *reportOptions, rep *report.Report, dopts report.DraftOptions) error {
	text := report.Comment(rep, dopts)
	issueURL := report.IssueURL(opts.Comment)
	if opts.Output != "" || !opts.Quiet {
		out, err := openSink(opts.IO, opts.Output)
		if err != nil {
			return err
		}
		defer out.discard()
		if opts.JSON {
			err = report.WriteJSON(out, report.NewCommentJSON(opts.Comment, text))
		} else {
			_, err = io.WriteString(out, text)
		}
		if err != nil {
			return err
		}
		if err := out.commit(opts.IO, opts.Quiet); err != nil {
			return err
		}
	}
	switch {
	case opts.Quiet:
		fmt.Fprintf(opts.IO.Out, "mcptriage: drafted a comment for %s\n", issueURL)
	case !opts.JSON:
		fmt.Fprintf(opts.IO.ErrOut, "mcptriage: post it on %s, or: gh issue comment %d -R %s --body-file <file>\n", issueURL, opts.Comment, report.TrackerRepo)
	}
	return nil
}

// ofidSlack is how far past the logs' ends an ofid's time may fall and
// still be read against them: the connector's flow outlasts its last
// logged request by minutes at most.
const ofidSlack = 5 * time.Minute

// checkOFIDsInSpan refuses an ofid whose time lies outside every input's
// span: the logs cannot say anything about it, and "nothing reached the
// server" would be a claim without evidence.
func checkOFIDsInSpan(rep *report.Report, ofids []report.OFID) error {
	var first, last time.Time
	for _, in := range rep.Inputs {
		f, ferr := time.Parse(time.RFC3339Nano, in.FirstTime)
		l, lerr := time.Parse(time.RFC3339Nano, in.LastTime)
		if ferr != nil || lerr != nil {
			continue
		}
		if first.IsZero() || f.Before(first) {
			first = f
		}
		if l.After(last) {
			last = l
		}
	}
	if first.IsZero() {
		return nil // no times at all: nothing to compare with
	}
	const layout = "2006-01-02 15:04:05Z"
	for _, o := range ofids {
		switch {
		case o.Time.IsZero():
		case o.Time.After(last.Add(ofidSlack)):
			return usageErrorf("--ofid %s@%s: your logs end at %s, before that time; a one-hour zone slip is the usual cause (check the zone of the time you gave), or the log that covers it is not among the inputs",
				o.ID, o.Time.UTC().Format(layout), last.UTC().Format(layout))
		case o.Time.Before(first.Add(-ofidSlack)):
			return usageErrorf("--ofid %s@%s: your logs start at %s, after that time; a one-hour zone slip is the usual cause (check the zone of the time you gave), or the log that covers it is not among the inputs",
				o.ID, o.Time.UTC().Format(layout), first.UTC().Format(layout))
		}
	}
	return nil
}
