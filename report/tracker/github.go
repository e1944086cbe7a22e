package tracker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// DefaultAPI is GitHub's REST API.
const DefaultAPI = "https://api.github.com/"

// Online searches a tracker through GitHub's issue search.
type Online struct {
	client *github.Client
	api    string
	token  string
	// Wait sleeps for a rate limit; tests replace it.
	Wait func(ctx context.Context, d time.Duration) error
	// MaxWait bounds the one wait a search may make for GitHub's limit.
	MaxWait time.Duration
	// Timeout bounds each call.
	Timeout time.Duration
	Cache   *Cache
	// Refresh skips cached answers (and stores new ones).
	Refresh bool
	// Progress is told before a wait, so a pause is never silent.
	Progress func(msg string)

	waited bool
}

// NewOnline returns a searcher for the API at api (DefaultAPI when
// empty), authenticated when token is not empty.
func NewOnline(api, token string) (*Online, error) {
	if api == "" {
		api = DefaultAPI
	}
	if !strings.HasSuffix(api, "/") {
		api += "/"
	}
	base, err := url.Parse(api)
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return nil, fmt.Errorf("the GitHub API address %q is not an http(s) URL", api)
	}
	return &Online{
		client: newClient(base, token), api: api, token: token,
		Wait:    sleep,
		MaxWait: 30 * time.Second,
		Timeout: 15 * time.Second,
	}, nil
}

func newClient(base *url.URL, token string) *github.Client {
	c := github.NewClient(&http.Client{})
	c.BaseURL = base
	if token != "" {
		c = c.WithAuthToken(token)
	}
	return c
}

// Authenticated says a token is in use.
func (o *Online) Authenticated() bool { return o.token != "" }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SearchError says why GitHub gave no answer, in words for the user.
// Fatal errors end the online search; the others end one query.
type SearchError struct {
	Msg   string
	Fatal bool
}

func (e *SearchError) Error() string { return e.Msg }

// perPage is how many issues one query brings back: enough to rank, few
// enough that a page is one call.
const perPage = 30

// search runs one query, from the cache when it has a fresh answer. It
// waits once, at most MaxWait, for a rate limit; a longer one is an error.
func (o *Online) search(ctx context.Context, query string) (issues []Issue, cached bool, note string, err error) {
	if !o.Refresh {
		if is, _, ok := o.Cache.Get(o.api, query); ok {
			return is, true, "", nil
		}
	}
	for {
		cctx, cancel := context.WithTimeout(ctx, o.Timeout)
		res, resp, err := o.client.Search.Issues(cctx, query, &github.SearchOptions{ListOptions: github.ListOptions{PerPage: perPage}})
		cancel()
		if err == nil {
			issues = convert(res)
			if err := o.Cache.Put(o.api, query, issues); err != nil {
				note = "could not cache the answer: " + o.scrub(err.Error())
			}
			return issues, false, note, nil
		}
		wait, limited, reset := retryAfter(resp, err)
		if !limited {
			return nil, false, "", o.explain(ctx, resp, err)
		}
		if o.waited || wait > o.MaxWait {
			return nil, false, "", &SearchError{Fatal: true, Msg: o.limitMessage(wait, reset)}
		}
		o.waited = true
		if o.Progress != nil {
			o.Progress(fmt.Sprintf("GitHub's search limit was reached; waiting %s…", wait.Round(time.Second)))
		}
		note = fmt.Sprintf("GitHub's search limit was reached; waited %s once", wait.Round(time.Second))
		if err := o.Wait(ctx, wait); err != nil {
			return nil, false, "", &SearchError{Fatal: true, Msg: "interrupted while waiting for GitHub's search limit"}
		}
		// We waited as GitHub asked; go-github's memory of the limit,
		// kept by the wall clock, must not refuse the retry.
		o.client = newClient(o.client.BaseURL, o.token)
	}
}

func (o *Online) limitMessage(wait time.Duration, reset time.Time) string {
	when := fmt.Sprintf("for %s", wait.Round(time.Second))
	if !reset.IsZero() {
		when = "until " + reset.UTC().Format("15:04:05Z")
	}
	msg := "GitHub's search limit is spent " + when
	if !o.Authenticated() {
		msg += "; without a token the limit is 10 searches a minute: set GITHUB_TOKEN (or log in with gh auth login) for 30"
	}
	return msg
}

// retryAfter says whether err is a rate limit and how long to wait. A
// 429 is one too, although go-github v60 does not type it.
func retryAfter(resp *github.Response, err error) (wait time.Duration, limited bool, reset time.Time) {
	var rle *github.RateLimitError
	var are *github.AbuseRateLimitError
	switch {
	case errors.As(err, &are):
		if are.RetryAfter != nil {
			return max(*are.RetryAfter, 0), true, time.Time{}
		}
		return time.Minute, true, time.Time{}
	case errors.As(err, &rle):
		reset = rle.Rate.Reset.Time
		return max(time.Until(reset)+time.Second, 0), true, reset
	case resp != nil && resp.Response != nil && resp.StatusCode == http.StatusTooManyRequests:
		if s := resp.Header.Get("Retry-After"); s != "" {
			if n, e := strconv.Atoi(s); e == nil && n >= 0 {
				return time.Duration(n) * time.Second, true, time.Time{}
			}
		}
		if resp.Rate.Remaining == 0 && !resp.Rate.Reset.Time.IsZero() {
			reset = resp.Rate.Reset.Time
			return max(time.Until(reset)+time.Second, 0), true, reset
		}
		return time.Minute, true, time.Time{}
	}
	return 0, false, time.Time{}
}

// explain turns a failed call into a message that says what happened and
// what to do, and never holds the token.
func (o *Online) explain(ctx context.Context, resp *github.Response, err error) *SearchError {
	fatal := func(format string, args ...any) *SearchError {
		return &SearchError{Fatal: true, Msg: o.scrub(fmt.Sprintf(format, args...))}
	}
	var er *github.ErrorResponse
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		return fatal("the search was interrupted")
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return fatal("GitHub did not answer within %s", o.Timeout)
	case errors.As(err, &er) && er.Response != nil:
		msg := strings.TrimSpace(er.Message)
		code := er.Response.StatusCode
		// "404 Not Found", or "404" alone when GitHub sent no message.
		status := strings.TrimSpace(fmt.Sprintf("%d %s", code, msg))
		switch {
		case code == http.StatusUnauthorized && o.Authenticated():
			return fatal("GitHub refused the token (%s): check GITHUB_TOKEN or GH_TOKEN, or run gh auth status", status)
		case code == http.StatusUnauthorized:
			return fatal("GitHub asks for a token (%s): set GITHUB_TOKEN or log in with gh auth login", status)
		case code == http.StatusUnprocessableEntity:
			// This query only: GitHub would not run it (too long, a repo
			// it cannot see). The others may still answer.
			detail := msg
			for _, e := range er.Errors {
				if e.Message != "" {
					detail = e.Message
				}
			}
			return &SearchError{Msg: o.scrub(fmt.Sprintf("GitHub would not run a search (422 %s)", detail))}
		case code == http.StatusForbidden:
			return fatal("GitHub refused the search (%s)", status)
		case code >= 500:
			return fatal("GitHub's search failed on its side (%s)", status)
		default:
			return fatal("GitHub answered %s", status)
		}
	case errors.As(err, &syn) || errors.As(err, &typ) || errors.Is(err, io.ErrUnexpectedEOF):
		return fatal("GitHub's answer was cut short or was not the JSON of a search result")
	default:
		return fatal("could not reach %s: %s", hostOf(o.api), rootCause(err))
	}
}

// scrub removes the token from a message, in case a library put it there.
func (o *Online) scrub(s string) string {
	if o.token != "" {
		s = strings.ReplaceAll(s, o.token, "[token]")
	}
	return s
}

func hostOf(api string) string {
	if u, err := url.Parse(api); err == nil && u.Host != "" {
		return u.Host
	}
	return api
}

// rootCause is the innermost error's text: "connection refused", not
// the whole chain with the URL.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

func convert(res *github.IssuesSearchResult) []Issue {
	var out []Issue
	for _, is := range res.Issues {
		if is.IsPullRequest() {
			continue
		}
		var labels []string
		for _, l := range is.Labels {
			labels = append(labels, l.GetName())
		}
		out = append(out, Issue{
			Number: is.GetNumber(), Title: is.GetTitle(), State: is.GetState(), Labels: labels,
			URL: is.GetHTMLURL(), CreatedAt: is.GetCreatedAt().Time, UpdatedAt: is.GetUpdatedAt().Time,
			Comments: is.GetComments(),
		})
	}
	return out
}
