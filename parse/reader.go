package parse

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// DefaultMaxLineBytes is the longest line read; longer lines are skipped
// and counted, never fatal.
const DefaultMaxLineBytes = 1 << 20

// InputError says an input cannot be read as a log at all, and why: it is
// empty, compressed in a format mcptriage does not read, its compressed
// stream is broken from the start, or reading it failed before its first
// line. The command treats it as an input error (exit 2), not as a log
// without connector traffic. Decompress returns it, and Scanner.Err
// returns it when nothing could be read.
type InputError struct {
	Reason string
	Err    error // the underlying error, if any
}

func (e *InputError) Error() string {
	if e.Err != nil {
		return e.Reason + ": " + e.Err.Error()
	}
	return e.Reason
}

func (e *InputError) Unwrap() error { return e.Err }

// compression is a compressed format recognised by its magic bytes.
type compression struct {
	name  string
	magic []byte
	// open reads the format; nil: recognised but not read, and hint says
	// how to decompress it first.
	open func(io.Reader) (io.Reader, error)
	hint string
}

// looks is how a message says the input seems compressed this way.
func (c compression) looks() string {
	if c.name == "gzip" {
		return "gzipped"
	}
	return c.name + "-compressed"
}

// maxZstdWindow bounds the memory a zstd stream may ask for: log
// rotation uses small windows, and a hostile header must not make the
// reader allocate gigabytes.
const maxZstdWindow = 128 << 20

var compressions = []compression{
	{name: "gzip", magic: []byte{0x1f, 0x8b}, open: func(r io.Reader) (io.Reader, error) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		zr.Multistream(true) // concatenated members, as logrotate can produce
		return zr, nil
	}},
	{name: "bzip2", magic: []byte("BZh"), open: func(r io.Reader) (io.Reader, error) { return bzip2.NewReader(r), nil }},
	{name: "xz", magic: []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}, open: func(r io.Reader) (io.Reader, error) { return xz.NewReader(r) }},
	{name: "zstd", magic: []byte{0x28, 0xb5, 0x2f, 0xfd}, open: func(r io.Reader) (io.Reader, error) {
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}},
	{name: "lz4", magic: []byte{0x04, 0x22, 0x4d, 0x18}, hint: "lz4 -d FILE"},
	{name: "lz4", magic: []byte{0x02, 0x21, 0x4c, 0x18}, hint: "lz4 -d FILE"},
	{name: "zip", magic: []byte("PK\x03\x04"), hint: "unzip FILE"},
	{name: "7z", magic: []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}, hint: "7z x FILE"},
	{name: "rar", magic: []byte("Rar!\x1a\x07"), hint: "unrar x FILE"},
	{name: "lzip", magic: []byte("LZIP"), hint: "lzip -d FILE"},
	{name: "compress (.Z)", magic: []byte{0x1f, 0x9d}, hint: "uncompress FILE"},
	{name: "lzop", magic: []byte{0x89, 'L', 'Z', 'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a}, hint: "lzop -d FILE"},
}

// Decompress returns r, decompressed when its first bytes are those of
// gzip, bzip2, xz or zstd (rotated logs are compressed whatever their
// name; concatenated streams are read one after the other). Another
// recognisable compression, or a stream broken from its first bytes, is
// an *InputError that says what to do.
func Decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(16) // short or empty input is not an error here
	for _, c := range compressions {
		if !bytes.HasPrefix(head, c.magic) || (c.name == "bzip2" && (len(head) < 4 || head[3] < '1' || head[3] > '9')) {
			continue
		}
		if c.open == nil {
			return nil, &InputError{Reason: fmt.Sprintf("compressed with %s: decompress it first (%s)", c.name, c.hint)}
		}
		zr, err := c.open(br)
		if err != nil {
			return nil, &InputError{Reason: "looks " + c.looks() + " but the " + c.name + " header is broken", Err: err}
		}
		return namedReader{zr, c.name}, nil
	}
	return br, nil
}

// namedReader names the compression in its read errors ("xz: unexpected
// EOF"): the user learns which layer failed.
type namedReader struct {
	r    io.Reader
	name string
}

func (n namedReader) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: %w", n.name, err)
	}
	return k, err
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

// skipBlankLines discards the empty lines ("\n" or "\r\n") that follow
// the current one, as far as they are buffered, and returns how many
// there were. Lines keep their numbers.
func (r *lineReader) skipBlankLines() int {
	skipped := 0
	for !r.done {
		buf, _ := r.br.Peek(r.br.Buffered())
		if len(buf) == 0 {
			if _, err := r.br.Peek(1); err != nil {
				return skipped
			}
			continue
		}
		i := 0
		for i < len(buf) {
			switch {
			case buf[i] == '\n':
				i++
			case buf[i] == '\r' && i+1 < len(buf) && buf[i+1] == '\n':
				i += 2
			default:
				goto stop
			}
			skipped++
		}
	stop:
		r.br.Discard(i)
		r.n += 0
		if i < len(buf) {
			break
		}
	}
	r.n += skipped
	return skipped
}
