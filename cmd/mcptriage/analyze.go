package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	Files []string
	Demo  bool
	pipeline.Settings
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

func runAnalyze(opts *analyzeOptions) error {
	opts.Quiet = opts.JSON
	rep, unusable, err := analyzeLogs(opts.IO, &opts.logOptions)
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
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

// analyzeLogs wires the log flags to the pipeline. unusable explains why
// no input could be read as a log (the report is still built).
func analyzeLogs(streams *IOStreams, opts *logOptions) (rep *report.Report, unusable string, err error) {
	if opts.Demo && len(opts.Files) > 0 {
		return nil, "", usageErrorf("--demo reads the bundled sample; give either --demo or files, not both")
	}
	po, err := opts.Settings.Options()
	if err != nil {
		return nil, "", &usageError{err}
	}
	sources, err := resolveSources(streams, opts)
	if err != nil {
		return nil, "", err
	}
	quiet := opts.Quiet
	po.Observe = func(in pipeline.Input, rc io.ReadCloser) (io.ReadCloser, func()) {
		bar := newProgress(streams, in, quiet)
		if bar == nil {
			return rc, nil
		}
		return bar.wrap(rc), bar.done
	}
	res := pipeline.Run(sources, po)
	if res.NoLog != nil {
		unusable = res.NoLog.Error()
	}
	return res.Report, unusable, nil
}

// resolveSources names what to read: the bundled sample, the named files
// and directories, or standard input.
func resolveSources(streams *IOStreams, opts *logOptions) ([]pipeline.Source, error) {
	if opts.Demo {
		return []pipeline.Source{pipeline.Bytes(demoName, demoLog)}, nil
	}
	files := opts.Files
	if len(files) == 0 {
		if streams.IsStdinTTY() {
			return nil, usageErrorf("no log given: name log files, pipe one in (… | mcptriage analyze -), or try --demo")
		}
		files = []string{"-"}
	}
	sources, err := pipeline.Resolve(pipeline.Args{Names: files, Stdin: streams.In})
	if err != nil {
		return nil, &usageError{err}
	}
	return sources, nil
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
