package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestJudgeCommand(t *testing.T) {
	dir := t.TempDir()
	truth := filepath.Join(dir, "truth.json")
	rep := filepath.Join(dir, "report.json")
	os.WriteFile(truth, []byte(`{"attempts":[{"n":1,"start":"2026-11-24T09:52:14.693Z","end":"2026-11-24T09:52:15.455Z","stage":2,"stage_name":"discovery","outcome":"failed","mode":"dcr_auth_method_rejected","lines":[3,4,5,6]}]}`), 0o644)
	os.WriteFile(rep, []byte(`{"version":1,"attempts":[{"start":"2026-11-24T09:52:14Z","end":"2026-11-24T09:52:15Z","outcome":"failed","last_completed_stage":{"number":2},"findings":[{"mode":"dcr_auth_method_rejected","confidence":"high"}]},{"start":"2026-11-24T11:00:00Z","end":"2026-11-24T11:00:01Z","outcome":"failed","last_completed_stage":{"number":1},"findings":[]}],"notes":["the logs held more than it keeps"]}`), 0o644)
	var out, errOut bytes.Buffer
	if code := judge([]string{truth, rep}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "right 1 of 1, wrong 0, missed 0, spurious 1\n") || !strings.HasSuffix(out.String(), "note: the logs held more than it keeps\n") {
		t.Errorf("verdict:\n%s", out.String())
	}
	for _, args := range [][]string{{truth}, {truth, filepath.Join(dir, "none.json")}, {rep, truth}} {
		out.Reset()
		errOut.Reset()
		if code := judge(args, &out, &errOut); code != 2 || errOut.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut.String())
		}
	}
}
