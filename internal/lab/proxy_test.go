package lab

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The real-traffic suite: every scenario through real nginx and real
// Caddy, and mcptriage on what they wrote. It skips, saying so, where
// nginx or caddy is not installed; CI installs both.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// mcptriage builds the command once per test run.
func mcptriage(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mcptriage-lab-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "mcptriage")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/mcptriage/mcptriage/cmd/mcptriage").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func proxiesInstalled(t *testing.T) []string {
	var kinds []string
	for _, k := range []string{"nginx", "caddy"} {
		if _, err := Binary(k); err == nil {
			kinds = append(kinds, k)
		} else {
			t.Logf("%s is not installed: its half of the suite is skipped (apt-get install -y nginx caddy)", k)
		}
	}
	if len(kinds) == 0 {
		t.Skip("neither nginx nor caddy is installed: the real-traffic suite is skipped (apt-get install -y nginx caddy)")
	}
	return kinds
}

// Zones nginx writes its times in, in turn: the analysis must convert
// each to UTC. POSIX strings, so no tzdata is needed.
var zones = []string{"UTC0", "EST5", "<+0530>-5:30", "CET-1"}

// run is one staged attempt behind one proxy: the logs it left.
type run struct {
	logs map[string]string
	app  string
	out  Outcome
}

func stage(t *testing.T, kind string, sc Scenario, zone string) run {
	t.Helper()
	dir := t.TempDir()
	app, err := StartApp(dir, sc.Faults)
	if err != nil {
		t.Fatal(err)
	}
	var px *Proxy
	switch kind {
	case "nginx":
		px, err = StartNginx(NginxOptions{Dir: dir, Upstream: app.Addr, TZ: zone, Edge: sc.Edge})
	case "caddy":
		if sc.Edge {
			t.Skip("the edge is staged with nginx")
		}
		px, err = StartCaddy(CaddyOptions{Dir: dir, Upstream: app.Addr})
	}
	if err != nil {
		app.Stop()
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := Noise(ctx, px.URL, 6); err != nil {
		t.Errorf("noise: %v", err)
	}
	var out Outcome
	if !sc.NoTraffic {
		r := &Replayer{Connector: sc.URL(), Target: px.URL, Bugs: sc.Bugs, Pace: 40 * time.Millisecond}
		out = r.Run(ctx)
	}
	if err := Noise(ctx, px.URL, 6); err != nil {
		t.Errorf("noise: %v", err)
	}
	if err := px.Stop(); err != nil {
		t.Error(err)
	}
	if err := app.Stop(); err != nil {
		t.Error(err)
	}
	return run{logs: px.Logs, app: app.Log, out: out}
}

// verdict is the part of mcptriage's JSON report the suite checks.
type verdict struct {
	Attempts []struct {
		Outcome            string `json:"outcome"`
		LastCompletedStage struct {
			Number int `json:"number"`
		} `json:"last_completed_stage"`
		Findings []struct {
			Mode       string `json:"mode"`
			Confidence string `json:"confidence"`
		} `json:"findings"`
	} `json:"attempts"`
	Findings []struct {
		Mode string `json:"mode"`
	} `json:"findings"`
	Inputs []struct {
		Path     string `json:"path"`
		Format   string `json:"format"`
		Skipped  int    `json:"skipped"`
		Requests int    `json:"requests"`
	} `json:"inputs"`
}

func analyze(t *testing.T, args ...string) (verdict, string) {
	t.Helper()
	bin := mcptriage(t)
	cmd := exec.Command(bin, append([]string{"analyze", "--json"}, args...)...)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		t.Fatalf("mcptriage analyze %v: %v\n%s", args, err, out)
	}
	var v verdict
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("mcptriage analyze %v: %v", args, err)
	}
	text, _ := exec.Command(bin, append([]string{"analyze", "--color", "never"}, args...)...).CombinedOutput()
	return v, string(text)
}

// logSets are the combinations a user would analyze: each access log on
// its own (with the edge's log when there is an edge), and with the
// server's own log.
func logSets(kind string, r run) [][]string {
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
		sets = append(sets, set, append(append([]string{}, set...), r.app))
	}
	return sets
}

func TestRealProxies(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the real-traffic suite takes about a minute")
	}
	kinds := proxiesInstalled(t)
	mcptriage(t)
	for i, sc := range Scenarios {
		zone := zones[i%len(zones)]
		for _, kind := range kinds {
			t.Run(sc.Name+"/"+kind, func(t *testing.T) {
				t.Parallel()
				r := stage(t, kind, sc, zone)
				for _, set := range logSets(kind, r) {
					args := set
					if sc.TypedURL {
						args = append([]string{"--server", sc.URL()}, args...)
					}
					if sc.Error != "" {
						args = append([]string{"--error", sc.Error}, args...)
					}
					v, text := analyze(t, args...)
					if problem := judge(sc, v, decides(sc, set)); problem != "" {
						t.Errorf("%s (nginx TZ %s): %s\nreplayer stopped: %q\n%s\nlogs:\n%s", names(set), zone, problem, r.out.Stop, text, dump(set))
					}
					for _, in := range v.Inputs {
						if in.Skipped > 0 {
							t.Errorf("%s: %d lines skipped (format %s)\n%s", filepath.Base(in.Path), in.Skipped, in.Format, dump([]string{in.Path}))
						}
					}
				}
			})
		}
	}
}

// decides: the set holds a log whose evidence decides the scenario's mode.
func decides(sc Scenario, set []string) bool {
	if len(sc.DecidedBy) == 0 {
		return true
	}
	for _, p := range set {
		for _, d := range sc.DecidedBy {
			if filepath.Base(p) == d {
				return true
			}
		}
	}
	return false
}

// judge says what is wrong with a verdict, or "". Where the logs given
// cannot decide the mode, mcptriage must name it among its candidates or
// claim nothing above low confidence.
func judge(sc Scenario, v verdict, decisive bool) string {
	if sc.NoTraffic {
		if len(v.Attempts) != 0 {
			return fmt.Sprintf("%d attempts in a log with no connector traffic", len(v.Attempts))
		}
		if len(v.Findings) == 0 || v.Findings[0].Mode != sc.Mode {
			return fmt.Sprintf("run findings %v, want %s", v.Findings, sc.Mode)
		}
		return ""
	}
	if len(v.Attempts) != 1 {
		return fmt.Sprintf("%d attempts, want 1", len(v.Attempts))
	}
	a := v.Attempts[0]
	// Where the evidence is not in the logs, neither is the stage it broke.
	if decisive && a.LastCompletedStage.Number != sc.Stage {
		return fmt.Sprintf("last completed stage %d, want %d", a.LastCompletedStage.Number, sc.Stage)
	}
	var modes []string
	for _, f := range a.Findings {
		modes = append(modes, f.Mode+"/"+f.Confidence)
	}
	if sc.Mode == "" {
		if a.Outcome != "connected" {
			return "outcome " + a.Outcome + ", want connected"
		}
		for _, f := range a.Findings {
			if f.Confidence != "low" {
				return fmt.Sprintf("a healthy attempt has findings %v", modes)
			}
		}
		return ""
	}
	if len(a.Findings) == 0 {
		return "no finding, want " + sc.Mode
	}
	if !decisive {
		for _, f := range a.Findings {
			if f.Mode == sc.Mode {
				return ""
			}
		}
		if a.Findings[0].Confidence == "low" {
			return ""
		}
		return fmt.Sprintf("findings %v claim more than these logs show (%s is the cause)", modes, sc.Mode)
	}
	if a.Findings[0].Mode != sc.Mode {
		return fmt.Sprintf("findings %v, want %s first", modes, sc.Mode)
	}
	return ""
}

func names(paths []string) string {
	var n []string
	for _, p := range paths {
		n = append(n, filepath.Base(p))
	}
	return strings.Join(n, " + ")
}

func dump(paths []string) string {
	var b strings.Builder
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		fmt.Fprintf(&b, "--- %s\n%s", filepath.Base(p), data)
	}
	return b.String()
}

// TestMain lets more scenarios run at once than there are cores (they
// mostly wait on the network and on the connector's pauses), unless
// -parallel was given.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set && runtime.GOMAXPROCS(0) < 8 {
		flag.Set("test.parallel", "8")
	}
	os.Exit(m.Run())
}

// One log, three attempts with ordinary traffic around them, the owner
// fixing the server in between (as the demo tells it): each attempt is
// found and diagnosed on its own, from a log written in a zone other
// than UTC.
func TestSeveralAttemptsInOneLog(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the real-traffic suite takes about a minute")
	}
	steps := []struct {
		faults Faults
		mode   string
	}{
		{Faults{NoPRM: true, OAuthUnderPrefix: true}, "prm_not_found"},
		{Faults{ConsentRedirect: 307}, "callback_redirect_307"},
		{Faults{}, ""},
	}
	for _, kind := range proxiesInstalled(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			app, err := StartApp(dir, steps[0].faults)
			if err != nil {
				t.Fatal(err)
			}
			defer app.Stop()
			var px *Proxy
			if kind == "nginx" {
				px, err = StartNginx(NginxOptions{Dir: dir, Upstream: app.Addr, TZ: "<-03>3"})
			} else {
				px, err = StartCaddy(CaddyOptions{Dir: dir, Upstream: app.Addr})
			}
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for i, st := range steps {
				app.Server.SetFaults(st.faults)
				if err := Noise(ctx, px.URL, 8); err != nil {
					t.Fatal(err)
				}
				// Users retry within seconds; the connector's own retries
				// come faster still.
				time.Sleep(1500 * time.Millisecond)
				r := &Replayer{Connector: DefaultConnector, Target: px.URL, Pace: 40 * time.Millisecond,
					Egress: []string{fmt.Sprintf("160.79.106.%d", 30+i), "160.79.106.121"}}
				r.Run(ctx)
			}
			Noise(ctx, px.URL, 8)
			if err := px.Stop(); err != nil {
				t.Fatal(err)
			}
			for name, path := range px.Logs {
				v, text := analyze(t, path)
				if len(v.Attempts) != len(steps) {
					t.Errorf("%s: %d attempts, want %d\n%s", name, len(v.Attempts), len(steps), text)
					continue
				}
				for i, st := range steps {
					a := v.Attempts[i]
					switch {
					case st.mode == "" && a.Outcome != "connected":
						t.Errorf("%s: attempt %d: %s, want connected\n%s", name, i+1, a.Outcome, text)
					case st.mode != "" && (len(a.Findings) == 0 || a.Findings[0].Mode != st.mode):
						t.Errorf("%s: attempt %d: findings %+v, want %s first\n%s", name, i+1, a.Findings, st.mode, text)
					}
				}
			}
		})
	}
}
