package lab

import (
	"context"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcptriage/mcptriage/probe"
)

// The probe against real nginx with TLS in front of the scenario server:
// healthy, everything passes; with the edge rule that answers Claude-User
// 403, the probe predicts the block before anyone clicks Connect.
func TestProbeThroughNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	if _, err := Binary("nginx"); err != nil {
		t.Skip(err)
	}
	ca, err := NewPKI()
	if err != nil {
		t.Fatal(err)
	}
	for _, edge := range []bool{false, true} {
		dir := t.TempDir()
		cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		if err := WritePEM(ca.Full, cert, key); err != nil {
			t.Fatal(err)
		}
		app, err := StartApp(dir, Faults{})
		if err != nil {
			t.Fatal(err)
		}
		px, err := StartNginx(NginxOptions{Dir: dir, Upstream: app.Addr, Edge: edge, TLSCert: cert, TLSKey: key})
		if err != nil {
			app.Stop()
			t.Fatal(err)
		}
		addr := strings.TrimPrefix(px.URL, "https://")
		res, err := probe.Run(context.Background(), probe.Options{
			URL: DefaultConnector, Register: true, Timeout: 5 * time.Second,
			Resolve: func(context.Context, string) ([]netip.Addr, error) {
				return []netip.Addr{netip.MustParseAddr("203.0.113.10")}, nil
			},
			Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			},
			RootCAs: ca.Roots,
		})
		px.Stop()
		app.Stop()
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, c := range res.Checks {
			lines = append(lines, c.ID+" "+string(c.Status)+" "+string(c.Mode)+": "+c.Summary)
		}
		got := strings.Join(lines, "\n")
		switch {
		case !edge && res.Worst() != probe.Pass:
			t.Errorf("healthy behind nginx: worst %s\n%s", res.Worst(), got)
		case edge && (len(res.Predicted()) == 0 || res.Predicted()[0] != "edge_blocks_claude_user"):
			t.Errorf("behind the edge rule: predicted %v\n%s", res.Predicted(), got)
		}
	}
}
