package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes v the one way every --json output is written:
// indented by two spaces, one value per document, a final newline, and
// &, < and > as they are (a URL's query stays readable and equal to the
// one the text output shows). JSON's own escaping keeps control
// characters and quotes exact and harmless.
func WriteJSON(w io.Writer, v any) error {
	b, err := MarshalJSON(v)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// MarshalJSON is WriteJSON into a byte slice.
func MarshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("writing JSON: %w", err)
	}
	return buf.Bytes(), nil
}

// CommentJSON is what `report --comment N --json` prints.
type CommentJSON struct {
	Version int    `json:"version"`
	Repo    string `json:"repo"`
	Issue   int    `json:"issue"`
	// Body is the comment, Markdown, as Comment writes it.
	Body string `json:"body"`
	URL  string `json:"url"`
}

// NewCommentJSON is the comment for issue n of the tracker, for scripts.
func NewCommentJSON(n int, body string) CommentJSON {
	return CommentJSON{Version: Version, Repo: TrackerRepo, Issue: n, Body: body, URL: IssueURL(n)}
}

// IssueURL is the tracker's page for issue n.
func IssueURL(n int) string { return fmt.Sprintf("https://github.com/%s/issues/%d", TrackerRepo, n) }
