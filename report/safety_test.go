package report

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mcptriage/mcptriage/report/tracker"
	"github.com/rogpeppe/go-internal/txtar"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
)

// The hostile values a client can put into a server's log, planted where
// real logs carry them: the path, the user agent, the Referer, the
// resource= and login_hint= of an authorization request. Each would be
// live on GitHub if a draft passed it through: an HTML element, a
// closing </details>, an image, a link, an @mention, a #N reference, a
// backtick run that closes a code block, and terminal escapes (OSC 52
// writes the clipboard, CSI 2J clears the screen).
const (
	plantedUA       = "Mozilla/5.0 <img src=x onerror=alert(1)> </details> @octocat #1 [x](https://evil.example) ```` ` \x1b]52;c;aGk=\x07\x1b[2J"
	plantedPath     = "/authorize/consent/</details><img/src=x/onerror=alert(1)>@octocat#1[x](https://evil.example)`x```"
	plantedResource = "https%3A%2F%2Fmcp.example.com%2Fmcp%3C%2Fdetails%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%40octocat%231"
	personAddress   = "81.2.69.160"
	personEmail     = "alice.smith%40corp.example"
)

// hostileLog is a failed connect (a 307 on consent) whose browser leg
// carries the planted values, from a person's public address.
func hostileLog() string {
	return strings.Join([]string{
		`160.79.106.121 - - [24/Nov/2026:08:54:44 +0000] "POST /mcp HTTP/1.1" 401 68 "-" "python-httpx/0.28.1" rt=0.034`,
		`160.79.106.121 - - [24/Nov/2026:08:54:44 +0000] "GET /.well-known/oauth-protected-resource/mcp HTTP/1.1" 200 356 "-" "python-httpx/0.28.1" rt=0.048`,
		`160.79.106.121 - - [24/Nov/2026:08:54:44 +0000] "GET /.well-known/oauth-authorization-server HTTP/1.1" 200 1184 "-" "python-httpx/0.28.1" rt=0.049`,
		`160.79.106.121 - - [24/Nov/2026:08:54:45 +0000] "POST /register HTTP/1.1" 201 422 "-" "python-httpx/0.28.1" rt=0.021`,
		personAddress + ` - - [24/Nov/2026:08:54:45 +0000] "GET /authorize?response_type=code&client_id=c_7Hq2xK9pLm&login_hint=` + personEmail + `&redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback&state=st_4kR9wQ2mN8&scope=mcp&resource=` + plantedResource + ` HTTP/1.1" 200 3921 "https://claude.ai/" "` + plantedUA + `" rt=0.022`,
		personAddress + ` - - [24/Nov/2026:08:55:05 +0000] "POST ` + plantedPath + ` HTTP/1.1" 307 0 "https://mcp.example.com/authorize?u=bob@corp.example" "` + plantedUA + `" rt=0.005`,
	}, "\n") + "\n"
}

func hostileReport(t testing.TB) *Report {
	t.Helper()
	r := analyzeFiles(t.(*testing.T), []txtar.File{{Name: "access.log", Data: []byte(hostileLog())}})
	if len(r.Attempts) != 1 || len(r.Attempts[0].Findings) == 0 {
		t.Fatalf("the hostile log must give one diagnosed attempt, or the test proves nothing: %+v", r.Attempts)
	}
	return r
}

// Words of the planted values that must never be live: outside a code
// span or a code block, none of them may appear in the rendered draft.
var plantedMarkers = []string{"octocat", "evil.example", "onerror", "</details", "<img"}

// publishedOutputs are every form a draft leaves in: the Markdown, the
// JSON's strings, the prefilled link's field values (decoded), the comment.
func publishedOutputs(t *testing.T, r *Report, opts DraftOptions) map[string]string {
	t.Helper()
	d, err := BuildDraft(r, opts)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{"md": d.Markdown(), "comment": Comment(r, opts)}
	js, err := MarshalJSON(d)
	if err != nil {
		t.Fatal(err)
	}
	var back Draft
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	out["json"] = back.Markdown() + strings.Join(back.Advice, "\n")
	out["url"] = submittedForm(t, d)
	return out
}

// submittedForm is the issue GitHub writes from the prefilled link: each
// field the link fills under its heading, shell fields in GitHub's own
// ``` block (which a value must not be able to close).
func submittedForm(t *testing.T, d *Draft) string {
	t.Helper()
	u, _ := d.PrefillURL(URLLimit)
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.Query()
	form := DeveloperForm
	if d.Template == UserTemplate {
		form = UserForm
	}
	b := "# " + q.Get("title") + "\n"
	for _, f := range form {
		v := q.Get(f.ID)
		if v == "" {
			v = "_No response_"
		} else if f.Shell {
			v = "```shell\n" + v + "\n```"
		}
		b += "\n### " + f.Label + "\n\n" + v + "\n"
	}
	return b
}

// A draft is safe to paste: rendered by a CommonMark renderer with
// GitHub's extensions, no HTML element, link, image or mention comes from
// log text, the form's headings are the only headings, and no control
// character is left.
func TestDraftIsSafeToPaste(t *testing.T) {
	r := hostileReport(t)
	for _, user := range []bool{false, true} {
		outs := publishedOutputs(t, r, DraftOptions{User: user})
		for name, s := range outs {
			if i := strings.IndexFunc(s, func(c rune) bool { return c < 0x20 && c != '\n' && c != '\t' || c == 0x7f }); i >= 0 {
				t.Errorf("%s: raw control character at %d: %q", name, i, s[max(0, i-30):min(len(s), i+10)])
			}
		}
		checkMarkdownIsInert(t, "draft", outs["md"], true)
		checkMarkdownIsInert(t, "link", outs["url"], true)
		checkMarkdownIsInert(t, "comment", outs["comment"], false)
		if !user && !strings.Contains(outs["md"], `\x1b]52;c;aGk=\x07`) {
			t.Error("the escape sequence should be shown escaped, not dropped")
		}
		checkMermaidLabels(t, outs["md"])
	}
}

// checkMarkdownIsInert renders md as GitHub would (CommonMark, tables,
// strikethrough, bare-link autolinking) and fails on anything live that
// log text could have made.
func checkMarkdownIsInert(t *testing.T, name, md string, form bool) {
	checkMarkdown(t, name, md, form, plantedMarkers)
}

// checkMarkdown fails on any HTML, link, image, autolink or mention, on
// a heading a form would not have, and on any of markers outside code.
func checkMarkdown(t *testing.T, name, md string, form bool, markers []string) {
	t.Helper()
	gm := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe()))
	src := []byte(md)
	doc := gm.Parser().Parse(text.NewReader(src))
	headings := 0
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindCodeSpan, ast.KindFencedCodeBlock, ast.KindCodeBlock:
			return ast.WalkSkipChildren, nil
		case ast.KindRawHTML, ast.KindHTMLBlock:
			t.Errorf("%s: raw HTML: %q", name, nodeText(n, src))
		case ast.KindLink, ast.KindImage, ast.KindAutoLink:
			t.Errorf("%s: a %s: %q", name, n.Kind(), nodeText(n, src))
		case ast.KindHeading:
			headings++
		case ast.KindText, ast.KindString:
			s := nodeText(n, src)
			for _, m := range markers {
				if strings.Contains(s, m) {
					t.Errorf("%s: %q outside code, in %q", name, m, s)
				}
			}
			if mention.MatchString(s) {
				t.Errorf("%s: a mention outside code: %q", name, s)
			}
			if plantedRef.MatchString(s) {
				t.Errorf("%s: a #1 reference outside code: %q", name, s)
			}
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var rendered bytes.Buffer
	if err := gm.Convert(src, &rendered); err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"<img", "<a ", "<details", "</details", "<script"} {
		if strings.Contains(rendered.String(), tag) {
			t.Errorf("%s: the HTML has %s", name, tag)
		}
	}
	if form {
		// The title and the form's headings (the user form has 9, the
		// developer's 12); a log line could add none.
		if headings != len(DeveloperForm)+1 && headings != len(UserForm)+1 {
			t.Errorf("%s: %d headings", name, headings)
		}
	}
}

// checkMermaidLabels: GitHub draws the diagram, and Mermaid reads HTML,
// entities and separators in a message's label; a label from a log
// carries none of them.
func checkMermaidLabels(t *testing.T, md string) {
	t.Helper()
	_, block, ok := strings.Cut(md, "```mermaid\n")
	if !ok {
		t.Fatal("no diagram")
	}
	block, _, _ = strings.Cut(block, "```")
	for _, m := range mermaidMessage.FindAllStringSubmatch(block, -1) {
		if !mermaidSafe.MatchString(m[1]) {
			t.Errorf("diagram label %q", m[1])
		}
	}
}

var (
	mermaidMessage = regexp.MustCompile(`(?m)^    \w+(?:->>|-->>|--x)\w+: (.*)$`)
	mermaidSafe    = regexp.MustCompile(`^[\p{L}\p{N} /.\-_?=,()+'×…·]*$`)
	mention        = regexp.MustCompile(`(^|[^\w])@\w`)
	plantedRef     = regexp.MustCompile(`#1\b`)
)

func nodeText(n ast.Node, src []byte) string {
	if t, ok := n.(*ast.Text); ok {
		return string(t.Segment.Value(src))
	}
	if s, ok := n.(*ast.String); ok {
		return string(s.Value)
	}
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		b.WriteString(nodeText(c, src))
	}
	if b.Len() == 0 && n.Type() == ast.TypeBlock && n.Lines() != nil {
		for i := 0; i < n.Lines().Len(); i++ {
			seg := n.Lines().At(i)
			b.Write(seg.Value(src))
		}
	}
	return b.String()
}

// A person's address and e-mail stay out of every published form of the
// draft, each replaced by the same stand-in everywhere; Anthropic's
// addresses and claude.ai stay; --keep-addresses keeps them all.
func TestDraftKeepsPeopleOut(t *testing.T) {
	r := hostileReport(t)
	for name, s := range publishedOutputs(t, r, DraftOptions{}) {
		for _, personal := range []string{personAddress, "alice.smith", "bob@corp.example"} {
			if strings.Contains(s, personal) || strings.Contains(decodeAll(s), personal) {
				t.Errorf("%s publishes %s", name, personal)
			}
		}
		if name == "comment" {
			continue
		}
		for _, keep := range []string{"160.79.106.121", "claude.ai", "address-1"} {
			if !strings.Contains(decodeAll(s), keep) {
				t.Errorf("%s lacks %s", name, keep)
			}
		}
	}
	md := publishedOutputs(t, r, DraftOptions{})["md"]
	if strings.Count(md, "address-1") < 2 || strings.Contains(md, "address-2") {
		t.Error("one address, one stand-in, used wherever it appears")
	}
	for name, s := range publishedOutputs(t, r, DraftOptions{KeepAddresses: true}) {
		if name != "comment" && !strings.Contains(s, personAddress) {
			t.Errorf("--keep-addresses: %s lacks the address", name)
		}
	}
	// The terminal view stays on the owner's machine: it shows them.
	var text bytes.Buffer
	if err := WriteText(&text, r, Style{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), personAddress) {
		t.Error("the terminal view should show the address")
	}
}

func decodeAll(s string) string {
	d := decodings(s)
	return d[len(d)-1]
}

// Which addresses name a person: the shapes that look like addresses and
// are not (a browser's version, a clock, C++), and the ones that stay.
func TestAddressStandIns(t *testing.T) {
	tests := []struct{ in, want, wantAll string }{
		{"from 81.2.69.160 at", "from address-1 at", ""},
		{"Chrome/142.0.0.0 Safari/537.36", "Chrome/142.0.0.0 Safari/537.36", ""},
		{"160.79.106.121 and 203.0.113.57", "160.79.106.121 and 203.0.113.57", ""},
		{"10.0.0.5 127.0.0.1 100.64.1.2", "10.0.0.5 127.0.0.1 100.64.1.2", "address-1 127.0.0.1 address-2"},
		{"peer 172.68.132.136 (Cloudflare)", "peer 172.68.132.136 (Cloudflare)", "peer address-1 (Cloudflare)"},
		{"1.2.3.4.5 and v1.2.3.4", "1.2.3.4.5 and v1.2.3.4", ""},
		{"http://81.2.69.160/x and for=81.2.69.160.", "http://address-1/x and for=address-1.", ""},
		{"[2a01:4f8::1]:443 at 09:00:32 std::vector 2001:db8::1", "[address-1]:443 at 09:00:32 std::vector 2001:db8::1", ""},
		{"::ffff:81.2.69.160", "::ffff:address-1", ""},
		{"alice@corp.example, ALICE%40corp.example", "email-1, email-1", ""},
		{"https://u:p@mcp.example.com/x", "https://u:p@mcp.example.com/x", ""},
	}
	for _, tt := range tests {
		for _, all := range []bool{false, true} {
			want := tt.want
			if all && tt.wantAll != "" {
				want = tt.wantAll
			}
			x := &redactor{allAddresses: all, addrs: map[netip.Addr]string{}, emails: map[string]string{}}
			if got := x.apply(tt.in); got != want {
				t.Errorf("all=%v: %q → %q, want %q", all, tt.in, got, want)
			}
		}
	}
}

// --redact-hosts replaces the server's host wherever it is: the server
// URL field, a Referer, after user:pass@, in a resource= encoded once,
// twice, or with its dots encoded, in any case.
func TestRedactHostsEverywhere(t *testing.T) {
	log := strings.ReplaceAll(hostileLog(), "https://mcp.example.com/authorize?u=bob@corp.example", "https://alice:pw@MCP.Example.com:8443/authorize")
	log = strings.Replace(log, plantedResource, "https%253A%252F%252Fmcp%252Eexample%252Ecom%252Fmcp&aud=mcp%2Eexample%2Ecom", 1)
	r := analyzeFiles(t, []txtar.File{{Name: "mcp.example.com.log", Data: []byte(log)}})
	if len(r.Attempts) == 0 {
		t.Fatal("no attempt")
	}
	opts := DraftOptions{RedactHosts: true, ServerURL: "https://mcp.example.com/mcp"}
	for name, s := range publishedOutputs(t, r, opts) {
		for _, form := range []string{s, decodeAll(s)} {
			if strings.Contains(strings.ToLower(form), "mcp.example.com") {
				i := strings.Index(strings.ToLower(form), "mcp.example.com")
				t.Errorf("%s keeps the host: %q", name, form[max(0, i-40):min(len(form), i+30)])
			}
		}
		if !strings.Contains(s, "host-1.example") || name != "comment" && !strings.Contains(s, "claude.ai") {
			t.Errorf("%s: the stand-in, and claude.ai, should be there", name)
		}
	}
	d, _ := BuildDraft(r, opts)
	want(t, d.Field("server-url"), "`https://host-1.example/mcp`")

	// No URL given, no Host logged: the host is known only from the
	// encoded resource= of the authorization.
	log = strings.ReplaceAll(hostileLog(), "https://mcp.example.com/authorize?u=bob@corp.example", "https://claude.ai/")
	log = strings.Replace(log, plantedResource, "https%3A%2F%2Fmcp.example.com%2Fmcp", 1)
	r = analyzeFiles(t, []txtar.File{{Name: "access.log", Data: []byte(log)}})
	for name, s := range publishedOutputs(t, r, DraftOptions{RedactHosts: true}) {
		if strings.Contains(decodeAll(s), "mcp.example.com") {
			t.Errorf("%s keeps the host known only from resource=", name)
		}
	}
}

// No control character from a log reaches the terminal: the view shows
// it escaped, and with colour on the only escapes are its own colours.
func TestTerminalViewEscapesControls(t *testing.T) {
	r := hostileReport(t)
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		if err := WriteText(&b, r, Style{Color: color, Width: 100}); err != nil {
			t.Fatal(err)
		}
		checkTerminalSafe(t, b.String())
		if !strings.Contains(b.String(), `\x1b]52;c;aGk=\x07`) {
			t.Error("the escape sequence should be shown escaped")
		}
	}
}

// checkTerminalSafe: once the view's own colour codes are taken out, no
// control character (but newline), no C1 control, no invalid UTF-8.
func checkTerminalSafe(t testing.TB, out string) {
	t.Helper()
	plain := sgr.ReplaceAllString(out, "")
	if !utf8.ValidString(plain) {
		t.Errorf("invalid UTF-8 reaches the terminal")
	}
	for i, c := range plain {
		if c < 0x20 && c != '\n' || c == 0x7f || c >= 0x80 && c < 0xa0 || isBidiControl(c) {
			t.Errorf("control character %U at %d: %q", c, i, plain[max(0, i-30):min(len(plain), i+10)])
			return
		}
	}
}

func TestGuardFenceLines(t *testing.T) {
	got := guardFenceLines("```\nok\n   ~~~ x\n    ```")
	if got != "    ```\nok\n       ~~~ x\n    ```" {
		t.Errorf("%q", got)
	}
}

func TestEscapeControls(t *testing.T) {
	for in, want := range map[string]string{
		"plain\ttab":          "plain\ttab",
		"\x1b[2J\x07\x00\x7f": `\x1b[2J\x07\x00\x7f`,
		"a\r\nb":              `a\x0d\x0ab`,
		"c1 \u009b31m":        `c1 \u009b31m`,
		"bad \xff\xfe utf8":   `bad \xff\xfe utf8`,
		"rtl \u202egnp.exe":   `rtl \u202egnp.exe`,
		"日本語 ✓ → é":           "日本語 ✓ → é",
	} {
		if got := EscapeControls(in); got != want {
			t.Errorf("EscapeControls(%q) = %q, want %q", in, got, want)
		}
	}
}

// A code span or a block is longer than any backtick run in what it
// holds, so nothing inside can close it: rendered, it holds the whole.
func TestFencesOutlastTheirContent(t *testing.T) {
	gm := goldmark.New(goldmark.WithExtensions(extension.GFM))
	for _, body := range []string{"````\n<img src=x onerror=alert(1)>\n```", "`", "a ``` b", "```` ` <b>"} {
		src := []byte("before\n\n" + mdFence("text", body) + "\nafter " + mdCode(strings.ReplaceAll(body, "\n", " ")) + " end\n")
		doc := gm.Parser().Parse(text.NewReader(src))
		var blocks, spans []string
		_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if entering && n.Kind() == ast.KindFencedCodeBlock {
				blocks = append(blocks, strings.TrimSuffix(nodeText(n, src), "\n"))
			}
			if entering && n.Kind() == ast.KindCodeSpan {
				spans = append(spans, nodeText(n, src))
			}
			if entering && (n.Kind() == ast.KindRawHTML || n.Kind() == ast.KindHTMLBlock) {
				t.Errorf("HTML escaped the fence: %q", src)
			}
			return ast.WalkContinue, nil
		})
		if len(blocks) != 1 || blocks[0] != body || len(spans) != 1 || spans[0] != strings.ReplaceAll(body, "\n", " ") {
			t.Errorf("%q: blocks %q, spans %q", body, blocks, spans)
		}
	}
}

// Prose that carries log text: our words stay words, anything GitHub
// would read goes into code, and no line opens a block.
func TestMdText(t *testing.T) {
	for in, want := range map[string]string{
		"POST /mcp → 401, then":              "POST `/mcp` → 401, then",
		"ping @octocat and #1.":              "ping `@octocat` and `#1`.",
		"commit a5c3785ed8d6 or GH-12":       "commit `a5c3785ed8d6` or `GH-12`",
		"see www.evil.example now":           "see `www.evil.example` now",
		"- item\n1. two\n+ three":            "\\- item\n1\\. two\n\\+ three",
		"    indented code":                  "indented code",
		"(user agent \"x<b>y\")":             "(user agent \"`x<b>y`\")",
		"a registration for deadlines.":      "a registration for deadlines.",
		"at 09:00:32.900Z from 160.79.107.8": "at 09:00:32.900Z from 160.79.107.8",
		"rule \"Manage AI bots\" (block)":    "rule \"Manage AI bots\" (block)",
		"$x$ and &amp; and *em* ~~s~~ a|b":   "`$x$` and `&amp`; and `*em*` `~~s~~` `a|b`",
	} {
		if got := mdText(in); got != want {
			t.Errorf("mdText(%q) = %q, want %q", in, got, want)
		}
	}
}

// Search results carry GitHub's titles and the user's words: shown
// escaped too.
func TestSearchViewEscapesControls(t *testing.T) {
	res := tracker.Result{
		Repo:    "o/r",
		Query:   tracker.Query{Text: "x\x1b]0;title\x07", Modes: []string{"prm_not_found"}},
		Matches: []tracker.Match{{Issue: tracker.Issue{Number: 7, Title: "t\x1b[2J\x9b31m", State: "open", Summary: "s\x00", URL: "https://github.com/o/r/issues/7", Labels: []string{"l\x1b"}}, Why: []string{"w\x07"}}},
	}
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		if err := WriteSearch(&b, res, SearchView{Style: Style{Color: color}}); err != nil {
			t.Fatal(err)
		}
		checkTerminalSafe(t, b.String())
		if !strings.Contains(b.String(), `t\x1b[2J`) {
			t.Errorf("the title should be shown escaped:\n%s", b.String())
		}
	}
}
