package lab

import (
	"bufio"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recordingFile describes a recording: its case and front, then per log
// set the set's files, the flags mcptriage gets, and the verdict.
const recordingFile = "recording.txt"

var update = flag.Bool("update", false, "rewrite the verdict lines of the recordings in testdata/lab")

// TestRecordings runs mcptriage on logs that real fronts wrote in the
// real-traffic suite (testdata/lab at the repository's top, one
// directory per case and front), without the fronts: each verdict is
// judged against the case's expectations as TestLab judges it, and must
// also be the recorded one (-update rewrites those lines after an
// intended change). Recordings keep what the suite found hard; a run of
// the suite with LAB_RECORD=dir writes new ones.
func TestRecordings(t *testing.T) {
	dirs, err := filepath.Glob("../../testdata/lab/*/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no recordings in testdata/lab: %v", err)
	}
	cases := map[string]Case{}
	for _, c := range Cases() {
		cases[c.Name] = c
	}
	for _, dir := range dirs {
		rec, err := readRecording(filepath.Join(dir, recordingFile))
		if err != nil {
			t.Fatal(err)
		}
		c, ok := cases[rec.caseName]
		if !ok {
			t.Errorf("%s: case %q is not in Cases()", dir, rec.caseName)
			continue
		}
		t.Run(rec.caseName+"/"+rec.front, func(t *testing.T) {
			changed := false
			for i := range rec.sets {
				rs := &rec.sets[i]
				var set []string
				for _, name := range rs.files {
					set = append(set, filepath.Join(dir, name))
				}
				row := &result{}
				row.want(c, set)
				v, err := analyze(t, append(append([]string{}, rs.flags...), set...)...)
				if err != nil {
					t.Errorf("%s: %v", strings.Join(rs.files, " + "), err)
					continue
				}
				row.got(v)
				if problems := judge(c, v, set); len(problems) > 0 {
					t.Errorf("%s: attempts %s, stages %s, modes %s\n\t%s", strings.Join(rs.files, " + "),
						row.Attempts, row.Stages, row.Modes, strings.Join(problems, "\n\t"))
				}
				if got := row.verdictLine(); got != rs.verdict {
					if *update {
						rs.verdict, changed = got, true
						continue
					}
					t.Errorf("%s: verdict changed\n\tgot  %s\n\twant %s\n(if intended: go test ./internal/lab -run TestRecordings -update)",
						strings.Join(rs.files, " + "), got, rs.verdict)
				}
			}
			if changed {
				if err := rec.write(filepath.Join(dir, recordingFile)); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

type recording struct {
	header          []string // comment lines, kept as they are
	caseName, front string
	sets            []recordedSet
}

type recordedSet struct {
	files, flags []string
	verdict      string
}

func readRecording(path string) (*recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rec := &recording{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		key, rest, _ := strings.Cut(line, " ")
		switch {
		case strings.HasPrefix(line, "#"):
			rec.header = append(rec.header, line)
		case key == "case":
			rec.caseName = rest
		case key == "front":
			rec.front = rest
		case key == "set":
			rec.sets = append(rec.sets, recordedSet{files: strings.Fields(rest)})
		case key == "flags" && len(rec.sets) > 0:
			rec.sets[len(rec.sets)-1].flags = strings.Fields(rest)
		case key == "verdict" && len(rec.sets) > 0:
			rec.sets[len(rec.sets)-1].verdict = rest
		}
	}
	return rec, sc.Err()
}

func (rec *recording) write(path string) error {
	var b strings.Builder
	for _, h := range rec.header {
		b.WriteString(h + "\n")
	}
	b.WriteString("case " + rec.caseName + "\nfront " + rec.front + "\n")
	for _, s := range rec.sets {
		b.WriteString("set " + strings.Join(s.files, " ") + "\nflags " + strings.Join(s.flags, " ") + "\nverdict " + s.verdict + "\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
