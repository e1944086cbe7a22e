package scrub

import (
	"bytes"
	"io"
)

// maxPending bounds what the writer holds while waiting for the end of a
// line: a longer line is scrubbed and written in pieces of this size.
const maxPending = 1 << 20

// Writer scrubs what passes through it, line by line. A line ends at
// '\n' or '\r' (a progress bar redraws its line with '\r'); what has no
// end yet waits, and Close writes it.
type Writer struct {
	w       io.Writer
	pending []byte
}

// NewWriter returns a Writer that scrubs every line written to it before
// passing it to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write scrubs and passes on every complete line of p; it reports len(p)
// written unless w fails.
func (s *Writer) Write(p []byte) (int, error) {
	s.pending = append(s.pending, p...)
	end := bytes.LastIndexAny(s.pending, "\n\r")
	if end < 0 && len(s.pending) < maxPending {
		return len(p), nil
	}
	if end < 0 {
		end = len(s.pending) - 1
	}
	if _, err := io.WriteString(s.w, String(string(s.pending[:end+1]))); err != nil {
		return 0, err
	}
	s.pending = append(s.pending[:0], s.pending[end+1:]...)
	return len(p), nil
}

// Close writes what is left of an unfinished last line. It does not
// close the underlying writer.
func (s *Writer) Close() error {
	if len(s.pending) == 0 {
		return nil
	}
	_, err := io.WriteString(s.w, String(string(s.pending)))
	s.pending = s.pending[:0]
	return err
}
