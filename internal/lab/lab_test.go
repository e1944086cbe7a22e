package lab

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is an app log that concurrent handlers may write to.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Each scenario, run straight against the server (no proxy), stops where
// the connector stops: the staging itself is right before any log is read.
func TestScenariosStopWhereTheConnectorStops(t *testing.T) {
	for _, sc := range Scenarios {
		if sc.Slow || sc.NoTraffic || sc.Edge && sc.Bugs == (Bugs{}) {
			continue // the proxy suite runs them: they take 10 s, or need the edge
		}
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			var appLog lockedBuffer
			srv := httptest.NewServer(NewServer(sc.Faults, &appLog))
			defer srv.Close()
			r := &Replayer{Connector: sc.URL(), Target: srv.URL, Bugs: sc.Bugs, Pace: time.Millisecond}
			out := r.Run(context.Background())
			wantConnected := sc.Mode == ""
			if out.Connected != wantConnected {
				t.Errorf("connected %v, want %v (stopped: %s)\n%s", out.Connected, wantConnected, out.Stop, steps(out))
			}
			if sc.Mode != "" && out.Stop == "" {
				t.Errorf("no stop reason for a failing scenario\n%s", steps(out))
			}
			if !strings.Contains(appLog.String(), `"msg":"request"`) {
				t.Error("the server wrote no request log")
			}
		})
	}
}

func TestHealthyFlowUsesTheConnectorsIdentities(t *testing.T) {
	var appLog lockedBuffer
	srv := httptest.NewServer(NewServer(Faults{}, &appLog))
	defer srv.Close()
	r := &Replayer{Connector: DefaultConnector, Target: srv.URL, Pace: time.Millisecond}
	out := r.Run(context.Background())
	if !out.Connected || out.Stage != 6 {
		t.Fatalf("healthy flow: stage %d, stop %q\n%s", out.Stage, out.Stop, steps(out))
	}
	uas := map[string]bool{}
	for _, s := range out.Steps {
		uas[s.UA] = true
		if strings.Contains(s.URL, "/authorize") && s.UA != BrowserUA {
			t.Errorf("%s %s sent as %s, not the browser", s.Method, s.URL, s.UA)
		}
		if strings.Contains(s.URL, "/register") && s.UA != BrokerUA {
			t.Errorf("registration sent as %s", s.UA)
		}
	}
	if !uas[BrokerUA] || !uas[MCPUA] || !uas[BrowserUA] {
		t.Errorf("user agents used: %v", uas)
	}
	for _, msg := range []string{"client registered", "token issued"} {
		if !strings.Contains(appLog.String(), msg) {
			t.Errorf("app log lacks %q", msg)
		}
	}
}

func steps(o Outcome) string {
	var b strings.Builder
	for _, s := range o.Steps {
		result := strconv.Itoa(s.Status)
		if s.Err != "" {
			result = s.Err
		}
		fmt.Fprintf(&b, "  %s %s %s → %s\n", s.Method, s.URL, s.UA, result)
	}
	return b.String()
}
