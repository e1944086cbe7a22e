package main

import (
	"github.com/mcptriage/mcptriage/pipeline"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressMinBytes: smaller inputs are read before a bar would help.
const progressMinBytes = 8 << 20

// progress shows how far the reading of one big input has got: bytes of
// the total, rate, time left. It writes to stderr, and only when both
// stdout and stderr are a terminal and the output is not for a script.
type progress struct {
	bar *progressbar.ProgressBar
}

func newProgress(streams *IOStreams, in pipeline.Input, quiet bool) *progress {
	if quiet || in.Size < progressMinBytes || !streams.IsStdoutTTY() || !streams.IsStderrTTY() {
		return nil
	}
	bar := progressbar.NewOptions64(in.Size,
		progressbar.OptionSetWriter(streams.ErrOut),
		progressbar.OptionSetDescription("reading "+in.Name),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionUseANSICodes(true),
	)
	return &progress{bar: bar}
}

// wrap counts the bytes read from the file (compressed bytes for a
// gzipped one, so the bar ends with the file).
func (p *progress) wrap(rc io.ReadCloser) io.ReadCloser {
	return struct {
		io.Reader
		io.Closer
	}{io.TeeReader(rc, p.bar), rc}
}

func (p *progress) done() {
	p.bar.Finish()
	p.bar.Clear()
}
