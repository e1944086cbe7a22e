package lab

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"
)

// noiseRequest is an ordinary visitor of the same host: browsers, crawlers,
// monitoring, scanners. None of it is the connector's.
type noiseRequest struct {
	method, path, ua, from string
}

var noise = []noiseRequest{
	{"GET", "/", BrowserUA, "198.51.100.23"},
	{"GET", "/favicon.ico", BrowserUA, "198.51.100.23"},
	{"GET", "/healthz", "kube-probe/1.31", "10.42.0.1"},
	{"GET", "/robots.txt", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "198.51.100.77"},
	{"GET", "/wp-login.php", "Mozilla/5.0 zgrab/0.x", "203.0.113.201"},
	{"POST", "/api/v1/notes", "notes-cli/2.3.1", "198.51.100.140"},
	{"GET", "/.env", "curl/8.5.0", "203.0.113.202"},
	{"GET", "/healthz", "kube-probe/1.31", "10.42.0.1"},
}

// Noise sends n ordinary requests to target, as PublicHost, a few
// milliseconds apart.
func Noise(ctx context.Context, target string, n int) error {
	tu, err := url.Parse(target)
	if err != nil {
		return err
	}
	c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i := 0; i < n; i++ {
		nr := noise[i%len(noise)]
		req, err := http.NewRequestWithContext(ctx, nr.method, tu.Scheme+"://"+tu.Host+nr.path, nil)
		if err != nil {
			return err
		}
		req.Host = PublicHost
		req.Header.Set("User-Agent", nr.ua)
		req.Header.Set("X-Forwarded-For", nr.from)
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}
