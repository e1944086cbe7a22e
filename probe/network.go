package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/mcptriage/mcptriage/rules"
)

// checkURL: the URL as Claude will take it, the name, the TLS handshake.
// It returns false when nothing further can be requested.
func (p *prober) checkURL(ctx context.Context) bool {
	u := p.u
	urlFindings := rules.CheckURL(u)
	for _, f := range urlFindings {
		p.add(Check{ID: "url", Title: "the URL", Stage: rules.StageReach, Status: Fail, Mode: string(f.Rule.ID), Summary: f.Summary})
	}
	if len(urlFindings) == 0 {
		p.add(Check{ID: "url", Title: "the URL", Stage: rules.StageReach, Status: Pass,
			Summary: fmt.Sprintf("https on port 443 with the path %s", pathOrRoot(u.Path))})
	}
	port := u.Port
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	p.mcpURL = u.Raw

	// The name: public addresses, IPv4 among them (Claude's egress has no IPv6).
	addrs, err := p.resolve(ctx, u.Host)
	if err != nil {
		p.add(Check{ID: "dns", Title: "the name", Stage: rules.StageReach, Status: Fail, Mode: "private_address_rejected",
			Summary: fmt.Sprintf("%s does not resolve (%v): Claude's backend cannot find the server.", u.Host, err),
			Fix:     "Publish an A record for the host in public DNS."})
		return false
	}
	var private, v4 []string
	for _, a := range addrs {
		if a.Is4() || a.Is4In6() {
			v4 = append(v4, a.String())
		}
		if nonPublic(a) {
			private = append(private, a.Unmap().String())
		}
	}
	switch {
	case len(private) > 0:
		p.add(Check{ID: "dns", Title: "the name", Stage: rules.StageReach, Status: Fail, Mode: "private_address_rejected",
			Summary: fmt.Sprintf("%s resolves to %s, not a public address: Claude refuses it.", u.Host, strings.Join(private, ", "))})
	case len(v4) == 0:
		p.add(Check{ID: "dns", Title: "the name", Stage: rules.StageReach, Status: Fail,
			Summary: fmt.Sprintf("%s has no IPv4 address (%s): Claude's backend connects from 160.79.104.0/21 over IPv4 only.", u.Host, joinAddrs(addrs)),
			Fix:     "Publish an A record (IPv4) for the host."})
	default:
		p.add(Check{ID: "dns", Title: "the name", Stage: rules.StageReach, Status: Pass,
			Summary: fmt.Sprintf("%s resolves to %s (public)", u.Host, joinAddrs(addrs))})
	}

	tlsConf := &tls.Config{ServerName: u.Host, RootCAs: p.o.RootCAs, MinVersion: tls.VersionTLS12}
	if u.Scheme == "https" {
		if !p.checkTLS(ctx, net.JoinHostPort(u.Host, port), tlsConf) {
			// The connector stops here; the rest is still worth knowing,
			// so it is requested without verifying the certificate.
			tlsConf = &tls.Config{ServerName: u.Host, InsecureSkipVerify: true}
		}
	}
	p.c = newClient(p.o, tlsConf, &p.res.Requests)
	return true
}

func pathOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func joinAddrs(as []netip.Addr) string {
	var s []string
	for _, a := range as {
		s = append(s, a.Unmap().String())
	}
	return strings.Join(s, ", ")
}

func nonPublic(a netip.Addr) bool {
	a = a.Unmap()
	cgnat := netip.MustParsePrefix("100.64.0.0/10")
	return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || cgnat.Contains(a) || a.IsMulticast()
}

func (p *prober) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return []netip.Addr{a}, nil
	}
	if p.o.Resolve != nil {
		return p.o.Resolve(ctx, host)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return nil, errors.New("no such host")
		}
		return nil, err
	}
	return ips, nil
}

// checkTLS shakes hands the way the connector's client does: TLS 1.2 or
// newer, the chain the server sends and nothing fetched, the exact name.
func (p *prober) checkTLS(ctx context.Context, addr string, conf *tls.Config) bool {
	dial := p.o.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: 10 * time.Second}).DialContext
	}
	ctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	fail := func(summary string) bool {
		p.add(Check{ID: "tls", Title: "TLS", Stage: rules.StageReach, Status: Fail, Mode: "tls_handshake_failure", Summary: summary})
		return false
	}
	raw, err := dial(ctx, "tcp", addr)
	if err != nil {
		p.add(Check{ID: "connect", Title: "the connection", Stage: rules.StageReach, Status: Fail,
			Summary: fmt.Sprintf("no connection to %s: %v.", addr, describeErr(err, p.o.Timeout)),
			Fix:     "Check that the server listens on port 443 and that no firewall drops the connector's range, 160.79.104.0/21."})
		return false
	}
	defer raw.Close()
	// Handshake without verifying, to see what the server sends; verify
	// it below as the connector would.
	look := conf.Clone()
	look.InsecureSkipVerify = true
	conn := tls.Client(raw, look)
	if err := conn.HandshakeContext(ctx); err != nil {
		return fail(fmt.Sprintf("the TLS handshake with %s failed: %v", addr, err))
	}
	state := conn.ConnectionState()
	chain := state.PeerCertificates
	if len(chain) == 0 {
		return fail("the server sent no certificate")
	}
	leaf := chain[0]
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err = leaf.Verify(x509.VerifyOptions{DNSName: conf.ServerName, Roots: conf.RootCAs, Intermediates: inter})
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case err == nil:
	case errors.As(err, &unknown) && len(chain) == 1 && !selfSigned(leaf):
		return fail(fmt.Sprintf("the server sends only its own certificate, not the intermediate that signed it (%q): browsers fetch it, Claude's backend does not.", leaf.Issuer.CommonName))
	case errors.As(err, &unknown):
		return fail(fmt.Sprintf("the certificate chain does not lead to a trusted root (issuer %q).", leaf.Issuer.CommonName))
	case errors.As(err, &hostErr):
		return fail(fmt.Sprintf("the certificate is not valid for %s (it names %s).", conf.ServerName, strings.Join(leaf.DNSNames, ", ")))
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return fail(fmt.Sprintf("the certificate is outside its validity (%s to %s).", leaf.NotBefore.UTC().Format(time.DateOnly), leaf.NotAfter.UTC().Format(time.DateOnly)))
	default:
		return fail("the certificate does not verify: " + err.Error())
	}
	p.add(Check{ID: "tls", Title: "TLS", Stage: rules.StageReach, Status: Pass,
		Summary: fmt.Sprintf("%s, a chain of %d certificates verified for %s", tls.VersionName(state.Version), len(chain), conf.ServerName)})
	return true
}

func selfSigned(c *x509.Certificate) bool {
	return c.Subject.String() == c.Issuer.String() && c.CheckSignatureFrom(c) == nil
}
