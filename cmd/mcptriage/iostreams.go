package main

import (
	"io"
	"os"
	"strconv"

	"github.com/cli/go-gh/v2/pkg/term"

	"github.com/mcptriage/mcptriage/internal/scrub"
)

// IOStreams is the only code that knows about terminals and the
// environment's colour settings; commands ask it, never os or env.
// Out and ErrOut are built in systemIO and nowhere else, so a wrapper
// over every output (a secret scrubber) is one line there.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdoutTTY bool
	stderrTTY bool
	stdinTTY  bool
	stdinData bool // stdin is a pipe or a redirected file
	// colorAuto is what --color auto means here: go-gh's reading of
	// NO_COLOR, CLICOLOR, CLICOLOR_FORCE and the terminal, and TERM=dumb.
	colorAuto bool
	width     int
	getenv    func(string) string
}

func systemIO() *IOStreams {
	t := term.FromEnv()
	io := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, getenv: os.Getenv}
	io.stdinTTY = term.IsTerminal(os.Stdin)
	io.stderrTTY = term.IsTerminal(os.Stderr)
	io.stdoutTTY = t.IsTerminalOutput()
	// NO_COLOR and CLICOLOR=0 win even over CLICOLOR_FORCE: whoever set them
	// asked for no escape codes at all.
	io.colorAuto = t.IsColorEnabled() && !term.IsColorDisabled() && os.Getenv("TERM") != "dumb"
	if io.stdoutTTY {
		if w, _, err := t.Size(); err == nil {
			io.width = w
		}
	}
	if st, err := os.Stdin.Stat(); err == nil && !io.stdinTTY {
		io.stdinData = st.Mode()&os.ModeNamedPipe != 0 || st.Mode().IsRegular() && st.Size() > 0
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

// IsStdinData reports whether something is piped or redirected into stdin.
func (s *IOStreams) IsStdinData() bool { return s.stdinData }

// ColorEnabled decides colour once: --color always/never win; otherwise
// the environment and the terminal decide.
func (s *IOStreams) ColorEnabled(mode string) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	return s.colorAuto
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
