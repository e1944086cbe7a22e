package report

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"

	"github.com/mcptriage/mcptriage/rules"
)

// hostRedactor replaces the user's host names and non-Anthropic addresses
// with stable stand-ins, for people who must not publish them.
type hostRedactor struct {
	names map[string]string
	order []string
	ips   map[string]string
}

var (
	ipv4Pattern = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	ipv6Pattern = regexp.MustCompile(`\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}\b|\b(?:[0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{0,4}\b`)
	hostPattern = regexp.MustCompile(`\b(?:[a-zA-Z0-9-]+\.)+[a-zA-Z]{2,}\b`)
)

func newHostRedactor(r *Report, opts DraftOptions) *hostRedactor {
	h := &hostRedactor{names: map[string]string{}, ips: map[string]string{}}
	add := func(host string) {
		host = strings.ToLower(strings.TrimSpace(host))
		if host == "" || keepHost(host) {
			return
		}
		if _, ok := h.names[host]; !ok {
			h.names[host] = fmt.Sprintf("host-%d.example", len(h.names)+1)
			h.order = append(h.order, host)
		}
	}
	for _, u := range []string{opts.ServerURL, r.ConnectorURL} {
		if m := hostPattern.FindString(u); m != "" {
			add(m)
		}
	}
	for _, a := range r.Attempts {
		add(a.Host)
	}
	// Longer names first, so a.b.example.com is not half-replaced by b.example.com.
	sort.SliceStable(h.order, func(i, j int) bool { return len(h.order[i]) > len(h.order[j]) })
	return h
}

// keepHost: names that are not the user's to hide.
func keepHost(host string) bool {
	for _, keep := range []string{"claude.ai", "claude.com", "anthropic.com", "github.com"} {
		if host == keep || strings.HasSuffix(host, "."+keep) {
			return true
		}
	}
	return false
}

func (h *hostRedactor) apply(s string) string {
	for _, host := range h.order {
		s = replaceFold(s, host, h.names[host])
	}
	replaceIP := func(ip string) string {
		if isAnthropicEgress(ip) || strings.HasPrefix(ip, "203.0.113.") {
			return ip
		}
		if v, ok := h.ips[ip]; ok {
			return v
		}
		v := fmt.Sprintf("203.0.113.%d", len(h.ips)+1)
		h.ips[ip] = v
		return v
	}
	s = ipv4Pattern.ReplaceAllStringFunc(s, func(ip string) string {
		if _, err := netip.ParseAddr(ip); err != nil {
			return ip
		}
		return replaceIP(ip)
	})
	return ipv6Pattern.ReplaceAllStringFunc(s, func(ip string) string {
		if a, err := netip.ParseAddr(ip); err != nil || !a.Is6() {
			return ip
		}
		return replaceIP(ip)
	})
}

func replaceFold(s, old, repl string) string {
	lower := strings.ToLower(s)
	var b strings.Builder
	for {
		i := strings.Index(lower, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i] + repl)
		s, lower = s[i+len(old):], lower[i+len(old):]
	}
}

// isAnthropicEgress: Anthropic's addresses stay, since maintainers trace by them.
func isAnthropicEgress(ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && rules.IsAnthropicEgress(a)
}
