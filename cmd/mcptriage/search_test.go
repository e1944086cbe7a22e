package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

const plantedGitHubToken = "gho_PLANTEDcliToken0123456789abcdefXYZ"

// githubFake answers searches as GitHub does: #250 for the callback
// phrases, and a newer issue the index cannot know.
func githubFake(t *testing.T, fail int) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/search/issues" {
			http.NotFound(w, r)
			return
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+plantedGitHubToken {
			t.Errorf("Authorization %q", got)
		}
		if fail != 0 {
			w.WriteHeader(fail)
			fmt.Fprint(w, `{"message":"Service Unavailable"}`)
			return
		}
		items := []map[string]any{}
		if strings.Contains(r.URL.Query().Get("q"), "Method Not Allowed") {
			items = append(items,
				map[string]any{"number": 250, "title": "OAuth callback rejects 307", "state": "open", "html_url": "https://github.com/anthropics/claude-ai-mcp/issues/250",
					"labels": []map[string]any{{"name": "bug"}}, "created_at": "2026-03-02T10:00:00Z", "updated_at": "2026-11-20T10:00:00Z", "comments": 12},
				map[string]any{"number": 1190, "title": "Consent redirect 307 breaks the connector again", "state": "open", "html_url": "https://github.com/anthropics/claude-ai-mcp/issues/1190",
					"labels": []map[string]any{}, "created_at": "2026-11-22T10:00:00Z", "updated_at": "2026-11-23T10:00:00Z"})
		}
		json.NewEncoder(w).Encode(map[string]any{"total_count": len(items), "incomplete_results": false, "items": items})
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func runOnline(t *testing.T, api string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	io, _, out, errOut := testIO()
	env := map[string]string{"GITHUB_API_URL": api}
	io.getenv = func(k string) string { return env[k] }
	f := &factory{
		IO:          io,
		GitHubToken: func(string) (string, string) { return plantedGitHubToken, "gh auth token" },
		CacheDir:    func() (string, error) { return t.TempDir(), nil },
	}
	code = runWith(args, f)
	return code, out.String(), errOut.String()
}

func TestSearchOnline(t *testing.T) {
	srv, calls := githubFake(t, 0)
	code, out, errOut := runOnline(t, srv.URL, "search", "--demo", "--ofid", "ofid_3b5554ba7fdde381")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if calls.Load() == 0 {
		t.Fatal("GitHub was not asked")
	}
	for _, want := range []string{
		"GitHub search (",
		"#1190 ", "opened 2026-11-22",
		"written like callback_redirect_307 issues (GitHub search)",
		"#250 already tracks this failure",
		"mcptriage report --comment 250 --ofid ofid_3b5554ba7fdde381 --demo",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "with the token from gh auth token") {
		t.Errorf("stderr: %s", errOut)
	}
	for _, s := range []string{out, errOut} {
		if strings.Contains(s, "PLANTED") {
			t.Errorf("the token leaked: %s", s)
		}
	}
}

func TestReportSearchFallsBackAndStillDrafts(t *testing.T) {
	srv, _ := githubFake(t, http.StatusServiceUnavailable)
	code, out, errOut := runOnline(t, srv.URL, "report", "--demo", "--search", "--ofid", "ofid_3b5554ba7fdde381")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "GitHub's search failed on its side (503 Service Unavailable); showing the built-in index instead") {
		t.Errorf("stderr: %s", errOut)
	}
	if !strings.Contains(out, "### Additional context") || !strings.Contains(out, "Tracker issues that look like this failure: #250 (open)") {
		t.Errorf("the draft lacks the index's matches:\n%s", out)
	}
	if strings.Contains(out+errOut, "PLANTED") {
		t.Error("the token leaked")
	}
}

// With --redact-hosts, the host is not sent to GitHub either.
func TestReportSearchKeepsRedactedHostsPrivate(t *testing.T) {
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.Query().Get("q"))
		fmt.Fprint(w, `{"total_count":0,"incomplete_results":false,"items":[]}`)
	}))
	t.Cleanup(srv.Close)
	log := writeTemp(t, "access.log", strings.Join([]string{
		`160.79.106.35 - - [20/Nov/2026:09:00:01 +0000] "POST /mcp HTTP/1.1" 401 68 "-" "python-httpx/0.28.1"`,
		`160.79.106.35 - - [20/Nov/2026:09:00:01 +0000] "GET /.well-known/oauth-protected-resource/mcp HTTP/1.1" 404 153 "-" "python-httpx/0.28.1"`,
		`160.79.106.35 - - [20/Nov/2026:09:00:02 +0000] "GET /.well-known/oauth-protected-resource HTTP/1.1" 404 153 "-" "python-httpx/0.28.1"`,
		`160.79.106.35 - - [20/Nov/2026:09:00:02 +0000] "GET /.well-known/oauth-authorization-server HTTP/1.1" 404 153 "-" "python-httpx/0.28.1"`,
	}, "\n")+"\n")
	for _, redact := range []bool{false, true} {
		queries = nil
		args := []string{"report", "--search", "--server", "https://mcp.acme-widgets.dev/mcp", log}
		if redact {
			args = append(args, "--redact-hosts")
		}
		if code, _, errOut := runOnline(t, srv.URL, args...); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		sent := strings.Contains(strings.Join(queries, "\n"), "acme-widgets")
		if sent == redact {
			t.Errorf("--redact-hosts=%v: host sent to GitHub %v (queries %q)", redact, sent, queries)
		}
	}
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A status GitHub sends without a message reads "GitHub answered 404;",
// not "GitHub answered 404 ;".
func TestSearchStatusWithoutMessage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	code, _, errOut := runOnline(t, srv.URL, "search", "--mode", "callback_redirect_307")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "GitHub answered 404; showing the built-in index") {
		t.Errorf("stderr: %s", errOut)
	}
}
