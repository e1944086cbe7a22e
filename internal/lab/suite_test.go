package lab

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The real-traffic suite: every case (one scenario, or several presses
// of Connect in one log) behind every real front, with a busy server's
// crowd around and during the attempts, and mcptriage on each log the
// front wrote, alone and with the server's own log.
//
// Run a subset with -run: TestLab/<case>/<front>, e.g.
//
//	go test ./internal/lab -run 'TestLab/token_endpoint_slow/uvicorn'
//	go test ./internal/lab -run 'TestLab/seq_'
//	LAB_FRONTS=haproxy,apache go test ./internal/lab -run TestLab
//
// Each wrong verdict is logged ("wrong: ..."); the suite fails when a
// front's share of log sets judged right falls under its floor in
// testdata/floor.txt, or when a front broke a flow itself. LAB_STRICT=1
// fails on every wrong verdict. LAB_REPORT=file writes the table of every
// log set's verdict (got vs want); LAB_KEEP=dir keeps the logs of every
// wrong run; LAB_RECORD=dir keeps the right ones with their verdicts, the
// makings of testdata/lab recordings; LAB_VERBOSE=1 prints mcptriage's
// view and the logs with each wrong one.
func TestLab(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the real-traffic suite takes a few minutes")
	}
	fronts := availableFronts(t)
	if len(fronts) == 0 {
		t.Skip("no front is installed: the real-traffic suite is skipped")
	}
	mcptriage(t)
	table := &results{}
	t.Cleanup(func() { table.report(t) })
	for ci, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			for fi, f := range fronts {
				if !c.RunsOn(f.Name) {
					continue
				}
				t.Run(f.Name, func(t *testing.T) {
					t.Parallel()
					began := time.Now()
					run := stageCase(t, f, c)
					if problem := run.staging(c); problem != "" {
						// A real front under load may drop a connection now
						// and then (gunicorn's worker, a proxy's accept
						// queue): the suite judges mcptriage, so such a
						// case is staged once more before it counts.
						t.Logf("%s × %s: the staging went wrong (%s); staging it once more", c.Name, f.Name, problem)
						run = stageCase(t, f, c)
					}
					staged := time.Now()
					defer func() {
						t.Logf("staged in %v, judged in %v", staged.Sub(began).Round(100*time.Millisecond), time.Since(staged).Round(100*time.Millisecond))
					}()
					t.Logf("%d requests: %d the connector's, %d the crowd's (%.0f%%)", run.connector+run.crowd,
						run.connector, run.crowd, 100*float64(run.crowd)/float64(max(1, run.connector+run.crowd)))
					if problem := run.staging(c); problem != "" {
						// The front broke the flow itself: nothing to judge.
						t.Errorf("%s × %s: the staging went wrong, not mcptriage: %s", c.Name, f.Name, problem)
						keep(c.Name, f.Name, run.all())
						return
					}
					for _, set := range run.sets() {
						check(t, c, f.Name, run, set, table.add(ci, fi))
					}
				})
			}
		})
	}
}

// availableFronts are the fronts installed here (LAB_FRONTS narrows
// them); each missing one is named with what to install.
func availableFronts(t *testing.T) []Front {
	var only []string
	if v := os.Getenv("LAB_FRONTS"); v != "" {
		only = strings.Split(v, ",")
	}
	var out []Front
	for _, f := range Fronts {
		if only != nil && !slices.Contains(only, f.Name) {
			continue
		}
		if err := f.Available(); err != nil {
			t.Logf("%s is skipped: %v (%s)", f.Name, err, f.Install)
			continue
		}
		out = append(out, f)
	}
	return out
}

// caseRun is what one case left behind one front.
type caseRun struct {
	logs  map[string]string // the front's logs (and the edge's), by name
	zones map[string]string // --tz for the logs that write no zone
	app   string            // the server's own JSON log
	outs  []Outcome
	// Requests made by the connector and by the crowd.
	connector, crowd int
}

// Pauses around the presses, filled by the crowd alone.
const (
	leadIn  = 700 * time.Millisecond
	leadOut = 700 * time.Millisecond
)

func stageCase(t *testing.T, f Front, c Case) caseRun {
	t.Helper()
	dir := t.TempDir()
	first := Faults{}
	if len(c.Presses) > 0 {
		first = c.Presses[0].Faults
	}
	app, err := StartApp(dir, first)
	if err != nil {
		t.Fatal(err)
	}
	var px *Proxy
	// A front that lost its port to another process is started again on
	// another one.
	for try := 0; try < 3; try++ {
		if c.Edge() {
			px, err = StartNginx(NginxOptions{Dir: dir, Upstream: app.Addr, TZ: "EST5", Edge: true})
		} else {
			px, err = f.Start(dir, app.Addr)
		}
		if err == nil || !strings.Contains(err.Error(), "exited") && !strings.Contains(err.Error(), "could not bind") {
			break
		}
		t.Logf("%s did not start, trying another port: %v", f.Name, err)
	}
	if err != nil {
		app.Stop()
		t.Fatalf("%s did not start: %v", f.Name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	path, legacy := crowdPath(first)
	h := fnv.New64a()
	h.Write([]byte(c.Name + "/" + f.Name))
	// The case's own connections, closed before the front stops: a front
	// waits for its clients' idle keep-alive connections on a graceful stop.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	crowd := &Crowd{Target: px.URL, MCPPath: path, Legacy: legacy, NoForward: c.NoForward, Quiet: c.Quiet, Seed: h.Sum64(), Transport: tr}
	crowd.Start(ctx)
	run := caseRun{logs: px.Logs, zones: px.Zones, app: app.Log}
	sleep(ctx, leadIn)
	if len(c.Presses) == 0 {
		sleep(ctx, 3*time.Second) // a while of the crowd alone
	}
	for i, p := range c.Presses {
		sleep(ctx, p.Gap)
		app.Server.SetFaults(p.Faults)
		r := &Replayer{Connector: p.URL(), Target: px.URL, Bugs: p.Bugs, Pace: 40 * time.Millisecond,
			NoForward: c.NoForward, Transport: tr, Egress: []string{fmt.Sprintf("160.79.106.%d", 35+i), "160.79.106.121"}}
		out := r.Run(ctx)
		run.outs = append(run.outs, out)
		run.connector += len(out.Steps)
	}
	sleep(ctx, leadOut)
	run.crowd = crowd.Stop()
	tr.CloseIdleConnections()
	if !app.Server.Settle(15 * time.Second) {
		t.Log("the server still had requests in progress 15 s after the crowd stopped")
	}
	app.Hangup()
	staged := time.Now()
	if err := px.Stop(); err != nil {
		t.Error(err)
	}
	if err := app.Stop(); err != nil {
		t.Error(err)
	}
	if d := time.Since(staged); d > 3*time.Second {
		t.Logf("%s took %v to stop", f.Name, d.Round(100*time.Millisecond))
	}
	return run
}

// staging says how the connector's side of the case went wrong, if it
// did: each press must end as its scenario does when the scenario server
// is reached directly (TestScenariosStopWhereTheConnectorStops), and no
// request of a press may fail for want of an answer unless the scenario
// waits out a deadline.
func (r caseRun) staging(c Case) string {
	for i, p := range c.Presses {
		o := r.outs[i]
		wantConnected := p.Mode == ""
		if p.Edge {
			wantConnected = false
		}
		if o.Connected != wantConnected {
			return fmt.Sprintf("press %d connected %v, want %v (stopped: %s)\n%s", i+1, o.Connected, wantConnected, o.Stop, steps(o))
		}
		for _, st := range o.Steps {
			if st.Err != "" && !p.Slow {
				return fmt.Sprintf("press %d: %s %s: %s\n%s", i+1, st.Method, st.URL, st.Err, steps(o))
			}
		}
	}
	return ""
}

// sets are the combinations a user would analyze: each of the front's
// logs on its own (with the edge's log when there is an edge), and with
// the server's own log.
func (r caseRun) sets() [][]string {
	var names []string
	for name := range r.logs {
		if name != "edge.log" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var sets [][]string
	for _, n := range names {
		set := []string{r.logs[n]}
		if edge, ok := r.logs["edge.log"]; ok {
			set = append([]string{edge}, set...)
		}
		sets = append(sets, set, append(slices.Clone(set), r.app))
	}
	return sets
}

// args are mcptriage's arguments for a log set, as the user would give
// them: the typed URL and Claude's message where the case has them, the
// zone of a log that writes none.
func (r caseRun) args(c Case, set []string) []string {
	var args []string
	if u := c.TypedURL(); u != "" {
		args = append(args, "--server", u)
	}
	if e := c.Error(); e != "" {
		args = append(args, "--error", e)
	}
	for _, p := range set {
		if z, ok := r.zones[filepath.Base(p)]; ok {
			args = append(args, "--tz", z)
			break
		}
	}
	return append(args, set...)
}

// requestLine is a skipped line that was a request (not a server's own
// start or stop message): dropping it loses evidence.
var requestLine = regexp.MustCompile(`"(GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH) /|\b(GET|POST) /\S* `)

func check(t *testing.T, c Case, front string, run caseRun, set []string, row *result) {
	t.Helper()
	row.Case, row.Front, row.Set = c.Name, front, names(set)
	row.want(c, set)
	v, err := analyze(t, run.args(c, set)...)
	if err != nil {
		row.Problems = []string{err.Error()}
	} else {
		row.got(v)
		row.Problems = judge(c, v, set)
		for _, in := range v.Inputs {
			row.Skipped += in.Skipped
			for _, line := range in.FirstSkipped {
				if requestLine.MatchString(line) {
					row.Problems = append(row.Problems, fmt.Sprintf("%s: request lines skipped (%d skipped), e.g. %q", filepath.Base(in.Path), in.Skipped, line))
					break
				}
			}
		}
	}
	if len(row.Problems) == 0 {
		record(c, front, run, set, row)
		return
	}
	// A wrong verdict fails the suite through its front's floor (see
	// report); LAB_STRICT=1 fails each one, for work on a case.
	wrong := t.Logf
	if os.Getenv("LAB_STRICT") != "" {
		wrong = t.Errorf
	}
	wrong("wrong: %s × %s × %s: attempts %s, stages %s, modes %s\n\t%s", c.Name, front, row.Set,
		row.Attempts, row.Stages, row.Modes, strings.Join(row.Problems, "\n\t"))
	if os.Getenv("LAB_VERBOSE") != "" {
		t.Logf("replayer: %s\nmcptriage:\n%s\nlogs:\n%s", stops(run.outs), analyzeText(run.args(c, set)...), dump(set))
	}
	keep(c.Name, front, append(slices.Clone(set), run.app))
}

// record copies a run judged right, with its arguments and verdict,
// where LAB_RECORD says: the makings of a regression recording
// (recordings_test.go).
func record(c Case, front string, run caseRun, set []string, row *result) {
	dir := os.Getenv("LAB_RECORD")
	if dir == "" {
		return
	}
	recordMu.Lock()
	defer recordMu.Unlock()
	dst := filepath.Join(dir, c.Name, front)
	os.MkdirAll(dst, 0o755)
	for _, p := range set {
		if b, err := os.ReadFile(p); err == nil {
			os.WriteFile(filepath.Join(dst, filepath.Base(p)), b, 0o644)
		}
	}
	var flags []string
	for _, a := range run.args(c, set) {
		if !slices.Contains(set, a) {
			flags = append(flags, a)
		}
	}
	f, err := os.OpenFile(filepath.Join(dst, recordingFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	if st, _ := f.Stat(); st.Size() == 0 {
		fmt.Fprintf(f, "# %s behind %s, staged by internal/lab (LAB_RECORD=dir go test ./internal/lab -run TestLab).\ncase %s\nfront %s\n", c.Name, front, c.Name, front)
	}
	fmt.Fprintf(f, "set %s\nflags %s\nverdict %s\n", strings.Join(namesOf(set), " "), strings.Join(flags, " "), row.verdictLine())
}

var recordMu sync.Mutex

func namesOf(paths []string) []string {
	var n []string
	for _, p := range paths {
		n = append(n, filepath.Base(p))
	}
	return n
}

// verdictLine is what a recording keeps of a verdict: the attempts, each
// one's last completed stage and first mode.
func (r *result) verdictLine() string {
	return fmt.Sprintf("attempts %d; stages %s; modes %s", r.gotAttempts, strings.Join(r.gotStages, ","), strings.Join(r.gotModes, ","))
}

// keep copies a failing run's files where LAB_KEEP says.
func keep(caseName, front string, paths []string) {
	dir := os.Getenv("LAB_KEEP")
	if dir == "" {
		return
	}
	dst := filepath.Join(dir, caseName, front)
	os.MkdirAll(dst, 0o755)
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			os.WriteFile(filepath.Join(dst, filepath.Base(p)), b, 0o644)
		}
	}
}

// all are every file the run left: the logs, the server's, and the
// front's own output.
func (r caseRun) all() []string {
	out := []string{r.app, filepath.Join(filepath.Dir(r.app), "proxy.out")}
	for _, p := range r.logs {
		out = append(out, p)
	}
	return out
}

func stops(outs []Outcome) string {
	var s []string
	for i, o := range outs {
		s = append(s, fmt.Sprintf("press %d: stage %d, %q", i+1, o.Stage, o.Stop))
	}
	return strings.Join(s, "; ")
}

// judge says what is wrong with a verdict on one log set: the attempt
// count, then per press the last completed stage and the first mode (as
// far as the set can show them), and no medium or high finding on an
// attempt called connected.
func judge(c Case, v verdict, set []string) []string {
	var problems []string
	for i, a := range v.Attempts {
		if a.Outcome != "connected" {
			continue
		}
		for _, f := range a.Findings {
			if f.Confidence == "medium" || f.Confidence == "high" {
				problems = append(problems, fmt.Sprintf("attempt %d is connected yet has %s (%s)", i+1, f.Mode, f.Confidence))
				break
			}
		}
	}
	if len(c.Presses) == 0 {
		if len(v.Attempts) != 0 {
			problems = append(problems, fmt.Sprintf("%d attempts in a log with no connector traffic", len(v.Attempts)))
		}
		if len(v.Findings) == 0 || v.Findings[0].Mode != "no_connector_traffic" {
			var got []string
			for _, f := range v.Findings {
				got = append(got, f.Mode)
			}
			problems = append(problems, fmt.Sprintf("run findings %v, want no_connector_traffic first", got))
		}
		return problems
	}
	// Presses no log can tell from other clients' flows are not held to
	// anything: the verdict may find them (by order) or not. The others
	// are held, in order, either among all presses or alone.
	var marked []Press
	for _, p := range c.Presses {
		if c.evidenceIn(p, set) != anonymous {
			marked = append(marked, p)
		}
	}
	if len(marked) == 0 {
		return problems // only the rule above holds
	}
	held := c.Presses
	switch len(v.Attempts) {
	case len(c.Presses):
	case len(marked):
		held = marked
	default:
		want := fmt.Sprint(len(c.Presses))
		if len(marked) < len(c.Presses) {
			want = fmt.Sprintf("%d (or %d: the others cannot be told from other clients')", len(marked), len(c.Presses))
		}
		return append(problems, fmt.Sprintf("%d attempts, want %s", len(v.Attempts), want))
	}
	for i, p := range held {
		ev := c.evidenceIn(p, set)
		if ev == anonymous {
			continue
		}
		if problem := judgeAttempt(p, v.Attempts[i], ev); problem != "" {
			problems = append(problems, fmt.Sprintf("attempt %d: %s", i+1, problem))
		}
	}
	return problems
}

func judgeAttempt(p Press, a attemptVerdict, ev evidence) string {
	var modes []string
	among := false
	for _, f := range a.Findings {
		modes = append(modes, f.Mode+"/"+f.Confidence)
		among = among || f.Mode == p.Mode
	}
	firstLow := len(a.Findings) == 0 || a.Findings[0].Confidence == "low"
	if ev == blind {
		if p.Mode == "" || among || firstLow {
			return ""
		}
		return fmt.Sprintf("findings %v claim more than these logs show (%s is the cause)", modes, p.Mode)
	}
	// "Nothing completes" (the catalogue's –) is stage 0 to mcptriage when
	// requests reached the server: reachability is all that held.
	if got, want := a.LastCompletedStage.Number, max(p.Stage, 0); got != want {
		return fmt.Sprintf("last completed stage %s, want %s", stageName(got), stageName(p.Stage))
	}
	if p.Mode == "" {
		if a.Outcome != "connected" {
			return "outcome " + a.Outcome + ", want connected"
		}
		return ""
	}
	if len(a.Findings) == 0 {
		return "no finding, want " + p.Mode
	}
	if ev == tied {
		if among || firstLow {
			return ""
		}
		return fmt.Sprintf("findings %v, want %s among the tied candidates (these logs cannot decide)", modes, p.Mode)
	}
	// A mode the leading finding is tied with (the same confidence, the
	// same deciding step) is as first as the rule order's pick: the logs
	// cannot decide between them, and mcptriage says so.
	if f := a.Findings[0]; f.Mode != p.Mode && !slices.Contains(f.TiedWith, p.Mode) {
		return fmt.Sprintf("findings %v, want %s first (or tied with the first)", modes, p.Mode)
	}
	return ""
}

// result is one row of the suite's table: a log set's verdict against
// the case's expectations.
type result struct {
	caseIdx, frontIdx int

	Case, Front, Set        string
	Attempts, Stages, Modes string // "got / want"
	Evidence                string
	Skipped                 int
	Problems                []string

	wantStages, wantModes, gotStages, gotModes []string
	wantAttempts, gotAttempts                  int
}

func (r *result) want(c Case, set []string) {
	r.wantAttempts = len(c.Presses)
	var ev []string
	for _, p := range c.Presses {
		e := c.evidenceIn(p, set)
		ev = append(ev, e.String())
		stage, mode := stageName(p.Stage), p.Mode
		if mode == "" {
			mode = "connected"
		}
		switch e {
		case tied:
			mode = "~" + mode
		case blind:
			stage, mode = "?", "?"+mode
		case anonymous:
			stage, mode = "*", "*"
		}
		r.wantStages, r.wantModes = append(r.wantStages, stage), append(r.wantModes, mode)
	}
	if len(c.Presses) == 0 {
		r.wantModes = []string{"no_connector_traffic"}
	}
	r.Evidence = strings.Join(ev, ",")
	r.fill()
}

func (r *result) got(v verdict) {
	r.gotAttempts = len(v.Attempts)
	for _, a := range v.Attempts {
		r.gotStages = append(r.gotStages, stageName(a.LastCompletedStage.Number))
		mode := ""
		if a.Outcome == "connected" {
			mode = "connected"
		}
		for _, f := range a.Findings {
			if f.Confidence == "low" && mode == "connected" {
				continue
			}
			m := f.Mode
			if f.Confidence != "high" {
				m += "(" + f.Confidence + ")"
			}
			if mode != "" {
				mode += "+" + m
			} else {
				mode = m
			}
			break
		}
		if mode == "" {
			mode = "none"
		}
		r.gotModes = append(r.gotModes, mode)
	}
	if len(v.Attempts) == 0 && len(v.Findings) > 0 {
		r.gotModes = []string{v.Findings[0].Mode}
	}
	r.fill()
}

func (r *result) fill() {
	r.Attempts = fmt.Sprintf("%d / %d", r.gotAttempts, r.wantAttempts)
	r.Stages = strings.Join(r.gotStages, ",") + " / " + strings.Join(r.wantStages, ",")
	r.Modes = strings.Join(r.gotModes, ",") + " / " + strings.Join(r.wantModes, ",")
}

type results struct {
	mu   sync.Mutex
	rows []*result
}

func (rs *results) add(caseIdx, frontIdx int) *result {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r := &result{caseIdx: caseIdx, frontIdx: frontIdx}
	rs.rows = append(rs.rows, r)
	return r
}

// report logs the tally per front and writes the whole table where
// LAB_REPORT says.
func (rs *results) report(t *testing.T) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	sort.SliceStable(rs.rows, func(i, j int) bool {
		a, b := rs.rows[i], rs.rows[j]
		if a.caseIdx != b.caseIdx {
			return a.caseIdx < b.caseIdx
		}
		if a.frontIdx != b.frontIdx {
			return a.frontIdx < b.frontIdx
		}
		return a.Set < b.Set
	})
	type tally struct{ ok, all int }
	byFront := map[string]*tally{}
	var order []string
	var b strings.Builder
	b.WriteString("| case | front | log set | evidence | attempts got / want | stages got / want | first mode got / want | ok |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs.rows {
		if r.Case == "" {
			continue // a run that failed before its logs were read
		}
		if byFront[r.Front] == nil {
			byFront[r.Front] = &tally{}
			order = append(order, r.Front)
		}
		byFront[r.Front].all++
		ok := "ok"
		if len(r.Problems) > 0 {
			ok = "**no**"
		} else {
			byFront[r.Front].ok++
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Case, r.Front, r.Set, r.Evidence, r.Attempts, r.Stages, r.Modes, ok)
	}
	var summary []string
	for _, f := range order {
		summary = append(summary, fmt.Sprintf("%s %d/%d", f, byFront[f].ok, byFront[f].all))
	}
	t.Logf("log sets judged right, per front: %s", strings.Join(summary, ", "))
	floors, err := readFloors(floorFile)
	if err != nil {
		t.Error(err)
	}
	for _, f := range order {
		tl := byFront[f]
		if floor, ok := floors[f]; ok && float64(tl.ok) < floor*float64(tl.all) {
			t.Errorf("%s: %d of %d log sets judged right (%.1f%%), under the floor of %.1f%% in %s; the wrong ones are logged above (\"wrong:\")",
				f, tl.ok, tl.all, 100*float64(tl.ok)/float64(tl.all), 100*floor, floorFile)
		}
	}
	if path := os.Getenv("LAB_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Errorf("LAB_REPORT: %v", err)
		}
	}
}

// floorFile holds, per front, the share of log sets the suite must judge
// right: the measured share, less a margin for the crowd's timing, which
// differs from run to run. Raise a floor when mcptriage gets better.
const floorFile = "testdata/floor.txt"

func readFloors(path string) (map[string]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the suite's floors: %v", err)
	}
	floors := map[string]float64{}
	for i, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var front string
		var pct float64
		if _, err := fmt.Sscanf(line, "%s %f%%", &front, &pct); err != nil {
			return nil, fmt.Errorf("%s:%d: want \"<front> <percent>%%\", got %q", path, i+1, line)
		}
		floors[front] = pct / 100
	}
	return floors, nil
}
