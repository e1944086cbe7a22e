package probe

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Pin sends the connections for Host and Port to Addr without asking
// DNS: curl's --resolve HOST:PORT:ADDR, to try a server before its DNS
// cut-over. Port "*" matches any port.
type Pin struct {
	Host string
	Port string
	Addr netip.Addr
}

// ParsePin reads HOST:PORT:ADDR (an IPv6 address may be bracketed).
func ParsePin(s string) (Pin, error) {
	bad := func(why string) (Pin, error) {
		return Pin{}, fmt.Errorf("--resolve %q: %s; give HOST:PORT:ADDRESS, e.g. mcp.example.com:443:203.0.113.10", s, why)
	}
	host, rest, ok := strings.Cut(s, ":")
	if !ok {
		return bad("no port")
	}
	port, addr, ok := strings.Cut(rest, ":")
	if !ok {
		return bad("no address")
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	switch {
	case host == "":
		return bad("no host")
	case strings.ContainsAny(host, "/[]@ "):
		return bad(fmt.Sprintf("%q is not a host name", host))
	}
	if n, err := strconv.Atoi(port); port != "*" && (err != nil || n < 1 || n > 65535) {
		return bad(fmt.Sprintf("%q is not a port (1 to 65535, or *)", port))
	}
	if strings.Contains(addr, ",") {
		return bad("give one address")
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]"))
	if err != nil || a.Zone() != "" {
		return bad(fmt.Sprintf("%q is not an IP address", addr))
	}
	return Pin{Host: host, Port: port, Addr: a}, nil
}

// String is the pin as curl's --resolve writes it.
func (p Pin) String() string {
	addr := p.Addr.String()
	if p.Addr.Is6() && !p.Addr.Is4In6() {
		addr = "[" + addr + "]"
	}
	return p.Host + ":" + p.Port + ":" + addr
}

// pinFor finds the pin for a host and port; a pin for the exact port
// wins over a "*" one.
func pinFor(pins []Pin, host, port string) (Pin, bool) {
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	var any *Pin
	for i, p := range pins {
		if p.Host != host {
			continue
		}
		if p.Port == port {
			return p, true
		}
		if p.Port == "*" && any == nil {
			any = &pins[i]
		}
	}
	if any != nil {
		return *any, true
	}
	return Pin{}, false
}
