package main

import (
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcptriage/mcptriage/parse"
	"github.com/mcptriage/mcptriage/pipeline"
	"github.com/mcptriage/mcptriage/report"
)

//go:embed demo.log
var demoLog []byte

const demoName = "demo.log"

// logOptions are the flags of every command that reads logs.
type logOptions struct {
	command string // the command's name, for messages
	Files   []string
	Demo    bool
	Globs   []string
	pipeline.Settings
}

type analyzeOptions struct {
	IO *IOStreams
	f  *factory
	logOptions
	outputFlags
}

func newCmdAnalyze(f *factory, runF func(*analyzeOptions) error) *cobra.Command {
	opts := &analyzeOptions{IO: f.IO, f: f}
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

A directory is read with everything under it (hidden and binary files are
passed over and counted; --glob keeps only the files whose names match).
With no FILE, the logs of the config file or MCPTRIAGE_LOGS are read, else
standard input.

Exit status: 0 when every attempt connected, 1 when a failure was found
(including no connector traffic at all), 2 on usage or input errors,
including no input that reads as a log.`,
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

  # every log under a directory, rotated and gzipped ones too
  mcptriage analyze --glob 'access.log*' /var/log/nginx

  # from a container, for a script
  docker logs proxy 2>&1 | mcptriage analyze --json -

  # see it work on a bundled sample
  mcptriage analyze --demo`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			if err := opts.outputFlags.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runAnalyze(opts)
		},
	}
	addLogFlags(cmd, &opts.logOptions)
	addOutputFlags(cmd, &opts.outputFlags, "the report", true)
	return cmd
}

// addLogFlags adds the log-reading flags, the same on every command
// that reads logs.
func addLogFlags(cmd *cobra.Command, o *logOptions) {
	o.command = cmd.Name()
	fl := cmd.Flags()
	fl.StringVar(&o.Server, "server", "", "the connector URL exactly as typed into Claude; checked on its own and used to focus the analysis")
	fl.StringVar(&o.ClaudeError, "error", "", "the error message Claude showed, pasted as is; some messages decide between look-alike causes")
	fl.StringArrayVar(&o.Egress, "egress", nil, "treat this CIDR as the connector's egress instead of Anthropic's ranges (repeatable)")
	fl.StringVar(&o.NginxLogFormat, "nginx-log-format", "", "the nginx log_format of the logs (the directive or its quoted strings)")
	fl.StringVar(&o.Format, "log-format", "", "force a log format instead of detecting it: "+strings.Join(parse.FormatNames(), ", "))
	fl.BoolVar(&o.Demo, "demo", false, "read the bundled sample log")
	fl.StringVar(&o.TZ, "tz", "", "the zone of logs whose times carry none (uvicorn, python asctime, nginx's error log): an IANA name such as Europe/Madrid, or an offset such as +02:00 (default UTC, with a warning)")
	fl.StringVar(&o.CFFields, "cloudflare-fields", "", "the field list of a Logpush job whose CSV has no header row, comma-separated, in the job's order")
	fl.StringArrayVar(&o.JSONFields, "json-field", nil, "map a field to a gjson path for a JSON logger mcptriage does not know, e.g. status=response.code (repeatable; fields: "+strings.Join(parse.JSONFieldNames, ", ")+")")
	fl.IntVar(&o.MaxLineBytes, "max-line-bytes", parse.DefaultMaxLineBytes, "skip lines longer than this")
	fl.BoolVar(&o.FullParse, "full-parse", false, "parse every line of big access logs too (slower; by default lines with no trace of the connector are only counted)")
	fl.StringArrayVar(&o.Globs, "glob", nil, "in a directory, read only the files whose name matches this pattern, e.g. 'access.log*' (repeatable; !PATTERN excludes)")
	if cmd.Name() != "report" {
		// The flag's name before 0.2, when report's --format chose the output.
		fl.StringVar(&o.Format, "format", "", "")
		_ = fl.MarkDeprecated("format", "use --log-format")
	}
	_ = cmd.RegisterFlagCompletionFunc("log-format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return parse.FormatNames(), cobra.ShellCompDirectiveNoFileComp
	})
}

func runAnalyze(opts *analyzeOptions) error {
	res, err := readLogs(opts.f, &opts.logOptions, &opts.outputFlags)
	if err != nil {
		if res != nil && res.NoLog != nil && opts.JSON && opts.Output == "" {
			// Scripts still get a document: the inputs and why none read
			// as a log, and no diagnosis.
			rep := *res.Report
			rep.Attempts, rep.Findings, rep.Error = []report.Attempt{}, []report.Finding{}, res.NoLog.Error()
			if werr := writeJSON(opts.IO.Out, &rep); werr != nil {
				return werr
			}
		}
		return err
	}
	rep := res.Report
	err = emit(opts.IO, &opts.outputFlags,
		func(w io.Writer) error { return report.WriteJSON(w, rep) },
		func(w io.Writer, st report.Style) error { return report.WriteText(w, rep, st) })
	if err != nil {
		return err
	}
	if opts.Quiet {
		fmt.Fprintln(opts.IO.Out, verdict(rep))
	} else if opts.JSON || opts.Output != "" {
		writeWarnings(opts.IO.ErrOut, rep)
	}
	if failed(rep) {
		if opts.Demo {
			// The first thing a newcomer runs should not look like a
			// failure; the sample's failures are there by design.
			if !opts.Quiet {
				fmt.Fprintln(opts.IO.ErrOut, "mcptriage: the sample holds failed attempts by design; --demo exits 0, a run on your logs exits 1 when it finds a failure")
			}
			return nil
		}
		return errFindings
	}
	return nil
}

// readLogs is what every command that reads logs does first: turn the
// flags (and the settings of the environment and the config file) into
// sources and options, and run the pipeline. No input that reads as a
// log is an input error: nothing is diagnosed from no evidence.
func readLogs(f *factory, opts *logOptions, out *outputFlags) (*pipeline.Result, error) {
	if opts.Demo && len(opts.Files) > 0 {
		return nil, usageErrorf("--demo reads the bundled sample; give either --demo or files, not both")
	}
	po, err := opts.Settings.Options()
	if err != nil {
		return nil, &usageError{err}
	}
	streams := f.IO
	names, err := inputNames(f, opts, out.Quiet)
	if err != nil {
		return nil, err
	}
	if err := checkOutputNotInput(streams, out.Output, names); err != nil {
		return nil, err
	}
	var sources []pipeline.Source
	if opts.Demo {
		sources = []pipeline.Source{pipeline.Bytes(demoName, demoLog)}
	} else if sources, err = pipeline.Resolve(pipeline.Args{Names: names, Stdin: streams.In, Globs: opts.Globs}); err != nil {
		return nil, &usageError{err}
	}
	quiet := out.Quiet || out.JSON
	po.Observe = func(in pipeline.Input, rc io.ReadCloser) (io.ReadCloser, func()) {
		bar := newProgress(streams, in, quiet)
		if bar == nil {
			return rc, nil
		}
		return bar.wrap(rc), bar.done
	}
	res := pipeline.Run(sources, po)
	if res.NoLog != nil {
		return res, &usageError{res.NoLog}
	}
	return res, nil
}

// inputNames are the inputs to read: the FILE arguments; else the logs
// the environment or the config file names; else standard input when
// something is piped in.
func inputNames(f *factory, opts *logOptions, quiet bool) ([]string, error) {
	if opts.Demo {
		return nil, nil
	}
	if len(opts.Files) > 0 {
		return opts.Files, nil
	}
	if f.settings != nil && len(f.settings.logs) > 0 {
		if !quiet && f.IO.IsStdinData() {
			fmt.Fprintf(f.IO.ErrOut, "mcptriage: reading the logs set in %s; standard input is not read (name - to read it)\n", f.settings.logsFrom)
		}
		return f.settings.logs, nil
	}
	if f.IO.IsStdinTTY() {
		return nil, usageErrorf("no log given: name log files or a directory, pipe one in (… | mcptriage %s -), set logs in the config file (mcptriage config --help), or try --demo", opts.command)
	}
	return []string{"-"}, nil
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

// verdict is the one line --quiet prints: how many attempts failed, and
// the leading failure mode of each (and of the run as a whole).
func verdict(r *report.Report) string {
	var modes []string
	add := func(fs []report.Finding) {
		if len(fs) > 0 && !slices.Contains(modes, string(fs[0].Mode)) {
			modes = append(modes, string(fs[0].Mode))
		}
	}
	add(r.Findings)
	failed := 0
	for _, a := range r.Attempts {
		if a.Outcome != "connected" {
			failed++
			add(a.Findings)
		}
	}
	var s string
	switch n := len(r.Attempts); {
	case n == 0:
		s = "no connect attempt"
	case failed == 0:
		s = fmt.Sprintf("%d connect %s, all connected", n, plural(n, "attempt", "attempts"))
	default:
		s = fmt.Sprintf("%d connect %s, %d not connected", n, plural(n, "attempt", "attempts"), failed)
	}
	if len(modes) > 0 {
		s += ": " + strings.Join(modes, ", ")
	}
	return "mcptriage: " + s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
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
