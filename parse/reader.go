package parse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
)

// DefaultMaxLineBytes is the longest line read; longer lines are skipped
// and counted, never fatal.
const DefaultMaxLineBytes = 1 << 20

// Decompress returns r, transparently gunzipped when it starts with the
// gzip magic bytes. Rotated logs are often gzipped whatever their name.
func Decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(2)
	if err != nil || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, nil // short or empty input is not an error here
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("looks gzipped but the gzip header is broken: %w", err)
	}
	zr.Multistream(true) // concatenated members, as logrotate can produce
	return zr, nil
}

// lineReader yields lines without their end-of-line bytes, in constant
// memory: a line longer than max is reported as too long and dropped.
type lineReader struct {
	br      *bufio.Reader
	max     int
	n       int
	line    []byte
	big     []byte
	tooLong bool
	done    bool
	err     error
}

func (r *lineReader) current() (int, []byte, bool) { return r.n, r.line, r.tooLong }
func (r *lineReader) error() error                 { return r.err }

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func (r *lineReader) next() bool {
	if r.done {
		return false
	}
	r.tooLong = false
	r.big = r.big[:0]
	long := false
	for {
		frag, err := r.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if !long && len(r.big)+len(frag) <= r.max {
				r.big = append(r.big, frag...)
			} else {
				long = true
				r.big = r.big[:0]
			}
			continue
		}
		if err != nil {
			r.done = true
			if !errors.Is(err, io.EOF) {
				r.err = err
			}
			if len(frag) == 0 && len(r.big) == 0 && !long {
				return false
			}
		}
		r.n++
		if long || len(r.big)+len(frag) > r.max {
			r.tooLong = true
			r.line = nil
			return true
		}
		line := frag
		if len(r.big) > 0 {
			r.big = append(r.big, frag...)
			line = r.big
		}
		line = bytes.TrimSuffix(line, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if r.n == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		r.line = line
		return true
	}
}
