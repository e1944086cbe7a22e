package report

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// The fuzz targets feed hostile bytes to each output that shows log text
// (the draft in all its forms, the terminal view) and check the safety
// properties, not the wording. `go test` runs their seeds; CI runs each
// for a bounded time:
//
//	go test ./report -run '^$' -fuzz '^FuzzDraft$' -fuzztime 20s
//	go test ./report -run '^$' -fuzz '^FuzzTerminalView$' -fuzztime 20s

var fuzzSeeds = []string{
	"",
	"\x1b]52;c;aGk=\x07\x1b[2J\x1b]0;pwned\x07\x1b]8;;https://evil.example\x1b\\x\x1b]8;;\x1b\\",
	"\x00\x01\x7f\u0085\u009b31m\xff\xfe\u202e\r\n### injected heading\n- list",
	"</details><img src=x onerror=alert(1)><script>alert(1)</script>",
	"[x](https://evil.example) ![i](https://evil.example/i.png) <https://evil.example> https://evil.example www.evil.example",
	"@octocat #1 GH-1 owner/repo#1 a5c3785ed8d6a35868bc169f07e40e889087fd2e",
	"````` ``` ` ~~~ $x$ &lt;b&gt; *e* _u_ ~~s~~ | a | b |\n|---|---|",
	"1. item\n+ item\n    code\n> quote\n===",
	"alice@corp.example alice%40corp.example 81.2.69.160 [2a01:4f8::1]:443",
	"日本語の行 ✓ → e\u0301 👍 " + strings.Repeat("x", 300),
	"%3C%2Fdetails%3E%40octocat%231%0A%23%23%23",
}

var (
	fuzzBaseOnce sync.Once
	fuzzBase     *Report
)

// fuzzReport is the demo-like failed attempt, analysed once, with s put
// into every field that carries text from a log.
func fuzzReport(t *testing.T, s string) *Report {
	fuzzBaseOnce.Do(func() { fuzzBase = analyzeFiles(t, []txtar.File{{Name: "access.log", Data: []byte(hostileLog())}}) })
	r := mapStrings(fuzzBase, func(x string) string { return x })
	r.ConnectorURL = "https://mcp.example.com/" + s
	r.Notes = append(r.Notes, s)
	for i := range r.Inputs {
		in := &r.Inputs[i]
		in.Path += s
		in.Error, in.Warnings, in.SkipReasons = s, append(in.Warnings, s), append(in.SkipReasons, s)
	}
	for i := range r.Findings {
		r.Findings[i].Summary += s
	}
	for i := range r.Attempts {
		a := &r.Attempts[i]
		a.Host, a.ConnectorPath, a.AddressNote = a.Host+s, a.ConnectorPath+s, s
		for j := range a.Findings {
			f := &a.Findings[j]
			f.Summary, f.DecisiveNextStep = f.Summary+s, s
		}
		for j := range a.Events {
			e := &a.Events[j]
			e.Line, e.Path, e.Query, e.UserAgent, e.Message, e.EdgeRule = e.Line+s, e.Path+s, e.Query+"&resource="+s, s, s, s
			e.Views = append(e.Views, View{At: e.At, Layer: "edge", Line: s})
		}
	}
	return r
}

func FuzzDraft(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Through the parser: s as a user agent and in a path.
		log := strings.ReplaceAll(hostileLog(), plantedUA, s)
		log = strings.Replace(log, plantedPath, "/authorize/consent/"+strings.ReplaceAll(s, " ", "%20"), 1)
		parsed := analyzeFiles(t, []txtar.File{{Name: "access.log", Data: []byte(log)}})
		for _, r := range []*Report{parsed, fuzzReport(t, s)} {
			opts := DraftOptions{ClaudeError: s, Browser: s, WorksIn: []string{s}, Where: s}
			forms := []bool{false}
			if r != parsed {
				forms = append(forms, true) // the user form too, once
			}
			for _, user := range forms {
				opts.User = user
				outs := publishedOutputs(t, r, opts)
				for name, out := range outs {
					if i := strings.IndexFunc(out, func(c rune) bool {
						return c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 && c < 0xa0 || isBidiControl(c)
					}); i >= 0 {
						t.Fatalf("%s: raw control character: %q", name, out[max(0, i-20):min(len(out), i+10)])
					}
				}
				checkLive(t, "draft", outs["md"], true)
				checkLive(t, "link", outs["url"], true)
				checkLive(t, "comment", outs["comment"], false)
			}
		}
	})
}

// checkLive is checkMarkdownIsInert for arbitrary input: nothing live at
// all (the planted words may be anything, so the check is structural).
func checkLive(t *testing.T, name, md string, form bool) {
	t.Helper()
	checkMarkdown(t, name, md, form, nil)
	if t.Failed() {
		t.FailNow()
	}
}

func FuzzTerminalView(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, 80)
	}
	f.Add("a b", 1)
	f.Fuzz(func(t *testing.T, s string, width int) {
		width = width % 400
		r := fuzzReport(t, s)
		for _, color := range []bool{false, true} {
			var b bytes.Buffer
			if err := WriteText(&b, r, Style{Color: color, Width: width}); err != nil {
				t.Fatal(err)
			}
			checkTerminalSafe(t, b.String())
			if t.Failed() {
				t.FailNow()
			}
		}
	})
}
