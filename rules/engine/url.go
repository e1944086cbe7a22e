package engine

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/mcptriage/mcptriage/parse"
)

// ConnectorURL is the URL the user typed into Claude's connector dialog.
type ConnectorURL struct {
	Raw      string
	Scheme   string
	Host     string // without the port
	Port     string // as typed; empty when none
	Path     string // as typed, including any trailing slash
	RawQuery string
}

// ParseConnectorURL reads the --server value.
func ParseConnectorURL(s string) (*ConnectorURL, error) {
	// Whatever the user typed, a credential in it never reaches an output.
	s = parse.RedactString(strings.TrimSpace(s))
	if !strings.Contains(s, "://") {
		return nil, fmt.Errorf("%q is not a URL: give it exactly as typed into Claude, e.g. https://mcp.example.com/mcp", s)
	}
	// Redaction masks a password as "[redacted:…]", which url.Parse
	// refuses in a userinfo; nothing here reads the userinfo.
	u, err := url.Parse(withoutUserinfo(s))
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %v", s, err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", s)
	}
	return &ConnectorURL{
		Raw:      s,
		Scheme:   strings.ToLower(u.Scheme),
		Host:     strings.ToLower(u.Hostname()),
		Port:     u.Port(),
		Path:     u.EscapedPath(),
		RawQuery: u.RawQuery,
	}, nil
}

// withoutUserinfo drops the user:password@ of a URL's authority.
func withoutUserinfo(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	auth := s[i+3:]
	if end := strings.IndexAny(auth, "/?#"); end >= 0 {
		auth = auth[:end]
	}
	at := strings.LastIndex(auth, "@")
	if at < 0 {
		return s
	}
	return s[:i+3] + s[i+3+at+1:]
}

// HostAddr is the host as an address, when it is a literal IP.
func (u *ConnectorURL) HostAddr() netip.Addr {
	a, _ := netip.ParseAddr(strings.Trim(u.Host, "[]"))
	return a
}

// samePath compares request paths with the URL's path, ignoring a
// trailing slash: the exact comparisons belong to the rules that care.
func SamePathFold(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "/"), strings.TrimSuffix(b, "/"))
}
