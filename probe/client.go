package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mcptriage/mcptriage/parse"
)

// Exchange is one request and what came back, redacted.
type Exchange struct {
	Method          string `json:"method"`
	URL             string `json:"url"`
	UserAgent       string `json:"user_agent"`
	Status          int    `json:"status,omitempty"`
	ContentType     string `json:"content_type,omitempty"`
	Server          string `json:"server,omitempty"`
	Location        string `json:"location,omitempty"`
	WWWAuthenticate string `json:"www_authenticate,omitempty"`
	Body            string `json:"body,omitempty"`
	Millis          int64  `json:"ms"`
	Error           string `json:"error,omitempty"`

	took   time.Duration
	header http.Header
	raw    []byte
	doc    map[string]any
}

// ok: the server answered (whatever the status).
func (e *Exchange) ok() bool { return e.Error == "" }

func (e *Exchange) isJSON() bool { return strings.Contains(strings.ToLower(e.ContentType), "json") }

func (e *Exchange) isHTML() bool {
	return strings.Contains(strings.ToLower(e.ContentType), "html") || bytes.HasPrefix(bytes.TrimSpace(bytes.ToLower(e.raw)), []byte("<!doctype html")) || bytes.HasPrefix(bytes.TrimSpace(bytes.ToLower(e.raw)), []byte("<html"))
}

// str is a string field of the JSON body.
func (e *Exchange) str(key string) string {
	s, _ := e.doc[key].(string)
	return s
}

// fromCDN says the answer came from a CDN or bot wall rather than the
// server: the headers and pages Cloudflare and its peers use.
func (e *Exchange) fromCDN() string {
	h := e.header
	switch {
	case h == nil:
		return ""
	case strings.EqualFold(h.Get("Cf-Mitigated"), "challenge"):
		return "Cloudflare challenge (cf-mitigated: challenge)"
	case strings.EqualFold(h.Get("Server"), "cloudflare") && h.Get("Cf-Ray") != "":
		return "Cloudflare (server: cloudflare, cf-ray " + h.Get("Cf-Ray") + ")"
	case h.Get("X-Amzn-Waf-Action") != "" || h.Get("X-Amz-Cf-Id") != "":
		return "AWS CloudFront/WAF"
	case strings.Contains(strings.ToLower(h.Get("Server")), "akamai"):
		return "Akamai"
	}
	low := strings.ToLower(string(e.raw))
	for _, page := range []string{"just a moment...", "attention required", "your request was blocked", "access denied", "request blocked"} {
		if strings.Contains(low, page) {
			return fmt.Sprintf("a block page (%q)", page)
		}
	}
	return ""
}

// client makes the probe's requests: no redirect followed, no retry, a
// budget of requests, a timeout each.
type client struct {
	hc     *http.Client
	header http.Header
	budget int
	used   *int
}

func newClient(o Options, dial func(ctx context.Context, network, addr string) (net.Conn, error), tlsConf *tls.Config, used *int) *client {
	tr := &http.Transport{
		DialContext:           dial,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 0, // the request's own deadline decides
		DisableKeepAlives:     true,
		Proxy: func(r *http.Request) (*url.URL, error) {
			// A pinned host is reached directly: a proxy would resolve
			// the name itself.
			if _, ok := pinFor(o.Pins, r.URL.Hostname(), portOf(r.URL)); ok {
				return nil, nil
			}
			return http.ProxyFromEnvironment(r)
		},
	}
	return &client{
		hc: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		header: o.Header,
		budget: maxRequests,
		used:   used,
	}
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "http" {
		return "80"
	}
	return "443"
}

// do sends one request within timeout and records the exchange.
func (c *client) do(ctx context.Context, method, url, ua string, body []byte, h http.Header, timeout time.Duration) *Exchange {
	x := &Exchange{Method: method, URL: parse.RedactString(url), UserAgent: ua}
	if *c.used >= c.budget {
		x.Error = "not sent: the probe's request budget is spent"
		return x
	}
	*c.used++
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		x.Error = err.Error()
		return x
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if ua == "" {
		// An empty User-Agent, not Go's default one.
		req.Header["User-Agent"] = []string{""}
	} else {
		req.Header.Set("User-Agent", ua)
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	x.took = time.Since(start)
	x.Millis = x.took.Milliseconds()
	if err != nil {
		x.Error = describeErr(err, timeout)
		return x
	}
	defer resp.Body.Close()
	x.raw, _ = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	x.took = time.Since(start)
	x.Millis = x.took.Milliseconds()
	x.Status = resp.StatusCode
	x.header = resp.Header
	x.ContentType = resp.Header.Get("Content-Type")
	x.Server = resp.Header.Get("Server")
	x.Location = parse.RedactString(resp.Header.Get("Location"))
	x.WWWAuthenticate = resp.Header.Get("WWW-Authenticate")
	x.Body = parse.RedactString(excerpt(x.raw))
	var doc map[string]any
	if json.Unmarshal(x.raw, &doc) == nil {
		x.doc = doc
	}
	return x
}

// describeErr says what went wrong without the URL Go repeats.
func describeErr(err error, timeout time.Duration) string {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return fmt.Sprintf("no answer within %s", timeout)
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
