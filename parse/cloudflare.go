package parse

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
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
	"referer":       {"ClientRequestReferer"},
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

// cfCSVRow is a Logpush CSV row: the columns mcptriage reads, by their
// Logpush names (gocsv ignores the others). Every cell is kept as text:
// a timestamp may be digits or RFC 3339, and a cell that does not
// convert must not cost the row.
type cfCSVRow struct {
	EdgeStartTimestamp       string `csv:"EdgeStartTimestamp"`
	EdgeEndTimestamp         string `csv:"EdgeEndTimestamp"`
	Datetime                 string `csv:"Datetime"`
	ClientIP                 string `csv:"ClientIP"`
	ClientRequestMethod      string `csv:"ClientRequestMethod"`
	ClientRequestPath        string `csv:"ClientRequestPath"`
	ClientRequestURI         string `csv:"ClientRequestURI"`
	ClientRequestQuery       string `csv:"ClientRequestQuery"`
	ClientRequestHost        string `csv:"ClientRequestHost"`
	ClientRequestUserAgent   string `csv:"ClientRequestUserAgent"`
	ClientRequestReferer     string `csv:"ClientRequestReferer"`
	ClientRequestProtocol    string `csv:"ClientRequestProtocol"`
	EdgeResponseStatus       string `csv:"EdgeResponseStatus"`
	OriginResponseStatus     string `csv:"OriginResponseStatus"`
	OriginResponseDurationMs string `csv:"OriginResponseDurationMs"`
	EdgeServerIP             string `csv:"EdgeServerIP"`
	RayID                    string `csv:"RayID"`
	SecurityAction           string `csv:"SecurityAction"`
	SecurityActions          string `csv:"SecurityActions"`
	SecurityRuleDescription  string `csv:"SecurityRuleDescription"`
	SecurityRuleID           string `csv:"SecurityRuleID"`
	SecuritySources          string `csv:"SecuritySources"`
	Action                   string `csv:"Action"`
	Description              string `csv:"Description"`
	RuleID                   string `csv:"RuleID"`
	Source                   string `csv:"Source"`
}

// cfCSVColumn maps a column's Logpush name to its field in cfCSVRow,
// read from the struct's tags so that the names are written once.
var cfCSVColumn = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeOf(cfCSVRow{})
	for i := 0; i < t.NumField(); i++ {
		m[t.Field(i).Tag.Get("csv")] = i
	}
	return m
}()

// cfCSVRecord is a decoded row and the columns its header named.
type cfCSVRecord struct {
	row     reflect.Value
	present map[string]bool
}

func (c cfCSVRecord) get(field string) (string, bool) {
	for _, k := range cfFields[field] {
		i, ok := cfCSVColumn[k]
		if !ok || !c.present[k] {
			continue
		}
		v := c.row.Field(i).String()
		if v == "" {
			continue
		}
		if strings.HasPrefix(v, "[") { // an array, written as JSON text in a CSV cell
			a := gjson.Parse(v).Array()
			if len(a) == 0 {
				continue
			}
			return a[len(a)-1].String(), true
		}
		return v, true
	}
	return "", false
}

// toEvent fills ev from a Cloudflare record.
func cfToEvent(rec cfRecord, ev *Event, format string) error {
	ev.Format, ev.Bytes, ev.UAKnown = format, -1, true
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
	ev.Referer, _ = rec.get("referer")
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

func (cloudflareJSON) Parse(line []byte, ev *Event) error {
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

// cloudflareCSV reads Logpush CSV as one stream: a gocsv decoder over
// the input's lines (already redacted), started by the header row (the
// file's first line, repeated at the top of each batch) or by
// --cloudflare-fields. A row that does not decode (a quote out of
// place, a different number of cells than the header) is skipped and
// counted like any bad line; the decoder goes on with the next.
type cloudflareCSV struct {
	fields  []string // from --cloudflare-fields
	header  string   // the header row the decoder was started with
	feed    lineFeed
	dec     *gocsv.Unmarshaller
	present map[string]bool
}

func newCloudflareCSV(cfg Config) *cloudflareCSV {
	return &cloudflareCSV{fields: cfg.CloudflareFields}
}

// lineFeed hands the CSV reader one line at a time.
type lineFeed struct{ b []byte }

func (f *lineFeed) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

// start begins decoding with a header row.
func (p *cloudflareCSV) start(header string) error {
	rd := csv.NewReader(&p.feed)
	rd.ReuseRecord = true
	p.feed.b = append(append(p.feed.b[:0], header...), '\n')
	dec, err := gocsv.NewUnmarshaller(rd, cfCSVRow{})
	if err != nil {
		p.dec = nil
		return errors.New("a CSV header row mcptriage cannot read")
	}
	p.dec, p.header = dec, header
	p.present = map[string]bool{}
	for _, h := range dec.Headers {
		p.present[h] = true
	}
	return nil
}

// ErrHeaderlessCSV says a Cloudflare CSV arrived without its header row.
var ErrHeaderlessCSV = errors.New("a Cloudflare Logpush CSV row, but the file has no header row: pass the job's field list (its field_names, in order) with --cloudflare-fields")

func (p *cloudflareCSV) Parse(line []byte, ev *Event) error {
	text := strings.TrimPrefix(string(line), "\uFEFF")
	if !strings.Contains(text, ",") {
		return errors.New("not a CSV row")
	}
	if looksLikeCFHeader(text) {
		if p.fields == nil && text != p.header {
			if err := p.start(text); err != nil {
				return err
			}
		}
		return errNotRecord // a header, repeated at the top of each batch
	}
	if p.dec == nil {
		switch {
		case p.fields != nil:
			if err := p.start(strings.Join(p.fields, ",")); err != nil {
				return err
			}
		case looksLikeCFRow(text):
			return ErrHeaderlessCSV
		default:
			return errors.New("not a Cloudflare CSV row")
		}
	}
	p.feed.b = append(append(p.feed.b[:0], text...), '\n')
	v, err := p.dec.Read()
	p.feed.b = p.feed.b[:0] // what a broken row left unread is not the next row's
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			return fmt.Errorf("a CSV row with a different number of cells than the header's %d", len(p.dec.Headers))
		}
		return errors.New("a CSV row that does not decode (a quote out of place?)")
	}
	row, ok := v.(cfCSVRow)
	if !ok {
		return errors.New("a CSV row that does not decode")
	}
	return cfToEvent(cfCSVRecord{row: reflect.ValueOf(row), present: p.present}, ev, "cloudflare-csv")
}

func splitHeader(text string) []string {
	var out []string
	for _, h := range strings.Split(text, ",") {
		out = append(out, strings.Trim(strings.TrimSpace(h), `"`))
	}
	return out
}

// looksLikeCFHeader: at least two cells are Cloudflare field names. A
// row's cells are quoted or numbers, a header's bare names.
func looksLikeCFHeader(text string) bool {
	n := 0
	for rest := text; rest != ""; {
		var cell string
		cell, rest, _ = strings.Cut(rest, ",")
		if cfKnownKeys[strings.Trim(strings.TrimSpace(cell), `"`)] {
			if n++; n >= 2 {
				return true
			}
		}
	}
	return false
}

// cfKnownKeys is every key of cfFields.
var cfKnownKeys = func() map[string]bool {
	m := map[string]bool{}
	for _, keys := range cfFields {
		for _, k := range keys {
			m[k] = true
		}
	}
	return m
}()

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
