package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// Every --json output goes through WriteJSON: & < > as they are (a
// link's query reads the same as in the text output), control
// characters escaped by JSON itself, exact on the way back.
func TestWriteJSON(t *testing.T) {
	d := &Draft{Title: "a <b> & \x1b]52;c;x\x07", URL: "https://github.com/o/r/issues/new?template=t.yml&title=x"}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, d); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, `\u0026`) || !strings.Contains(out, "template=t.yml&title=x") {
		t.Errorf("& must stay &:\n%s", out)
	}
	if strings.ContainsAny(out, "\x1b\x07") || !strings.HasSuffix(out, "}\n") || !strings.HasPrefix(out, "{\n  \"") {
		t.Errorf("control characters raw, or not the house layout:\n%q", out)
	}
	var back Draft
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back.Title != d.Title {
		t.Errorf("not exact on the way back: %q, %v", back.Title, err)
	}
	c, err := MarshalJSON(NewCommentJSON(250, "body"))
	if err != nil || !strings.Contains(string(c), `"url": "https://github.com/anthropics/claude-ai-mcp/issues/250"`) || !strings.Contains(string(c), `"version": 1`) {
		t.Errorf("comment JSON:\n%s %v", c, err)
	}
}
