package lab

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestExploreFronts(t *testing.T) {
	if os.Getenv("LAB_EXPLORE") == "" {
		t.Skip()
	}
	for _, f := range Fronts {
		t.Run(f.Name, func(t *testing.T) {
			if err := f.Available(); err != nil {
				t.Skip(err)
			}
			dir := t.TempDir()
			app, err := StartApp(dir, Faults{TokenDelay: 12 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			px, err := f.Start(dir, app.Addr)
			if err != nil {
				t.Fatal(err)
			}
			r := &Replayer{Connector: DefaultConnector, Target: px.URL, Pace: 20 * time.Millisecond}
			out := r.Run(context.Background())
			t.Logf("stage %d stop %q", out.Stage, out.Stop)
			if err := px.Stop(); err != nil {
				t.Error(err)
			}
			app.Stop()
			for name, p := range px.Logs {
				b, _ := os.ReadFile(p)
				t.Logf("--- %s\n%s", name, b)
			}
		})
	}
}
