package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Input is one stream of log lines: a file, standard input, the bundled
// sample.
type Input struct {
	// Name is how every output refers to the input: its path, "stdin".
	Name string
	// Size is its length in bytes when known (for progress), else 0.
	Size int64
	// Open opens it for reading; it is called once, when its turn comes.
	Open func() (io.ReadCloser, error)
	// Found: the input was found by walking a directory rather than named,
	// so a binary file is skipped and counted instead of read.
	Found bool
}

// A Source yields inputs. A file or standard input yields one; a
// directory yields the files under it, found as the walk reaches them so
// that a hundred thousand files are never listed in memory at once. A
// followed file or a store query is another Source.
type Source interface {
	// Name says what the source is in messages ("logs/", "stdin").
	Name() string
	// Inputs yields the inputs in order, and what it passed over.
	Inputs(yield func(Input) bool) Passed
}

// Passed counts what a source passed over without reading it, by reason.
type Passed struct {
	Hidden     int // files and directories whose name starts with "."
	Filtered   int // files that no --glob pattern matches
	Special    int // sockets, pipes, devices, symlinks to directories
	Unreadable int // directories the walk could not list
	Binary     int // files whose first bytes are not text (counted when read)
}

func (p *Passed) add(q Passed) {
	p.Hidden += q.Hidden
	p.Filtered += q.Filtered
	p.Special += q.Special
	p.Unreadable += q.Unreadable
	p.Binary += q.Binary
}

// Total is how many entries were passed over.
func (p Passed) Total() int { return p.Hidden + p.Filtered + p.Special + p.Unreadable + p.Binary }

// String says what was passed over, or "".
func (p Passed) String() string {
	var parts []string
	add := func(n int, one, many string) {
		if n == 1 {
			parts = append(parts, "1 "+one)
		} else if n > 1 {
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(p.Hidden, "hidden file or directory", "hidden files and directories")
	add(p.Binary, "binary file", "binary files")
	add(p.Filtered, "file not matching --glob", "files not matching --glob")
	add(p.Special, "special file (socket, pipe, device or link to a directory)", "special files (sockets, pipes, devices or links to directories)")
	add(p.Unreadable, "unreadable directory", "unreadable directories")
	return strings.Join(parts, ", ")
}

// single is a source of one input.
type single struct{ in Input }

func (s single) Name() string                         { return s.in.Name }
func (s single) Inputs(yield func(Input) bool) Passed { yield(s.in); return Passed{} }

// File is a source of one named file.
func File(path string, size int64) Source {
	return single{Input{Name: path, Size: size, Open: func() (io.ReadCloser, error) { return os.Open(path) }}}
}

// Reader is a source of one stream that is already open, such as
// standard input. It is read once.
func Reader(name string, r io.Reader) Source {
	return single{Input{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(r), nil }}}
}

// Bytes is a source of bytes in memory, such as the bundled sample.
func Bytes(name string, b []byte) Source {
	return single{Input{Name: name, Size: int64(len(b)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}}}
}

// Dir is a source of the files under a directory, walked in lexical
// order. Hidden files and directories are passed over, and so are files
// that match none of the globs (when there are any: a pattern is matched
// against the file's name, or against its slash-separated path under the
// directory when it holds a "/"; a leading "!" excludes).
type Dir struct {
	Root  string
	Globs []string
}

// Name is the directory's path.
func (d Dir) Name() string { return d.Root }

// Inputs walks the directory.
func (d Dir) Inputs(yield func(Input) bool) Passed {
	var p Passed
	stop := errors.New("stop")
	_ = filepath.WalkDir(d.Root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			if e != nil && e.IsDir() || path == d.Root {
				p.Unreadable++
				return fs.SkipDir
			}
			p.Special++
			return nil
		}
		if path != d.Root && strings.HasPrefix(e.Name(), ".") {
			p.Hidden++
			if e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if e.IsDir() {
			return nil
		}
		info, err := os.Stat(path) // follows a symlink to a file
		if err != nil || !info.Mode().IsRegular() {
			p.Special++
			return nil
		}
		rel, _ := filepath.Rel(d.Root, path)
		if !matchGlobs(d.Globs, filepath.ToSlash(rel)) {
			p.Filtered++
			return nil
		}
		name := path
		if !yield(Input{Name: name, Size: info.Size(), Found: true, Open: func() (io.ReadCloser, error) { return os.Open(name) }}) {
			return stop
		}
		return nil
	})
	return p
}

// matchGlobs says whether a file (its slash-separated path under the
// walked directory) passes the --glob filters: any positive pattern
// matches (or there is none), and no "!" pattern does.
func matchGlobs(globs []string, rel string) bool {
	base := rel[strings.LastIndexByte(rel, '/')+1:]
	positive, matched := false, false
	for _, g := range globs {
		neg := strings.HasPrefix(g, "!")
		g = strings.TrimPrefix(g, "!")
		subject := base
		if strings.Contains(g, "/") {
			subject = rel
		}
		ok, _ := filepath.Match(g, subject)
		switch {
		case neg && ok:
			return false
		case !neg:
			positive = true
			matched = matched || ok
		}
	}
	return !positive || matched
}

// CheckGlob says whether a --glob pattern is well formed.
func CheckGlob(g string) error {
	if _, err := filepath.Match(strings.TrimPrefix(g, "!"), ""); err != nil {
		return fmt.Errorf("--glob %q: %v", g, err)
	}
	return nil
}

// Args are the command line's inputs, before any is read.
type Args struct {
	// Names are the FILE arguments: paths, directories, "-" for standard
	// input, and patterns the shell did not expand.
	Names []string
	Stdin io.Reader
	// Globs filter the files found in directories.
	Globs []string
}

// Resolve turns the command line's names into sources, checking every
// named file before any is read so that a typo fails at once rather than
// after a long read. Errors are the user's to fix (exit 2).
func Resolve(a Args) ([]Source, error) {
	for _, g := range a.Globs {
		if err := CheckGlob(g); err != nil {
			return nil, err
		}
	}
	var out []Source
	stdinUsed := false
	for _, name := range a.Names {
		if name == "-" {
			if stdinUsed {
				return nil, errors.New("standard input (-) is named more than once")
			}
			stdinUsed = true
			out = append(out, Reader("stdin", a.Stdin))
			continue
		}
		st, err := os.Stat(name)
		if errors.Is(err, os.ErrNotExist) && strings.ContainsAny(name, "*?[") {
			// A pattern the shell did not expand (quoted, or on Windows).
			out = append(out, Pattern{Pattern: name, Globs: a.Globs})
			if matches, gerr := filepath.Glob(name); gerr != nil || len(matches) == 0 {
				return nil, fmt.Errorf("%s: no file matches this pattern", name)
			}
			continue
		}
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("%s: no such file", name)
		case err != nil:
			return nil, fmt.Errorf("%s: cannot read it: %v", name, PathlessError(err))
		case st.IsDir():
			if _, err := os.ReadDir(name); err != nil {
				return nil, fmt.Errorf("%s: cannot list this directory: %v", name, PathlessError(err))
			}
			out = append(out, Dir{Root: name, Globs: a.Globs})
			continue
		case !st.Mode().IsRegular() && st.Mode()&(fs.ModeNamedPipe|fs.ModeCharDevice) == 0:
			return nil, fmt.Errorf("%s is not a file mcptriage can read (a socket or a device)", name)
		}
		if st.Mode().IsRegular() {
			f, err := os.Open(name)
			if err != nil {
				return nil, fmt.Errorf("%s: cannot open it: %v", name, PathlessError(err))
			}
			f.Close()
		}
		out = append(out, File(name, st.Size()))
	}
	return out, nil
}

// Pattern is a source of the files a glob pattern matches, in the order
// filepath.Glob gives them; directories among them are walked.
type Pattern struct {
	Pattern string
	Globs   []string // filter the files found in matched directories
}

// Name is the pattern.
func (p Pattern) Name() string { return p.Pattern }

// Inputs yields the matching files.
func (p Pattern) Inputs(yield func(Input) bool) Passed {
	var passed Passed
	matches, _ := filepath.Glob(p.Pattern)
	for _, m := range matches {
		st, err := os.Stat(m)
		switch {
		case err != nil:
			passed.Special++
			continue
		case st.IsDir():
			cont := true
			passed.add(Dir{Root: m, Globs: p.Globs}.Inputs(func(in Input) bool { cont = yield(in); return cont }))
			if !cont {
				return passed
			}
			continue
		case !st.Mode().IsRegular():
			passed.Special++
			continue
		}
		path := m
		if !yield(Input{Name: m, Size: st.Size(), Open: func() (io.ReadCloser, error) { return os.Open(path) }}) {
			return passed
		}
	}
	return passed
}

// PathlessError drops the path from an *os.PathError, for messages that
// name the file already.
func PathlessError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
