package main

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // --tz works on systems without a zone database

	"github.com/spf13/cobra"

	"github.com/mcptriage/mcptriage/parse"
	"github.com/mcptriage/mcptriage/report"
	"github.com/mcptriage/mcptriage/rules"
)

//go:embed demo.log
var demoLog []byte

const demoName = "demo.log"

// logOptions are the flags of every command that reads logs.
type logOptions struct {
	Files          []string
	Server         string
	ClaudeError    string
	Egress         []string
	NginxLogFormat string
	Format         string
	Demo           bool
	MaxLineBytes   int
	TZ             string
	CFFields       string
	JSONFields     []string
	FullParse      bool
	// Quiet: no progress bar (the output is JSON for a script).
	Quiet bool
}

type analyzeOptions struct {
	IO *IOStreams
	logOptions
	JSON  bool
	Color string
}

func newCmdAnalyze(f *factory, runF func(*analyzeOptions) error) *cobra.Command {
	opts := &analyzeOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "analyze [FILE...]",
		Short: "Reconstruct connector attempts from logs and explain each failure",
		Long: `Read access logs (plain or gzipped; "-" or no file reads standard input),
find the requests Claude's connector made, group them into connect attempts,
and say for each how far it got, why it stopped, and what to do.

Formats are detected per file, and per line where a file mixes them:
nginx (combined, the Docker image's "main", timing and key=value fields,
the Common Log Format, the error log, and any log_format you give with
--nginx-log-format), Cloudflare (Logpush http_requests and firewall_events
as NDJSON or CSV, the dashboard's Security Events export), JSON app and
proxy logs (slog, zap, zerolog, logrus, pino, winston, bunyan, structlog,
python-json-logger, Caddy, Traefik, Cloud Logging, Vercel, inside Docker,
CRI or journald envelopes), uvicorn/gunicorn, Express/morgan, Next.js,
Envoy, AWS ALB, tower-http, and any line with a method, a path and a status.
Give the edge's, the origin's and the application's logs together: the
same request seen by several is one event, and the edge's log decides what
the origin's alone cannot.

Exit status: 0 when every attempt connected, 1 when a failure was found
(including no connector traffic at all), 2 on usage or input errors.`,
		Example: `  # the newest log, as nginx writes it
  mcptriage analyze /var/log/nginx/access.log

  # rotated and gzipped logs, with the URL exactly as typed into Claude
  mcptriage analyze --server https://mcp.example.com/mcp /var/log/nginx/access.log*

  # Cloudflare's log next to the origin's and the app's, merged on one timeline
  mcptriage analyze cf-http.ndjson /var/log/nginx/access.log app.jsonl

  # uvicorn writes local times without a zone
  mcptriage analyze --tz Europe/Madrid uvicorn.log

  # a custom nginx format, copied from nginx.conf
  mcptriage analyze --nginx-log-format '$remote_addr [$time_iso8601] "$request" $status $request_time "$http_user_agent"' access.log

  # from a container, for a script
  docker logs proxy 2>&1 | mcptriage analyze --json -

  # see it work on a bundled sample
  mcptriage analyze --demo`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			if opts.Demo && len(args) > 0 {
				return usageErrorf("--demo reads the bundled sample; give either --demo or files, not both")
			}
			switch opts.Color {
			case "auto", "always", "never":
			default:
				return usageErrorf("--color must be auto, always or never, not %q", opts.Color)
			}
			if runF != nil {
				return runF(opts)
			}
			return runAnalyze(opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.JSON, "json", false, "print the machine-readable report (contract version 1)")
	addLogFlags(cmd, &opts.logOptions, "format")
	fl.StringVar(&opts.Color, "color", "auto", "colour the terminal view: auto, always or never")
	_ = cmd.RegisterFlagCompletionFunc("color", cobra.FixedCompletions([]string{"auto", "always", "never"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// addLogFlags adds the log-reading flags; formatFlag names the flag that
// forces a log format ("format" for analyze, "log-format" where --format
// chooses the output).
func addLogFlags(cmd *cobra.Command, o *logOptions, formatFlag string) {
	fl := cmd.Flags()
	fl.StringVar(&o.Server, "server", "", "the connector URL exactly as typed into Claude; checked on its own and used to focus the analysis")
	fl.StringVar(&o.ClaudeError, "error", "", "the error message Claude showed, pasted as is; some messages decide between look-alike causes")
	fl.StringArrayVar(&o.Egress, "egress", nil, "treat this CIDR as the connector's egress instead of Anthropic's ranges (repeatable)")
	fl.StringVar(&o.NginxLogFormat, "nginx-log-format", "", "the nginx log_format of the logs (the directive or its quoted strings)")
	fl.StringVar(&o.Format, formatFlag, "", "force a log format instead of detecting it: "+strings.Join(parse.FormatNames(), ", "))
	fl.BoolVar(&o.Demo, "demo", false, "read the bundled sample log")
	fl.StringVar(&o.TZ, "tz", "", "the zone of logs whose times carry none (uvicorn, python asctime, nginx's error log): an IANA name such as Europe/Madrid, or an offset such as +02:00 (default UTC, with a warning)")
	fl.StringVar(&o.CFFields, "cloudflare-fields", "", "the field list of a Logpush job whose CSV has no header row, comma-separated, in the job's order")
	fl.StringArrayVar(&o.JSONFields, "json-field", nil, "map a field to a gjson path for a JSON logger mcptriage does not know, e.g. status=response.code (repeatable; fields: "+strings.Join(parse.JSONFieldNames, ", ")+")")
	fl.IntVar(&o.MaxLineBytes, "max-line-bytes", parse.DefaultMaxLineBytes, "skip lines longer than this")
	fl.BoolVar(&o.FullParse, "full-parse", false, "parse every line of big access logs too (slower; by default lines with no trace of the connector are only counted)")
	_ = cmd.RegisterFlagCompletionFunc(formatFlag, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return parse.FormatNames(), cobra.ShellCompDirectiveNoFileComp
	})
}

// input is one source to read.
type input struct {
	name string
	open func() (io.ReadCloser, error)
	size int64 // bytes on disk; 0 when unknown (stdin)
}

func runAnalyze(opts *analyzeOptions) error {
	opts.Quiet = opts.JSON
	rep, unusable, err := analyzeLogs(opts.IO, &opts.logOptions)
	if err != nil {
		return err
	}
	if opts.JSON {
		if err := report.WriteJSON(opts.IO.Out, rep); err != nil {
			return err
		}
		writeWarnings(opts.IO.ErrOut, rep)
	} else {
		st := report.Style{Color: opts.IO.ColorEnabled(opts.Color), Width: opts.IO.TerminalWidth()}
		if err := report.WriteText(opts.IO.Out, rep, st); err != nil {
			return err
		}
	}
	if unusable != "" {
		return &usageError{errors.New(unusable)}
	}
	if failed(rep) {
		return errFindings
	}
	return nil
}

// analyzeLogs reads the inputs and runs the analysis. unusable explains
// why no input could be read as a log (the report is still built).
func analyzeLogs(streams *IOStreams, opts *logOptions) (rep *report.Report, unusable string, err error) {
	if opts.Demo && len(opts.Files) > 0 {
		return nil, "", usageErrorf("--demo reads the bundled sample; give either --demo or files, not both")
	}
	ropts := rules.Options{ClaudeError: opts.ClaudeError}
	if opts.Server != "" {
		u, err := rules.ParseConnectorURL(opts.Server)
		if err != nil {
			return nil, "", usageErrorf("--server: %v", err)
		}
		ropts.URL = u
	}
	for _, c := range opts.Egress {
		p, err := netip.ParsePrefix(strings.TrimSpace(c))
		if err != nil {
			a, aerr := netip.ParseAddr(strings.TrimSpace(c))
			if aerr != nil {
				return nil, "", usageErrorf("--egress %q is not a CIDR such as 160.79.104.0/21", c)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		ropts.Egress = append(ropts.Egress, p.Masked())
	}
	cfg, err := parseConfig(opts)
	if err != nil {
		return nil, "", err
	}
	if _, err := parse.Parsers(cfg); err != nil {
		return nil, "", &usageError{err}
	}
	inputs, err := resolveInputs(streams, opts)
	if err != nil {
		return nil, "", err
	}
	collector := rules.NewCollector(ropts)
	var summaries []report.InputSummary
	for _, in := range inputs {
		sum := readInput(streams, in, cfg, collector, prefilterFor(opts, ropts, collector), opts.Quiet)
		sum.TZName = tzName(cfg)
		summaries = append(summaries, sum)
	}
	return report.Build(collector.Analyze(), summaries), unreadable(summaries), nil
}

// resolveInputs checks every named file before reading any, so a typo
// fails at once rather than after a long read.
func resolveInputs(streams *IOStreams, opts *logOptions) ([]input, error) {
	if opts.Demo {
		return []input{{name: demoName, open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(demoLog)), nil
		}}}, nil
	}
	files := opts.Files
	if len(files) == 0 {
		if streams.IsStdinTTY() {
			return nil, usageErrorf("no log given: name log files, pipe one in (… | mcptriage analyze -), or try --demo")
		}
		files = []string{"-"}
	}
	var out []input
	stdinUsed := false
	for _, name := range files {
		if name == "-" {
			if stdinUsed {
				return nil, usageErrorf("standard input (-) is named more than once")
			}
			stdinUsed = true
			out = append(out, input{name: "stdin", open: func() (io.ReadCloser, error) {
				return io.NopCloser(streams.In), nil
			}})
			continue
		}
		st, err := os.Stat(name)
		if errors.Is(err, os.ErrNotExist) && strings.ContainsAny(name, "*?[") {
			// A pattern the shell did not expand (quoted, or on Windows).
			matches, gerr := filepath.Glob(name)
			if gerr != nil || len(matches) == 0 {
				return nil, usageErrorf("%s: no file matches this pattern", name)
			}
			for _, m := range matches {
				path := m
				size := int64(0)
				if st, err := os.Stat(path); err == nil {
					size = st.Size()
				}
				out = append(out, input{name: m, size: size, open: func() (io.ReadCloser, error) { return os.Open(path) }})
			}
			continue
		}
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, usageErrorf("%s: no such file", name)
		case err != nil:
			return nil, usageErrorf("%s: cannot read it: %v", name, pathlessError(err))
		case st.IsDir():
			return nil, usageErrorf("%s is a directory; name the log files in it (for example %s/access.log*)", name, strings.TrimSuffix(name, "/"))
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, usageErrorf("%s: cannot open it: %v", name, pathlessError(err))
		}
		f.Close()
		path := name
		out = append(out, input{name: name, size: st.Size(), open: func() (io.ReadCloser, error) { return os.Open(path) }})
	}
	return out, nil
}

func pathlessError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parseConfig turns the format flags into the parsers' configuration.
func parseConfig(opts *logOptions) (parse.Config, error) {
	cfg := parse.Config{NginxLogFormat: opts.NginxLogFormat, Format: opts.Format, MaxLineBytes: opts.MaxLineBytes}
	if opts.TZ != "" {
		loc, err := loadZone(opts.TZ)
		if err != nil {
			return cfg, usageErrorf("--tz %q: %v", opts.TZ, err)
		}
		cfg.Location, cfg.TZExplicit = loc, true
	}
	if opts.CFFields != "" {
		for _, f := range strings.Split(opts.CFFields, ",") {
			if f = strings.TrimSpace(f); f != "" {
				cfg.CloudflareFields = append(cfg.CloudflareFields, f)
			}
		}
	}
	for _, m := range opts.JSONFields {
		name, path, ok := strings.Cut(m, "=")
		name, path = strings.TrimSpace(name), strings.TrimSpace(path)
		if !ok || name == "" || path == "" {
			return cfg, usageErrorf("--json-field %q: give it as name=path, e.g. status=response.code", m)
		}
		if !slices.Contains(parse.JSONFieldNames, name) {
			return cfg, usageErrorf("--json-field %q: unknown field %q (known: %s)", m, name, strings.Join(parse.JSONFieldNames, ", "))
		}
		if cfg.JSONFields == nil {
			cfg.JSONFields = map[string]string{}
		}
		cfg.JSONFields[name] = path
	}
	return cfg, nil
}

// loadZone reads an IANA zone name or a fixed offset ("+02:00", "-0500", "UTC+2").
func loadZone(s string) (*time.Location, error) {
	if loc, err := time.LoadLocation(s); err == nil {
		return loc, nil
	}
	m := offsetPattern.FindStringSubmatch(s)
	if m == nil {
		return nil, errors.New("not a zone name (Europe/Madrid) or an offset (+02:00)")
	}
	h, _ := strconv.Atoi(m[2])
	min, _ := strconv.Atoi(m[3])
	off := h*3600 + min*60
	if m[1] == "-" {
		off = -off
	}
	return time.FixedZone(s, off), nil
}

var offsetPattern = regexp.MustCompile(`^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$`)

func tzName(cfg parse.Config) string {
	if cfg.Location == nil {
		return "UTC"
	}
	return cfg.Location.String()
}

// fastPathAfter is how many lines of an input are always parsed in full:
// small logs keep exact accounting of every line, big ones go fast.
const fastPathAfter = 10_000

// prefilterFor returns the fast path's filter for an analysis, or nil
// when it cannot be used (--full-parse, an IPv6 --egress).
func prefilterFor(opts *logOptions, ropts rules.Options, c *rules.Collector) parse.PrefilterFactory {
	if opts.FullParse {
		return nil
	}
	pf, ok := rules.NewPrefilter(ropts)
	if !ok {
		return nil
	}
	pf.ReportTo(c) // the look-alikes it drops are counted with the parsed ones
	return func() parse.Prefilter {
		p := pf.Clone()
		return func(line []byte, sh parse.Shape) parse.Verdict {
			switch {
			case sh.Combined:
				return p.CheckCombined(line, sh.UAKnown)
			case sh.TimeKey != "":
				return p.CheckJSON(line, sh.UAKnown)
			}
			if p.Relevant(line, sh.UAKnown) {
				return parse.Keep
			}
			return parse.Drop
		}
	}
}

func readInput(streams *IOStreams, in input, cfg parse.Config, c *rules.Collector, pf parse.PrefilterFactory, quiet bool) report.InputSummary {
	sum := report.InputSummary{Path: in.name}
	rc, err := in.open()
	if err != nil {
		sum.Err = fmt.Errorf("cannot open: %v", pathlessError(err))
		return sum
	}
	defer rc.Close()
	if bar := newProgress(streams, in, quiet); bar != nil {
		defer bar.done()
		rc = bar.wrap(rc)
	}
	r, err := parse.Decompress(rc)
	if err != nil {
		sum.Err = err
		return sum
	}
	parsers, _ := parse.Parsers(cfg) // fresh per input; validated already
	s := parse.NewScanner(r, in.name, parsers, cfg.MaxLineBytes)
	defer s.Close()
	if pf != nil {
		s.SetPrefilter(pf, fastPathAfter, c.WantsBrowserStep)
	}
	for s.Next() {
		c.Add(s.Event())
	}
	sum.Stats = s.Stats()
	sum.Format = s.Format()
	sum.Err = s.Err()
	sum.Unrecognised = !s.Recognised() && sum.Stats.Events == 0
	if sum.Err == nil && sum.Stats.Lines == 0 {
		sum.Err = errors.New("the input is empty")
	}
	return sum
}

// unreadable explains why no input could be used, or returns "".
func unreadable(sums []report.InputSummary) string {
	var bad []string
	for _, s := range sums {
		if s.Stats.Events > 0 {
			return ""
		}
		if s.Unrecognised && s.Stats.Lines > 0 {
			bad = append(bad, s.Path)
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return fmt.Sprintf("cannot read %s as a log: no line matched a known format (mcptriage reads nginx, Cloudflare, JSON app logs and the access lines of common servers). For a custom nginx format, pass its log_format with --nginx-log-format; for JSON keys it does not know, map them with --json-field",
		strings.Join(bad, ", "))
}

func failed(r *report.Report) bool {
	if len(r.Findings) > 0 {
		return true
	}
	for _, a := range r.Attempts {
		if a.Outcome != "connected" {
			return true
		}
	}
	return false
}

// writeWarnings puts what a script's reader should know on stderr, since
// stdout carries only the JSON.
func writeWarnings(w io.Writer, r *report.Report) {
	for _, in := range r.Inputs {
		if in.Error != "" {
			fmt.Fprintf(w, "mcptriage: warning: %s: %s\n", in.Path, in.Error)
		}
		if in.Skipped > 0 {
			fmt.Fprintf(w, "mcptriage: %s: skipped %d of %d lines (%s)\n", in.Path, in.Skipped, in.Lines, strings.Join(in.SkipReasons, "; "))
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "mcptriage: note: %s\n", n)
	}
}
