package lab

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Helpers of the real-traffic suite (suite_test.go): the mcptriage
// binary, its JSON verdict, and how a failure shows the logs.

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

// verdict is the part of mcptriage's JSON report the suite checks.
type verdict struct {
	Attempts []attemptVerdict `json:"attempts"`
	Findings []struct {
		Mode string `json:"mode"`
	} `json:"findings"`
	Inputs []struct {
		Path         string   `json:"path"`
		Format       string   `json:"format"`
		Skipped      int      `json:"skipped"`
		Requests     int      `json:"requests"`
		FirstSkipped []string `json:"first_skipped"`
	} `json:"inputs"`
}

type attemptVerdict struct {
	Outcome            string `json:"outcome"`
	LastCompletedStage struct {
		Number int `json:"number"`
	} `json:"last_completed_stage"`
	Findings []struct {
		Mode       string `json:"mode"`
		Confidence string `json:"confidence"`
	} `json:"findings"`
}

// analyze runs mcptriage analyze --json; an exit other than 0 or 1 (a
// failure was found) is an error.
func analyze(t *testing.T, args ...string) (verdict, error) {
	t.Helper()
	bin := mcptriage(t)
	cmd := exec.Command(bin, append([]string{"analyze", "--json"}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	var v verdict
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		return v, fmt.Errorf("mcptriage analyze: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return v, fmt.Errorf("mcptriage analyze: the JSON report does not decode: %v", err)
	}
	return v, nil
}

// analyzeText is mcptriage's terminal view, for a failure's details.
func analyzeText(args ...string) string {
	text, _ := exec.Command(binPath, append([]string{"analyze", "--color", "never"}, args...)...).CombinedOutput()
	return string(text)
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
	if !set && runtime.GOMAXPROCS(0) < 16 {
		flag.Set("test.parallel", "16")
	}
	os.Exit(m.Run())
}
