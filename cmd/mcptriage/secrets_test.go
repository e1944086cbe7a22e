package main

import (
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zricethezav/gitleaks/v8/detect"

	"github.com/mcptriage/mcptriage/internal/scrub"
	"github.com/mcptriage/mcptriage/parse"
)

// A family of secrets: how one is made, and how it is written in each
// place a log carries it. secondPassOnly marks the vendors only the
// maintained rule set (internal/scrub, on gitleaks' rules) knows: they
// prove that pass is at work.
type family struct {
	name           string
	value          func(seed string) string
	write          map[string]func(v string) string // by position
	secondPassOnly bool
}

// Positions a log line offers.
const (
	inQuery   = "query"   // a request's query string
	inPath    = "path"    // a request's path segment
	inReferer = "referer" // a URL in the Referer field
	inJSON    = "json"    // a "key": "value" pair of a JSON logger
	inHeader  = "header"  // a header line quoted in text
	inText    = "text"    // an app's own words
)

// token makes a made-up value of n characters from alphabet, distinct
// for every seed (family, format, position).
func token(seed string, n int, alphabet string) string {
	h := fnv.New64a()
	h.Write([]byte(seed))
	x := h.Sum64()
	b := make([]byte, n)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = alphabet[x%uint64(len(alphabet))]
	}
	return string(b)
}

const (
	alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	hex   = "0123456789abcdef"
	lower = "abcdefghijklmnopqrstuvwxyz"
)

// bare writes a token as its vendor prints it, wherever it goes.
func bare(param string) map[string]func(string) string {
	return map[string]func(string) string{
		inQuery:   func(v string) string { return param + "=" + v },
		inPath:    func(v string) string { return v },
		inReferer: func(v string) string { return "https://mcp.example.com/settings?" + param + "=" + v },
		inJSON:    func(v string) string { return `"note":"using ` + v + ` now"` },
		inHeader:  func(v string) string { return "X-Debug-Key: " + v },
		inText:    func(v string) string { return "deploy used " + v + " today" },
	}
}

// named writes a secret after its name, in the name's usual spelling.
func named(name string) map[string]func(string) string {
	return map[string]func(string) string{
		inQuery:   func(v string) string { return name + "=" + v },
		inReferer: func(v string) string { return "https://mcp.example.com/cb?" + name + "=" + v },
		inJSON:    func(v string) string { return `"` + name + `":"` + v + `"` },
		inHeader:  func(v string) string { return name + ": " + v },
		inText:    func(v string) string { return "config " + name + "=" + v + " loaded" },
	}
}

var families = []family{
	{name: "google AIza", value: func(s string) string { return "AIza" + token(s, 35, alnum) }, write: bare("key")},
	{name: "gitlab glpat-", value: func(s string) string { return "glpat-" + token(s, 20, alnum) }, write: bare("t")},
	{name: "huggingface hf_", value: func(s string) string { return "hf_" + token(s, 34, lower) }, write: bare("t")},
	{name: "sendgrid SG.", value: func(s string) string { return "SG." + token(s, 22, alnum) + "." + token(s+"2", 43, alnum) }, write: bare("t")},
	{name: "anthropic sk-ant-", value: func(s string) string { return "sk-ant-api03-" + token(s, 93, alnum) + "AA" }, write: bare("t")},
	{name: "openai sk-proj-", value: func(s string) string {
		return "sk-proj-" + token(s, 74, alnum) + "T3BlbkFJ" + token(s+"2", 74, alnum)
	}, write: bare("t")},
	{name: "camelCase accessToken", value: func(s string) string { return token(s, 28, alnum) }, write: named("accessToken")},
	{name: "camelCase refreshToken", value: func(s string) string { return token(s, 28, alnum) }, write: named("refreshToken")},
	{name: "camelCase clientSecret", value: func(s string) string { return token(s, 28, alnum) }, write: named("clientSecret")},
	{name: "kebab x-auth-token", value: func(s string) string { return token(s, 32, hex) }, write: named("x-auth-token")},
	{name: "Authorization: Token", value: func(s string) string { return token(s, 40, hex) }, write: map[string]func(string) string{
		inQuery:  func(v string) string { return "authorization=Token%20" + v },
		inJSON:   func(v string) string { return `"authorization":"Token ` + v + `"` },
		inHeader: func(v string) string { return "Authorization: Token " + v },
		inText:   func(v string) string { return "sent Authorization: Token " + v },
	}},
	{name: "custom auth header", value: func(s string) string { return token(s, 28, alnum) }, write: named("X-Acme-Auth")},
	{name: "aws_secret_access_key", value: func(s string) string { return token(s, 40, alnum) }, write: named("aws_secret_access_key")},
	{name: "URL userinfo", value: func(s string) string { return token(s, 16, alnum) }, write: map[string]func(string) string{
		inQuery:   func(v string) string { return "next=https://ann:" + v + "@mcp.example.com/" },
		inReferer: func(v string) string { return "https://ann:" + v + "@mcp.example.com/authorize" },
		inJSON:    func(v string) string { return `"referer":"https://ann:` + v + `@mcp.example.com/"` },
		inText:    func(v string) string { return "upstream postgres://app:" + v + "@db.example.com:5432/app down" },
	}},
	{name: "password=", value: func(s string) string { return token(s, 14, alnum) }, write: named("password")},
	{name: "pwd=", value: func(s string) string { return token(s, 14, alnum) }, write: named("pwd")},
	{name: "sessionid=", value: func(s string) string { return token(s, 26, alnum) }, write: named("sessionid")},
	{name: "encoded code in redirect_uri", value: func(s string) string { return token(s, 22, alnum) }, write: map[string]func(string) string{
		inQuery: func(v string) string {
			return "redirect_uri=" + url.QueryEscape("https://claude.ai/api/mcp/auth_callback?code="+v+"&state=st1")
		},
		inReferer: func(v string) string {
			return "https://mcp.example.com/authorize?redirect_uri=" + url.QueryEscape("https://claude.ai/api/mcp/auth_callback?code="+v)
		},
	}},
	{name: "key as path segment", value: func(s string) string { return token(s, 32, hex) }, write: map[string]func(string) string{
		inPath: func(v string) string { return v },
	}},
	// Known to the maintained rule set only.
	{name: "shopify shpat_ (rule set)", value: func(s string) string { return "shpat_" + token(s, 32, hex) }, secondPassOnly: true, write: map[string]func(string) string{
		inJSON: func(v string) string { return `"note":"using ` + v + ` now"` },
		inText: func(v string) string { return "deploy used " + v + " today" },
	}},
	{name: "pulumi pul- (rule set)", value: func(s string) string { return "pul-" + token(s, 40, hex) }, secondPassOnly: true, write: map[string]func(string) string{
		inJSON: func(v string) string { return `"note":"using ` + v + ` now"` },
		inText: func(v string) string { return "deploy used " + v + " today" },
	}},
}

// A format: the file it is written to, a head (a header row), and how a
// planted line reads in each position it offers. Every line is a
// connector request or an app's words during the attempt, so it reaches
// the outputs.
type format struct {
	file string
	head string
	line map[string]func(i int, s string) string
}

// The attempt's time: one second per planted line.
var plantBase = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

const (
	nginxTime = "02/Jan/2006:15:04:05 -0700"
	isoTime   = time.RFC3339
)

func at(i int, layout string) string {
	return plantBase.Add(time.Duration(i) * time.Second).Format(layout)
}

var formats = []format{
	{file: "nginx.log", line: map[string]func(int, string) string{
		inQuery: func(i int, s string) string {
			return fmt.Sprintf(`160.79.106.35 - - [%s] "POST /mcp?%s HTTP/1.1" 401 68 "-" "python-httpx/0.28.1"`, at(i, nginxTime), s)
		},
		inPath: func(i int, s string) string {
			return fmt.Sprintf(`160.79.106.35 - - [%s] "POST /mcp/%s/sse HTTP/1.1" 401 68 "-" "python-httpx/0.28.1"`, at(i, nginxTime), s)
		},
		inReferer: func(i int, s string) string {
			return fmt.Sprintf(`160.79.106.35 - - [%s] "POST /mcp HTTP/1.1" 401 68 "%s" "python-httpx/0.28.1"`, at(i, nginxTime), s)
		},
	}},
	{file: "cf-http.ndjson", line: map[string]func(int, string) string{
		inQuery: func(i int, s string) string {
			return fmt.Sprintf(`{"ClientIP":"160.79.107.8","ClientRequestHost":"mcp.example.com","ClientRequestMethod":"POST","ClientRequestPath":"/mcp","ClientRequestURI":"/mcp?%s","ClientRequestUserAgent":"Claude-User","EdgeStartTimestamp":"%s","EdgeResponseStatus":401,"OriginResponseStatus":401,"RayID":"8f1a2b3c4d5e%04x"}`, s, at(i, isoTime), i)
		},
		inPath: func(i int, s string) string {
			return fmt.Sprintf(`{"ClientIP":"160.79.107.8","ClientRequestHost":"mcp.example.com","ClientRequestMethod":"POST","ClientRequestPath":"/mcp/%s","ClientRequestURI":"/mcp/%s","ClientRequestUserAgent":"Claude-User","EdgeStartTimestamp":"%s","EdgeResponseStatus":401,"OriginResponseStatus":401,"RayID":"8f1a2b3c4d5e%04x"}`, s, s, at(i, isoTime), i)
		},
		inJSON: func(i int, s string) string {
			return fmt.Sprintf(`{"ClientIP":"160.79.107.8","ClientRequestHost":"mcp.example.com","ClientRequestMethod":"POST","ClientRequestPath":"/mcp","ClientRequestURI":"/mcp","ClientRequestUserAgent":"Claude-User","EdgeStartTimestamp":"%s","EdgeResponseStatus":401,"OriginResponseStatus":401,"RayID":"8f1a2b3c4d5e%04x","RequestHeaders":{%s}}`, at(i, isoTime), i, s)
		},
	}},
	{file: "cf.csv", head: "ClientIP,EdgeStartTimestamp,ClientRequestMethod,ClientRequestURI,EdgeResponseStatus,OriginResponseStatus,ClientRequestUserAgent,RayID", line: map[string]func(int, string) string{
		inQuery: func(i int, s string) string {
			return fmt.Sprintf(`"160.79.106.121",%s,"POST","/mcp?%s",401,401,"python-httpx/0.28.1","8f1a2b3c4d5f%04x"`, at(i, isoTime), s, i)
		},
		inPath: func(i int, s string) string {
			return fmt.Sprintf(`"160.79.106.121",%s,"POST","/mcp/%s",401,401,"python-httpx/0.28.1","8f1a2b3c4d5f%04x"`, at(i, isoTime), s, i)
		},
	}},
	{file: "app.jsonl", line: map[string]func(int, string) string{
		inJSON: func(i int, s string) string {
			return fmt.Sprintf(`{"time":"%s","level":"WARN","msg":"auth failed: no_authorization_header","path":"/mcp",%s}`, at(i, isoTime), s)
		},
		inText: func(i int, s string) string {
			return fmt.Sprintf(`{"time":"%s","level":"WARN","msg":"auth failed: no_authorization_header (%s)","path":"/mcp"}`, at(i, isoTime), strings.ReplaceAll(s, `"`, `\"`))
		},
		inHeader: func(i int, s string) string {
			return fmt.Sprintf(`{"time":"%s","level":"WARN","msg":"auth failed: no_authorization_header, header was %s","path":"/mcp"}`, at(i, isoTime), s)
		},
	}},
	{file: "pino.log", line: map[string]func(int, string) string{
		inQuery: func(i int, s string) string {
			return fmt.Sprintf(`{"level":30,"time":%d,"req":{"method":"POST","url":"/mcp?%s","headers":{"user-agent":"Claude-User","x-forwarded-for":"160.79.107.8"},"remoteAddress":"127.0.0.1"},"res":{"statusCode":401},"responseTime":3,"msg":"request completed"}`, plantBase.Add(time.Duration(i)*time.Second).UnixMilli(), s)
		},
		inJSON: func(i int, s string) string {
			return fmt.Sprintf(`{"level":30,"time":%d,"req":{"method":"POST","url":"/mcp","headers":{"user-agent":"Claude-User","x-forwarded-for":"160.79.107.8",%s},"remoteAddress":"127.0.0.1"},"res":{"statusCode":401},"responseTime":3,"msg":"request completed"}`, plantBase.Add(time.Duration(i)*time.Second).UnixMilli(), s)
		},
	}},
	{file: "uvicorn.log", line: map[string]func(int, string) string{
		inQuery: func(i int, s string) string {
			return fmt.Sprintf(`%s INFO:     160.79.107.8:40112 - "POST /mcp?%s HTTP/1.1" 401 Unauthorized`, at(i, "2006-01-02 15:04:05"), s)
		},
		inPath: func(i int, s string) string {
			return fmt.Sprintf(`%s INFO:     160.79.107.8:40112 - "POST /mcp/%s HTTP/1.1" 401 Unauthorized`, at(i, "2006-01-02 15:04:05"), s)
		},
	}},
	{file: "morgan.log", line: map[string]func(int, string) string{
		inQuery: func(i int, s string) string { return fmt.Sprintf(`POST /mcp?%s 401 12.345 ms - 68`, s) },
		inPath:  func(i int, s string) string { return fmt.Sprintf(`POST /mcp/%s 401 12.345 ms - 68`, s) },
	}},
	{file: "pasted.txt", line: map[string]func(int, string) string{
		inText:   func(i int, s string) string { return fmt.Sprintf("%d. POST /mcp → 401 (%s)", i, s) },
		inHeader: func(i int, s string) string { return fmt.Sprintf("%d. POST /mcp → 401, request had %s", i, s) },
	}},
}

// plant is one secret in one place.
type plant struct {
	family, file, position, value string
	secondPassOnly                bool
}

// plantLogs writes every family in every position of every format to
// dir, and returns the files and what was planted where.
func plantLogs(t *testing.T, dir string) (files []string, plants []plant) {
	t.Helper()
	i := 0
	for _, f := range formats {
		var b strings.Builder
		if f.head != "" {
			b.WriteString(f.head + "\n")
		}
		positions := make([]string, 0, len(f.line))
		for p := range f.line {
			positions = append(positions, p)
		}
		sort.Strings(positions)
		for _, fam := range families {
			for _, pos := range positions {
				write, ok := fam.write[pos]
				if !ok {
					continue
				}
				v := fam.value(fam.name + f.file + pos)
				i++
				b.WriteString(f.line[pos](i, write(v)) + "\n")
				plants = append(plants, plant{fam.name, f.file, pos, v, fam.secondPassOnly})
			}
		}
		p := filepath.Join(dir, f.file)
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	return files, plants
}

// outputs runs every command that prints what logs hold, and returns
// each output by name: stdout and stderr together, the file -o wrote,
// the URL --open opened.
func outputs(t *testing.T, files []string) map[string]string {
	t.Helper()
	ofid := "ofid_0123456789abcdef@" + plantBase.Add(30*time.Second).UTC().Format(isoTime)
	runs := map[string][]string{
		"analyze":                  {"analyze"},
		"analyze --json":           {"analyze", "--json"},
		"report md":                {"report", "--ofid", ofid},
		"report json":              {"report", "--format", "json", "--ofid", ofid},
		"report --url":             {"report", "--url", "--ofid", ofid},
		"report --user":            {"report", "--user", "--ofid", ofid},
		"report --redact-hosts":    {"report", "--redact-hosts", "--ofid", ofid},
		"report --comment":         {"report", "--comment", "125", "--ofid", ofid},
		"report --comment json":    {"report", "--comment", "125", "--format", "json", "--ofid", ofid},
		"report --search":          {"report", "--search", "--offline", "--ofid", ofid},
		"search":                   {"search", "--offline"},
		"search --json":            {"search", "--offline", "--json"},
		"report -o (file)":         {"report", "-o", "", "--ofid", ofid},
		"report --open (URL)":      {"report", "--open", "--ofid", ofid},
		"analyze --server (--url)": {"analyze", "--server", "https://ann:S3rv3rPassw0rd42@mcp.example.com/mcp"},
	}
	// Each log alone too: beside timed logs, an untimed log that shows no
	// one keeps only the records the others confirm, so a secret planted
	// in its other lines reaches output only when it is read alone.
	inputs := map[string][]string{}
	for name := range runs {
		inputs[name] = files
	}
	for _, f := range files {
		name := "analyze --json (" + filepath.Base(f) + " alone)"
		runs[name] = []string{"analyze", "--json"}
		inputs[name] = []string{f}
	}
	got := map[string]string{}
	for name, args := range runs {
		args = slices.Clone(args)
		var opened, written string
		if i := slices.Index(args, "-o"); i >= 0 {
			written = filepath.Join(t.TempDir(), "draft.md")
			args[i+1] = written
		}
		io, _, out, errOut := testIO()
		f := &factory{IO: io, Version: "test", Browser: func(u string) error { opened = u; return nil },
			GitHubToken: func(string) (string, string) { return "", "" },
			CacheDir:    func() (string, error) { return t.TempDir(), nil }}
		runWith(append(args, inputs[name]...), f)
		text := out.String() + errOut.String()
		if written != "" {
			b, err := os.ReadFile(written)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			text = string(b)
		}
		if strings.HasSuffix(name, "(URL)") {
			text = opened
		}
		if strings.TrimSpace(text) == "" {
			t.Errorf("%s wrote nothing: the test would prove nothing", name)
		}
		got[name] = text
	}
	return got
}

// decoded is an output as a reader of it may see it: URL-decoded, once
// and twice.
func decoded(s string) string {
	once, err := url.QueryUnescape(s)
	if err != nil {
		once = s
	}
	twice, err := url.QueryUnescape(once)
	if err != nil {
		twice = once
	}
	return s + "\n" + once + "\n" + twice
}

// leaks lists the planted secrets each output shows.
func leaks(outs map[string]string, plants []plant) map[string][]plant {
	found := map[string][]plant{}
	for name, text := range outs {
		d := decoded(text)
		for _, p := range plants {
			if strings.Contains(d, p.value) {
				found[name] = append(found[name], p)
			}
		}
	}
	return found
}

// Every family, planted in every position of every format, leaves no
// output, raw or URL-decoded; gitleaks' own detector finds nothing in
// them either.
func TestNoPlantedSecretInAnyOutput(t *testing.T) {
	files, plants := plantLogs(t, t.TempDir())
	outs := outputs(t, files)
	for name, ps := range leaks(outs, plants) {
		for _, p := range ps {
			d := decoded(outs[name])
			i := strings.Index(d, p.value)
			t.Errorf("%s shows the %s planted in %s (%s): …%s…", name, p.family, p.file, p.position, d[max(0, i-100):min(len(d), i+len(p.value)+20)])
		}
	}
	d, err := detect.NewDetectorDefaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range outs {
		for _, f := range d.DetectString(decoded(text)) {
			t.Errorf("gitleaks finds %s in %s: %q", f.RuleID, name, f.Line)
		}
	}
	if !strings.Contains(outs["analyze --json"], "[redacted:") {
		t.Error("no redaction marker in the output")
	}
	if strings.Contains(decoded(outs["analyze --server (--url)"]), "S3rv3rPassw0rd42") {
		t.Error("the --server URL's password is shown")
	}
}

// The test above would fail with either pass off: each pass alone lets
// planted secrets through, and with both off every planted secret
// reaches some output (so none of them is planted where no output goes).
func TestEachRedactionPassIsNeeded(t *testing.T) {
	files, plants := plantLogs(t, t.TempDir())
	seen := func(found map[string][]plant) map[plant]bool {
		m := map[plant]bool{}
		for _, ps := range found {
			for _, p := range ps {
				m[p] = true
			}
		}
		return m
	}

	restore := parse.DisableRedactionForTest()
	firstOff := seen(leaks(outputs(t, files), plants))
	restoreScrub := scrub.DisableForTest()
	bothOff := seen(leaks(outputs(t, files), plants))
	restore()
	secondOff := seen(leaks(outputs(t, files), plants))
	restoreScrub()

	for _, p := range plants {
		if !bothOff[p] {
			t.Errorf("the %s planted in %s (%s) reaches no output even unredacted: it proves nothing", p.family, p.file, p.position)
		}
		if p.secondPassOnly && !secondOff[p] {
			t.Errorf("the %s planted in %s (%s) is masked without the second pass: it does not show that pass at work", p.family, p.file, p.position)
		}
	}
	if len(firstOff) == 0 {
		t.Error("with read-time redaction off, nothing leaks: the second pass alone would do, or the test sees nothing")
	}
	if len(secondOff) == 0 {
		t.Error("with the second pass off, nothing leaks: the test cannot tell that pass is on")
	}
}
