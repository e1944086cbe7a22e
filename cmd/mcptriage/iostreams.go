package main

import (
	"io"
	"os"
	"strconv"

	"golang.org/x/term"

	"github.com/mcptriage/mcptriage/internal/scrub"
)

// IOStreams is the only code that knows about terminals and the
// environment's colour settings; commands ask it, never os or env.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdoutTTY bool
	stderrTTY bool
	stdinTTY  bool
	width     int
	getenv    func(string) string
}

func systemIO() *IOStreams {
	io := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, getenv: os.Getenv}
	io.stdinTTY = term.IsTerminal(int(os.Stdin.Fd()))
	io.stderrTTY = term.IsTerminal(int(os.Stderr.Fd()))
	if fd := int(os.Stdout.Fd()); term.IsTerminal(fd) {
		io.stdoutTTY = true
		if w, _, err := term.GetSize(fd); err == nil {
			io.width = w
		}
	}
	return io
}

// scrubOutput sends everything the command prints through the second
// redaction pass (internal/scrub). The returned func writes what is left
// of an unfinished last line and restores the streams.
func (s *IOStreams) scrubOutput() (flush func()) {
	out, errOut := s.Out, s.ErrOut
	sOut, sErr := scrub.NewWriter(out), scrub.NewWriter(errOut)
	s.Out, s.ErrOut = sOut, sErr
	return func() {
		sOut.Close()
		sErr.Close()
		s.Out, s.ErrOut = out, errOut
	}
}

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether stderr is a terminal (progress may be drawn).
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// IsStdinTTY reports whether stdin is a terminal (nobody is piping a log in).
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// ColorEnabled decides colour once: --color always/never win; otherwise
// NO_COLOR, CLICOLOR=0 and TERM=dumb turn it off, CLICOLOR_FORCE turns it
// on, and a terminal decides.
func (s *IOStreams) ColorEnabled(mode string) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if s.getenv("NO_COLOR") != "" || s.getenv("CLICOLOR") == "0" || s.getenv("TERM") == "dumb" {
		return false
	}
	if v := s.getenv("CLICOLOR_FORCE"); v != "" && v != "0" {
		return true
	}
	return s.stdoutTTY
}

// TerminalWidth is the width to wrap text at; 0 means do not wrap.
func (s *IOStreams) TerminalWidth() int {
	if !s.stdoutTTY {
		return 0
	}
	if c, err := strconv.Atoi(s.getenv("COLUMNS")); err == nil && c > 20 {
		return c
	}
	if s.width > 20 {
		return s.width
	}
	return 100
}
