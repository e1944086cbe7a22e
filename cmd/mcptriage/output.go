package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcptriage/mcptriage/internal/scrub"
	"github.com/mcptriage/mcptriage/pipeline"
	"github.com/mcptriage/mcptriage/report"
)

// outputFlags are the flags of every command that prints a report:
// analyze, report, search and probe.
type outputFlags struct {
	JSON   bool
	Output string
	Quiet  bool
	Color  string
}

// addOutputFlags adds --json, -o/--output, --quiet and, for a terminal
// view, --color; what names the output in the help ("the report").
func addOutputFlags(cmd *cobra.Command, o *outputFlags, what string, color bool) {
	fl := cmd.Flags()
	fl.BoolVar(&o.JSON, "json", false, "print "+what+" as JSON, for scripts")
	fl.StringVarP(&o.Output, "output", "o", "", "write "+what+" to this file instead of standard output (never over an input)")
	fl.BoolVarP(&o.Quiet, "quiet", "q", false, "print only the verdict line; the exit status says the rest")
	o.Color = "auto"
	if !color {
		return
	}
	fl.StringVar(&o.Color, "color", "auto", "colour the terminal view: auto, always or never")
	_ = cmd.RegisterFlagCompletionFunc("color", cobra.FixedCompletions([]string{"auto", "always", "never"}, cobra.ShellCompDirectiveNoFileComp))
}

func (o *outputFlags) validate() error {
	switch o.Color {
	case "auto", "always", "never":
	default:
		return usageErrorf("--color must be auto, always or never, not %q", o.Color)
	}
	if o.Quiet && o.JSON && o.Output == "" {
		return usageErrorf("--quiet prints one line and --json the whole result: choose one, or write the JSON to a file with -o")
	}
	return nil
}

// sink is where a command's main output goes: standard output, or a file
// written whole only once the command has succeeded, so that a failed
// run never leaves half a file or clobbers the last good one.
type sink struct {
	io.Writer
	path     string
	tmp      *os.File
	scrubbed *scrub.Writer // the file's writer: everything printed passes the second redaction pass
}

// openSink opens -o FILE (or stdout when path is empty).
func openSink(streams *IOStreams, path string) (*sink, error) {
	if path == "" {
		return &sink{Writer: streams.Out}, nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, usageErrorf("-o %s is a directory; name a file in it", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, usageErrorf("-o %s: cannot write there: %v", path, pipeline.PathlessError(err))
	}
	w := scrub.NewWriter(tmp)
	return &sink{Writer: w, path: path, tmp: tmp, scrubbed: w}, nil
}

// commit puts the written file in place; without -o it does nothing.
func (s *sink) commit(streams *IOStreams, quiet bool) error {
	if s.tmp == nil {
		return nil
	}
	name := s.tmp.Name()
	if err := s.scrubbed.Close(); err != nil {
		s.tmp.Close()
		os.Remove(name)
		return usageErrorf("-o %s: %v", s.path, pipeline.PathlessError(err))
	}
	if err := s.tmp.Close(); err != nil {
		os.Remove(name)
		return usageErrorf("-o %s: %v", s.path, pipeline.PathlessError(err))
	}
	_ = os.Chmod(name, 0o644)
	if err := os.Rename(name, s.path); err != nil {
		os.Remove(name)
		return usageErrorf("-o %s: %v", s.path, pipeline.PathlessError(err))
	}
	s.tmp = nil
	if !quiet {
		fmt.Fprintf(streams.ErrOut, "mcptriage: wrote %s\n", s.path)
	}
	return nil
}

// discard removes an unfinished file.
func (s *sink) discard() {
	if s.tmp != nil {
		name := s.tmp.Name()
		s.tmp.Close()
		os.Remove(name)
		s.tmp = nil
	}
}

// toFile says whether the output goes to a file (no colour, no width).
func (s *sink) toFile() bool { return s.path != "" }

// writeJSON writes v indented, with &, < and > kept as they are (the
// same bytes as every other JSON output).
func writeJSON(w io.Writer, v any) error { return report.WriteJSON(w, v) }

// checkOutputNotInput refuses an -o that names one of the inputs (or a
// file inside a directory being read), before anything is read or
// written: a report must never replace the log it came from.
func checkOutputNotInput(streams *IOStreams, output string, names []string) error {
	if output == "" {
		return nil
	}
	out, outErr := os.Stat(output)
	outAbs, _ := filepath.Abs(output)
	refuse := func(input string) error {
		return usageErrorf("-o %s is one of the inputs (%s); write the output to another file", output, input)
	}
	if f, ok := streams.In.(*os.File); ok && outErr == nil {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && os.SameFile(st, out) {
			return refuse("standard input")
		}
	}
	for _, name := range names {
		if name == "-" {
			continue
		}
		matches := []string{name}
		if strings.ContainsAny(name, "*?[") {
			if m, err := filepath.Glob(name); err == nil && len(m) > 0 {
				matches = m
			}
		}
		for _, m := range matches {
			st, err := os.Stat(m)
			if err != nil {
				continue
			}
			abs, _ := filepath.Abs(m)
			switch {
			case st.IsDir() && strings.HasPrefix(outAbs, abs+string(filepath.Separator)):
				return usageErrorf("-o %s is inside %s, a directory being read; write the output elsewhere", output, m)
			case outErr == nil && os.SameFile(st, out), abs == outAbs:
				return refuse(m)
			}
		}
	}
	return nil
}

// emit writes a command's report where the output flags say (-o, or
// standard output unless --quiet): as JSON, or through text with the
// style of the destination (colour only on a terminal, folded to its
// width, else to report.DefaultWidth).
func emit(streams *IOStreams, of *outputFlags, asJSON func(io.Writer) error, text func(io.Writer, report.Style) error) error {
	if of.Output == "" && of.Quiet {
		return nil
	}
	out, err := openSink(streams, of.Output)
	if err != nil {
		return err
	}
	defer out.discard()
	if of.JSON {
		err = asJSON(out)
	} else {
		st := report.Style{Color: !out.toFile() && streams.ColorEnabled(of.Color), Width: streams.TerminalWidth()}
		if out.toFile() || st.Width <= 0 {
			st.Width = report.DefaultWidth // not a terminal
		}
		err = text(out, st)
	}
	if err != nil {
		return err
	}
	return out.commit(streams, of.Quiet)
}
