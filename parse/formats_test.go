package parse

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"
)

var updateFormats = flag.Bool("update-formats", false, "rewrite the want sections of testdata/formats (review the diff!)")

// TestFormats reads every testdata/formats/*.txtar: a log in some format,
// the events it must give (one compact line each), and optionally the
// lines it must skip. The comment may set options:
//
//	tz Europe/Madrid
//	cloudflare-fields ClientIP,EdgeStartTimestamp,...
//	json-field status=response.code
func TestFormats(t *testing.T) {
	files, err := filepath.Glob("testdata/formats/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no format fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cfg := Config{}
			var secrets []string
			for _, l := range strings.Split(string(ar.Comment), "\n") {
				k, v, _ := strings.Cut(strings.TrimSpace(l), " ")
				switch k {
				case "secret":
					secrets = append(secrets, v)
				case "tz":
					loc, err := time.LoadLocation(v)
					if err != nil {
						t.Fatal(err)
					}
					cfg.Location, cfg.TZExplicit = loc, true
				case "cloudflare-fields":
					cfg.CloudflareFields = strings.Split(v, ",")
				case "json-field":
					name, path, _ := strings.Cut(v, "=")
					if cfg.JSONFields == nil {
						cfg.JSONFields = map[string]string{}
					}
					cfg.JSONFields[name] = path
				}
			}
			var logName string
			var logData, want, wantSkips []byte
			for _, f := range ar.Files {
				switch f.Name {
				case "want":
					want = f.Data
				case "skipped":
					wantSkips = f.Data
				default:
					logName, logData = f.Name, f.Data
				}
			}
			ps, err := Parsers(cfg)
			if err != nil {
				t.Fatal(err)
			}
			s := NewScanner(bytes.NewReader(logData), logName, ps, 0)
			var got strings.Builder
			for s.Next() {
				ev := s.Event()
				if LookupFormat(ev.Format) == nil {
					t.Errorf("line %d: format %q is not declared in Formats", ev.Pos.Line, ev.Format)
				}
				got.WriteString(compact(ev) + "\n")
				for _, secret := range secrets {
					if strings.Contains(ev.Text+ev.Message+ev.Location+ev.RawQuery+ev.WWWAuthenticate, secret) {
						t.Errorf("line %d keeps the secret %q", ev.Pos.Line, secret)
					}
				}
			}
			var skips strings.Builder
			for _, sk := range s.Stats().FirstSkipped {
				skips.WriteString(sk.Error() + "\n")
			}
			if s.Err() != nil {
				skips.WriteString("error: " + s.Err().Error() + "\n")
			}
			if *updateFormats {
				for i := range ar.Files {
					switch ar.Files[i].Name {
					case "want":
						ar.Files[i].Data = []byte(got.String())
					case "skipped":
						ar.Files[i].Data = []byte(skips.String())
					}
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("%s: events differ (-want +got):\n%s", file, diff)
			}
			if wantSkips != nil || skips.Len() > 0 {
				if diff := cmp.Diff(string(wantSkips), skips.String()); diff != "" {
					t.Errorf("%s: skipped lines differ (-want +got):\n%s", file, diff)
				}
			}
		})
	}
}

// compact renders an event as one line of only its known fields.
func compact(e *Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s %s", e.Pos.Line, e.Format, e.Layer)
	switch {
	case e.TimeSynthetic:
		b.WriteString(" time=none")
	case e.TimeInherited:
		b.WriteString(" time~" + e.Time.Format(time.RFC3339Nano))
	default:
		b.WriteString(" " + e.Time.Format(time.RFC3339Nano))
	}
	if e.Zone != "" {
		b.WriteString(" zone=" + e.Zone)
	}
	if e.ZoneAssumed {
		b.WriteString(" zone-assumed")
	}
	switch {
	case e.DateInvented:
		b.WriteString(" date-invented")
	case e.DateAssumed:
		b.WriteString(" date-assumed")
	}
	switch {
	case e.Outbound:
		b.WriteString(" outbound")
	case e.Named:
		b.WriteString(" named")
	}
	if e.Method != "" {
		fmt.Fprintf(&b, " %s %s", e.Method, e.Path)
		if e.RawQuery != "" {
			b.WriteString("?" + e.RawQuery)
		}
		fmt.Fprintf(&b, " %d", e.Status)
		if e.MethodAssumed {
			b.WriteString(" method-assumed")
		}
		if e.PathAssumed {
			b.WriteString(" path-assumed")
		}
	}
	add0 := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, " %s=%q", k, v)
		}
	}
	add0("rpc", e.RPCMethod)
	add := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, " %s=%q", k, v)
		}
	}
	if e.Peer.IsValid() {
		add("peer", e.Peer.String())
	}
	if len(e.ForwardedFor) > 0 {
		add("xff", fmt.Sprint(e.ForwardedFor))
	}
	if e.ConnectingIP.IsValid() {
		add(e.ConnectingIPHeader, e.ConnectingIP.String())
	}
	add("host", e.Host)
	if e.UAKnown {
		add("ua", e.UserAgent)
		if e.UserAgent == "" {
			b.WriteString(" ua=none")
		}
	}
	if e.Authorization != Unknown {
		add("auth", e.Authorization.String())
	}
	if e.HasDuration {
		add("dur", e.Duration.String())
	}
	if e.ClientGone {
		b.WriteString(" client-gone")
	}
	if e.ProxyAnswered {
		b.WriteString(" proxy-answered")
	}
	if e.Cut {
		b.WriteString(" cut")
	}
	add("term", e.Termination)
	if e.OriginStatus != 0 {
		fmt.Fprintf(&b, " origin=%d", e.OriginStatus)
	}
	if e.EdgeBlocked {
		switch {
		case e.EdgeAction == "" && e.EdgeRule == "":
			b.WriteString(" blocked")
		default:
			add("blocked", e.EdgeAction+" by "+e.EdgeRule)
		}
	}
	add("ray", e.RayID)
	add("reqid", e.RequestID)
	add("ct", e.ContentType)
	add("www", e.WWWAuthenticate)
	add("location", e.Location)
	if !e.IsRequest() {
		add("msg", e.Message)
	}
	if e.Signals != 0 {
		add("signals", strings.Join(e.Signals.Names(), ","))
	}
	return b.String()
}

// BenchmarkCloudflareCSV reads Logpush CSV rows through the stream
// decoder (the old reader built a CSV document per row).
func BenchmarkCloudflareCSV(b *testing.B) {
	header := "ClientIP,ClientRequestMethod,ClientRequestURI,ClientRequestUserAgent,EdgeStartTimestamp,EdgeResponseStatus,OriginResponseStatus,RayID"
	row := []byte(`"160.79.106.35","POST","/mcp","python-httpx/0.28.1",1795590192123456789,401,401,"8f1a2b3c4d5e6f70"`)
	p := newCloudflareCSV(Config{})
	var ev Event
	if err := p.Parse([]byte(header), &ev); err != errNotRecord {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ev = Event{}
		if err := p.Parse(row, &ev); err != nil {
			b.Fatal(err)
		}
	}
}
