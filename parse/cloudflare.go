package parse

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gocarina/gocsv"
	"github.com/tidwall/gjson"
)

// Cloudflare's logs see what the origin never does: requests the edge
// answered itself. Three shapes share one reading: Logpush's http_requests
// and firewall_events datasets (PascalCase keys, as NDJSON or CSV) and the
// dashboard's Security Events export (camelCase keys).

// cfFields maps our fields to each dataset's key, in order of preference.
var cfFields = map[string][]string{
	"time":          {"EdgeStartTimestamp", "Datetime", "datetime", "EdgeEndTimestamp"},
	"client":        {"ClientIP", "clientIP"},
	"method":        {"ClientRequestMethod", "clientRequestHTTPMethodName"},
	"path":          {"ClientRequestPath", "clientRequestPath"},
	"uri":           {"ClientRequestURI"},
	"query":         {"ClientRequestQuery", "clientRequestQuery"},
	"host":          {"ClientRequestHost", "clientRequestHTTPHost"},
	"ua":            {"ClientRequestUserAgent", "userAgent"},
	"status":        {"EdgeResponseStatus", "edgeResponseStatus"},
	"origin_status": {"OriginResponseStatus", "originResponseStatus"},
	"ray":           {"RayID", "rayName"},
	"action":        {"SecurityAction", "Action", "action"},
	"actions":       {"SecurityActions"},
	"rule":          {"SecurityRuleDescription", "Description", "description", "SecurityRuleID", "RuleID", "ruleId"},
	"source":        {"SecuritySources", "Source", "source"},
	"duration_ms":   {"OriginResponseDurationMs"},
	"edge_server":   {"EdgeServerIP"},
	"proto":         {"ClientRequestProtocol", "clientRequestHTTPProtocol"},
}

// cfMarkers are keys only Cloudflare's datasets have.
var cfMarkers = []string{"RayID", "rayName", "EdgeStartTimestamp", "EdgeResponseStatus", "ClientRequestHost", "clientRequestHTTPHost", "OriginatorRayID"}

// Actions with which the edge answers instead of the origin. A managed or
// JS challenge is a block for a client that runs no browser.
var cfBlocking = map[string]bool{
	"block": true, "challenge": true, "jschallenge": true, "managedchallenge": true,
	"connectionclose": true, "forceconnectionclose": true, "drop": true,
}

// cfRecord is one record, whatever its encoding.
type cfRecord interface {
	get(field string) (string, bool)
}

type cfJSONRecord struct{ r gjson.Result }

func (c cfJSONRecord) get(field string) (string, bool) {
	for _, k := range cfFields[field] {
		v := c.r.Get(k)
		if !v.Exists() || v.Type == gjson.Null {
			continue
		}
		if v.IsArray() { // SecurityActions, SecuritySources: the terminating one is last
			a := v.Array()
			if len(a) == 0 {
				continue
			}
			return a[len(a)-1].String(), true
		}
		if v.Type == gjson.Number {
			return v.Raw, true // exact: a nanosecond timestamp does not fit a float
		}
		return v.String(), true
	}
	return "", false
}

type cfMapRecord map[string]string

func (c cfMapRecord) get(field string) (string, bool) {
	for _, k := range cfFields[field] {
		if v, ok := c[k]; ok && v != "" {
			if strings.HasPrefix(v, "[") { // an array, written as JSON text in a CSV cell
				a := gjson.Parse(v).Array()
				if len(a) == 0 {
					continue
				}
				return a[len(a)-1].String(), true
			}
			return v, true
		}
	}
	return "", false
}

// toEvent fills ev from a Cloudflare record.
func cfToEvent(rec cfRecord, ev *Event, format string) error {
	ev.Format, ev.Layer, ev.Bytes, ev.UAKnown = format, LayerEdge, -1, true
	raw, ok := rec.get("time")
	if !ok {
		return errors.New("a Cloudflare record without a time")
	}
	t, ok := epoch(raw)
	if !ok || !isDigitString(raw) {
		var err error
		t, err = time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			return fmt.Errorf("the Cloudflare time %q is neither epoch nor RFC 3339", truncate(raw, 32))
		}
		ev.Zone = zoneOf(t)
		t = t.UTC()
	}
	ev.Time = t
	client, _ := rec.get("client")
	ev.Peer = ParseAddr(client)
	ev.Method, _ = rec.get("method")
	ev.Method = strings.ToUpper(ev.Method)
	if uri, ok := rec.get("uri"); ok {
		setTarget(ev, uri)
	}
	if path, ok := rec.get("path"); ok {
		ev.Path = path
	}
	if q, ok := rec.get("query"); ok && ev.RawQuery == "" {
		ev.RawQuery = strings.TrimPrefix(q, "?")
	}
	if ev.Method == "" || ev.Path == "" {
		return errors.New("a Cloudflare record without method and path")
	}
	ev.Host, _ = rec.get("host")
	ev.UserAgent, _ = rec.get("ua")
	ev.Proto, _ = rec.get("proto")
	if s, ok := rec.get("status"); ok {
		ev.Status = atoiStatus(s)
	}
	origin, hasOrigin := rec.get("origin_status")
	if hasOrigin {
		ev.OriginStatus = atoiStatus(origin)
	}
	if ray, ok := rec.get("ray"); ok {
		ev.RayID, _, _ = strings.Cut(ray, "-")
	}
	if ms, ok := rec.get("duration_ms"); ok {
		if n, err := strconv.Atoi(ms); err == nil && n > 0 {
			ev.Duration, ev.HasDuration = time.Duration(n)*time.Millisecond, true
		}
	}
	action, _ := rec.get("action")
	if action == "" {
		action, _ = rec.get("actions")
	}
	ev.EdgeAction = strings.ToLower(strings.ReplaceAll(action, "_", ""))
	ev.EdgeRule, _ = rec.get("rule")
	ev.EdgeSource, _ = rec.get("source")
	edgeServer, hasEdgeServer := rec.get("edge_server")
	noOrigin := (hasOrigin && ev.OriginStatus == 0) || (hasEdgeServer && edgeServer == "")
	ev.EdgeBlocked = cfBlocking[ev.EdgeAction] || (noOrigin && (ev.Status == 403 || ev.Status == 429 || ev.Status == 503) && ev.EdgeAction != "allow" && ev.EdgeAction != "skip")
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// cloudflareJSON reads NDJSON records of any of the three shapes.
type cloudflareJSON struct{}

func newCloudflareJSON(Config) *cloudflareJSON { return &cloudflareJSON{} }

func (p *cloudflareJSON) Name() string { return "cloudflare" }

func (p *cloudflareJSON) Parse(line []byte, ev *Event) error {
	line = trimSpaceBytes(line)
	if len(line) == 0 || line[0] != '{' {
		return errors.New("not a JSON object")
	}
	if !gjson.ValidBytes(line) {
		return errors.New("malformed JSON")
	}
	r := gjson.ParseBytes(line)
	marked := false
	for _, k := range cfMarkers {
		if r.Get(k).Exists() {
			marked = true
			break
		}
	}
	if !marked {
		return errors.New("not a Cloudflare record (no RayID, EdgeStartTimestamp or rayName)")
	}
	format := "cloudflare-http"
	switch {
	case r.Get("rayName").Exists():
		format = "cloudflare-security-events"
	case r.Get("Datetime").Exists() || r.Get("MatchIndex").Exists():
		format = "cloudflare-firewall"
	}
	return cfToEvent(cfJSONRecord{r}, ev, format)
}

// cloudflareCSV reads Logpush CSV. Its header comes from the first line
// (when the job set one) or from --cloudflare-fields; the mapping of
// names to cells is gocsv's.
type cloudflareCSV struct {
	header  []string
	flagged bool // the header came from --cloudflare-fields
}

func newCloudflareCSV(cfg Config) *cloudflareCSV {
	p := &cloudflareCSV{}
	if len(cfg.CloudflareFields) > 0 {
		p.header, p.flagged = cfg.CloudflareFields, true
	}
	return p
}

func (p *cloudflareCSV) Name() string { return "cloudflare-csv" }

// sample is a copy for format detection, so that a header seen there does
// not count as this input's header twice.
func (p *cloudflareCSV) sample() Parser {
	c := *p
	return &c
}

// ErrHeaderlessCSV says a Cloudflare CSV arrived without its header row.
var ErrHeaderlessCSV = errors.New("a Cloudflare Logpush CSV row, but the file has no header row: pass the job's field list (its field_names, in order) with --cloudflare-fields")

func (p *cloudflareCSV) Parse(line []byte, ev *Event) error {
	text := strings.TrimPrefix(string(line), "\uFEFF")
	if !strings.Contains(text, ",") {
		return errors.New("not a CSV row")
	}
	if looksLikeCFHeader(text) {
		if !p.flagged {
			p.header = splitHeader(text)
		}
		return errNotRecord // a header, repeated at the top of each batch
	}
	if p.header == nil {
		if looksLikeCFRow(text) {
			return ErrHeaderlessCSV
		}
		return errors.New("not a Cloudflare CSV row")
	}
	rows, err := gocsv.CSVToMaps(strings.NewReader(strings.Join(p.header, ",") + "\n" + text))
	if err != nil || len(rows) != 1 {
		return errors.New("a CSV row that does not match the header (wrong number of columns?)")
	}
	if len(rows[0]) != len(p.header) {
		return errors.New("a CSV row that does not match the header")
	}
	return cfToEvent(cfMapRecord(rows[0]), ev, "cloudflare-csv")
}

func splitHeader(text string) []string {
	var out []string
	for _, h := range strings.Split(text, ",") {
		out = append(out, strings.Trim(strings.TrimSpace(h), `"`))
	}
	return out
}

func looksLikeCFHeader(text string) bool {
	n := 0
	for _, h := range splitHeader(text) {
		for _, keys := range cfFields {
			for _, k := range keys {
				if h == k {
					n++
				}
			}
		}
	}
	return n >= 2
}

// looksLikeCFRow: a 16-hex ray id and an address or a 19-digit timestamp.
func looksLikeCFRow(text string) bool {
	var ray, addr, nanos bool
	for _, cell := range strings.Split(text, ",") {
		cell = strings.Trim(strings.TrimSpace(cell), `"`)
		switch {
		case len(cell) == 16 && isHex(cell):
			ray = true
		case ParseAddr(cell).IsValid():
			addr = true
		case len(cell) == 19 && isDigitString(cell):
			nanos = true
		}
	}
	return ray && (addr || nanos)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
