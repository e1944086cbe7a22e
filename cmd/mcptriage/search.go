package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcptriage/mcptriage/report"
	"github.com/mcptriage/mcptriage/report/tracker"
)

// searchFlags are the tracker-search flags that search and report share.
type searchFlags struct {
	Offline bool
	Refresh bool
	Repo    string
}

// addSearchFlags adds the search flags; report drafts for one tracker,
// so only search takes --repo.
func addSearchFlags(cmd *cobra.Command, s *searchFlags, withRepo bool) {
	fl := cmd.Flags()
	fl.BoolVar(&s.Offline, "offline", false, "use only the built-in index of known issues; no network")
	fl.BoolVar(&s.Refresh, "refresh", false, "ask GitHub again instead of using answers cached in the last hour")
	s.Repo = tracker.DefaultRepo
	if withRepo {
		fl.StringVar(&s.Repo, "repo", tracker.DefaultRepo, "the tracker to search, as OWNER/NAME")
	}
}

var repoPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

func (s *searchFlags) validate() error {
	if !repoPattern.MatchString(s.Repo) {
		return usageErrorf("--repo %q: give the tracker as OWNER/NAME, e.g. %s", s.Repo, tracker.DefaultRepo)
	}
	return nil
}

type searchOptions struct {
	IO *IOStreams
	f  *factory
	logOptions
	searchFlags

	Modes []string
	Query string
	OFIDs []string
	Limit int
	outputFlags
}

func newCmdSearch(f *factory, runF func(*searchOptions) error) *cobra.Command {
	opts := &searchOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "search [FILE...]",
		Short: "Find the tracker issues that already describe this failure",
		Long: `Find the issues of anthropics/claude-ai-mcp that already describe a failure,
so you can add your ofid to one instead of filing a duplicate.

Given logs, search analyzes them like "analyze" and searches for the most
recent failed attempt's diagnosis. --mode, --query and --ofid search without
logs. Results from GitHub's search are merged with the index of known issues
built into mcptriage, and ranked by how well they fit: the same failure mode,
your ofid or host, the same stage; open issues and the maintainers' reference
threads first.

Authentication: GITHUB_TOKEN or GH_TOKEN, else the token gh stores (gh auth
login), else none (10 searches a minute instead of 30). The token is never
printed. Answers are cached for an hour in the user cache directory
($XDG_CACHE_HOME/mcptriage); --refresh asks again. When GitHub cannot be
reached or refuses, search says why and shows the built-in index; --offline
never uses the network.`,
		Example: `  # the tracker issues for the failure in your logs
  mcptriage search access.log

  # without logs: a failure mode, your own words, your ofid
  mcptriage search --offline --mode edge_blocks_claude_user
  mcptriage search --query "trailing slash stripped" --ofid ofid_3b5554ba7fdde381

  # for scripts
  mcptriage search --json --mode token_never_presented | jq '.matches[0].url'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			if opts.Demo && len(args) > 0 {
				return usageErrorf("--demo reads the bundled sample; give either --demo or files, not both")
			}
			if err := opts.outputFlags.validate(); err != nil {
				return err
			}
			if opts.Limit < 0 {
				return usageErrorf("--limit must be 0 (all) or more, not %d", opts.Limit)
			}
			if err := opts.searchFlags.validate(); err != nil {
				return err
			}
			for _, m := range opts.Modes {
				if err := checkMode(m); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return runSearch(opts)
		},
	}
	addLogFlags(cmd, &opts.logOptions)
	addSearchFlags(cmd, &opts.searchFlags, true)
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Modes, "mode", nil, "search for this failure mode instead of the logs' (repeatable; the first is the diagnosis)")
	fl.StringVar(&opts.Query, "query", "", "your own words, searched in titles and bodies")
	fl.StringArrayVar(&opts.OFIDs, "ofid", nil, "an ofid from Claude's error, searched for verbatim (repeatable)")
	fl.IntVar(&opts.Limit, "limit", 10, "show at most this many issues (0: all)")
	addOutputFlags(cmd, &opts.outputFlags, "the result", true)
	_ = cmd.RegisterFlagCompletionFunc("mode", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return tracker.ModeIDs(), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// checkMode refuses an id no index or rule knows, with the nearest ones.
func checkMode(id string) error {
	if _, ok := tracker.Mode(id); ok {
		return nil
	}
	// A known id that starts with what was typed is the likeliest; else
	// the ones sharing a word of it.
	var near []string
	for _, known := range tracker.ModeIDs() {
		if len(id) >= 3 && strings.HasPrefix(known, id) {
			near = append(near, known)
		}
	}
	if len(near) == 0 {
		for _, known := range tracker.ModeIDs() {
			for _, part := range strings.Split(id, "_") {
				if len(part) >= 4 && strings.Contains(known, part) {
					near = append(near, known)
					break
				}
			}
		}
	}
	msg := fmt.Sprintf("--mode %q is not a failure mode id", id)
	if len(near) > 0 {
		if len(near) > 5 {
			near = near[:5]
		}
		msg += "; did you mean " + strings.Join(near, ", ") + "?"
	}
	return usageErrorf("%s ('mcptriage rules' lists the modes mcptriage detects)", msg)
}

func runSearch(opts *searchOptions) error {
	ofids, err := parseOFIDFlags(opts.OFIDs)
	if err != nil {
		return err
	}
	q := tracker.Query{Repo: opts.Repo, Text: opts.Query, Error: opts.ClaudeError}
	for _, o := range ofids {
		q.OFIDs = append(q.OFIDs, o.ID)
	}
	fromLogs := len(opts.Files) > 0 || opts.Demo || (len(opts.Modes) == 0 && opts.Query == "" && len(ofids) == 0)
	if fromLogs {
		res, err := readLogs(opts.f, &opts.logOptions, &opts.outputFlags)
		if err != nil {
			return err
		}
		q = report.SearchQuery(res.Report, ofids, opts.ClaudeError)
		q.Repo, q.Text = opts.Repo, opts.Query
		if len(q.Modes) == 0 && q.Text == "" && len(q.OFIDs) == 0 {
			msg := "every attempt in these logs connected, so there is no failure to search for; --mode or --query searches anyway"
			if opts.Quiet {
				fmt.Fprintln(opts.IO.Out, "mcptriage: "+msg)
			} else {
				fmt.Fprintln(opts.IO.ErrOut, "mcptriage: "+msg)
			}
			return nil
		}
	}
	if len(opts.Modes) > 0 {
		q.Modes = opts.Modes
		q.Stage = modeStage(opts.Modes[0])
	}
	res := searchTracker(opts.f, opts.searchFlags, q, opts.Quiet)
	err = emit(opts.IO, &opts.outputFlags,
		func(w io.Writer) error { return report.WriteSearchJSON(w, res) },
		func(w io.Writer, st report.Style) error {
			view := report.SearchView{Style: st, Limit: opts.Limit, Now: time.Now(),
				CommentCommand: "mcptriage report --comment {n} " + ofidFlags(opts.OFIDs) + logArgs(opts)}
			return report.WriteSearch(w, res, view)
		})
	if err != nil {
		return err
	}
	if opts.Quiet {
		fmt.Fprintln(opts.IO.Out, searchVerdict(res))
	}
	return nil
}

// searchVerdict is the one line search --quiet prints.
func searchVerdict(res tracker.Result) string {
	if m, ok := res.Strongest(); ok {
		return fmt.Sprintf("mcptriage: #%d already tracks this failure: %s", m.Number, m.URL)
	}
	return fmt.Sprintf("mcptriage: no open issue clearly tracks this failure (%d related)", len(res.Matches))
}

func modeStage(id string) int {
	if m, ok := tracker.Mode(id); ok {
		return m.Stage
	}
	return 0
}

func ofidFlags(ofids []string) string {
	if len(ofids) == 0 {
		return "--ofid ofid_…"
	}
	var parts []string
	for _, o := range ofids {
		parts = append(parts, "--ofid "+shellQuote(o))
	}
	return strings.Join(parts, " ")
}

func logArgs(opts *searchOptions) string {
	switch {
	case opts.Demo:
		return " --demo"
	case len(opts.Files) > 0:
		var q []string
		for _, f := range opts.Files {
			q = append(q, shellQuote(f))
		}
		return " " + strings.Join(q, " ")
	}
	return " FILE"
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '_' || r == '-' || r == '@' || r == ':' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// searchTracker runs a search, online unless told otherwise, and tells
// the user on stderr what they should know about how it went.
func searchTracker(f *factory, sf searchFlags, q tracker.Query, quiet bool) tracker.Result {
	errOut := f.IO.ErrOut
	if quiet {
		errOut = io.Discard
	}
	if q.Repo == "" {
		q.Repo = sf.Repo
	}
	if sf.Offline {
		if !strings.EqualFold(q.Repo, tracker.DefaultRepo) {
			fmt.Fprintf(errOut, "mcptriage: the built-in index only knows %s; search %s online (without --offline)\n", tracker.DefaultRepo, q.Repo)
		}
		return tracker.Search(context.Background(), q, nil)
	}
	api := f.IO.getenv("GITHUB_API_URL")
	token, source := f.GitHubToken(apiHost(api))
	o, err := tracker.NewOnline(api, token)
	if err != nil {
		fmt.Fprintf(errOut, "mcptriage: GITHUB_API_URL: %v; showing the built-in index\n", err)
		return tracker.Search(context.Background(), q, nil)
	}
	if token == "" {
		fmt.Fprintln(errOut, "mcptriage: searching GitHub without a token: 10 searches a minute. Set GITHUB_TOKEN, or log in with gh auth login, for 30.")
	} else if source != "" {
		fmt.Fprintf(errOut, "mcptriage: searching GitHub with the token from %s\n", source)
	}
	o.Refresh = sf.Refresh
	if dir, err := f.CacheDir(); err == nil {
		o.Cache = &tracker.Cache{Dir: dir, TTL: tracker.DefaultCacheTTL}
	} else {
		fmt.Fprintf(errOut, "mcptriage: no cache directory (%v); every run asks GitHub again\n", err)
	}
	o.Progress = func(msg string) { fmt.Fprintln(errOut, "mcptriage: "+msg) }
	res := tracker.Search(context.Background(), q, o)
	for _, n := range res.Notes {
		fmt.Fprintln(errOut, "mcptriage: "+n)
	}
	return res
}

// apiHost is the GitHub host whose token gh would use for an API URL.
func apiHost(api string) string {
	u, err := url.Parse(api)
	if api == "" || err != nil || u.Host == "" || u.Host == "api.github.com" {
		return "github.com"
	}
	return u.Hostname()
}

// githubToken finds a token without ever showing it: the environment
// first (GH_TOKEN, then GITHUB_TOKEN, in gh's order), then what gh
// stores for the host. The source says where it came from.
func githubToken(getenv func(string) string, fromGh func(host string) (string, string)) func(host string) (token, source string) {
	return func(host string) (string, string) {
		// Also for another API (GITHUB_API_URL): whoever points mcptriage
		// at one sets the token that goes with it.
		for _, name := range []string{"GH_TOKEN", "GITHUB_TOKEN"} {
			if t := strings.TrimSpace(getenv(name)); t != "" {
				return t, name
			}
		}
		t, src := fromGh(host)
		if t == "" {
			return "", ""
		}
		switch src {
		case "oauth_token":
			src = "gh's configuration"
		case "gh":
			src = "gh auth token"
		}
		return t, src
	}
}
