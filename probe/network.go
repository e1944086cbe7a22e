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
		c := Check{ID: "url", Title: "the URL", Stage: rules.StageReach, Status: Fail, Mode: f.Rule.ID, Summary: f.Summary}
		if u.Scheme != "https" && f.Rule.ID == rules.ModeWrongConnectorURL {
			// The rule's fix is for a URL that is not an MCP endpoint; this
			// one may well be, over the wrong scheme.
			c.Fix = fmt.Sprintf("Serve the endpoint over https on port 443 with a certificate from a public CA, and add the connector as https://%s%s.", u.Host, pathOrRoot(u.Path))
		}
		p.add(c)
	}
	if len(urlFindings) == 0 {
		p.add(Check{ID: "url", Title: "the URL", Stage: rules.StageReach, Status: Pass,
			Summary: fmt.Sprintf("https on port 443 with the path %s", pathOrRoot(u.Path))})
	}
	port := u.Port
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	if !p.checkName(ctx, u.Host, port) {
		return false
	}
	tlsConf := &tls.Config{ServerName: u.Host, RootCAs: p.o.RootCAs, MinVersion: tls.VersionTLS12}
	if u.Scheme == "https" {
		switch ok, roots := p.checkTLS(ctx, net.JoinHostPort(u.Host, port), tlsConf); {
		case roots != nil:
			// Trusted through --cacert: the rest is checked as if public.
			tlsConf.RootCAs = roots
		case !ok:
			// The connector stops here; the rest is still worth knowing,
			// so it is requested without verifying the certificate.
			tlsConf = &tls.Config{ServerName: u.Host, InsecureSkipVerify: true}
		}
	}
	p.c = newClient(p.o, p.dialer(), tlsConf, &p.res.Requests)
	return true
}

// checkName: public addresses, IPv4 among them (Claude's egress has no
// IPv6); a pinned name is not looked up. It returns false when the name
// leads nowhere.
func (p *prober) checkName(ctx context.Context, host, port string) bool {
	c := Check{ID: "dns", Title: "the name", Stage: rules.StageReach}
	if pin, ok := pinFor(p.o.Pins, host, port); ok {
		c.Status = Skip
		c.Summary = fmt.Sprintf("not looked up: --resolve gives %s for %s:%s", pin.Addr.Unmap(), host, port)
		if nonPublic(pin.Addr) {
			c.Summary += " (not a public address: fine for a test, refused by Claude)"
		}
		c.Summary += ". Once the name is live, public DNS must give it a public IPv4 address."
		p.add(c)
		return true
	}
	addrs, err := p.resolve(ctx, host)
	if err != nil {
		c.Status = Fail
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			c.Summary = fmt.Sprintf("%s does not exist in DNS (no such host): Claude's backend cannot find the server.", host)
			c.Fix = fmt.Sprintf("Publish an A record for %s in public DNS. To try the server before its DNS is live: --resolve %s:%s:<its address>.", host, host, port)
		} else {
			c.Summary = fmt.Sprintf("the lookup of %s failed (%s): the probe cannot tell whether the name exists.", host, describeErr(err, 10*time.Second))
			c.Fix = fmt.Sprintf("Look the name up from another network (dig %s A); if your resolver is at fault, try again, or give the address with --resolve %s:%s:<address>.", host, host, port)
		}
		p.add(c)
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
		c.Status, c.Mode = Fail, rules.ModePrivateAddressRejected
		c.Summary = fmt.Sprintf("%s resolves to %s, not a public address: Claude refuses it.", host, strings.Join(private, ", "))
	case len(v4) == 0:
		c.Status = Fail
		c.Summary = fmt.Sprintf("%s has no IPv4 address (%s): Claude's backend connects from 160.79.104.0/21 over IPv4 only.", host, joinAddrs(addrs))
		c.Fix = fmt.Sprintf("Publish an A record (IPv4) for %s.", host)
	default:
		c.Status, c.Summary = Pass, fmt.Sprintf("%s resolves to %s (public)", host, joinAddrs(addrs))
	}
	p.add(c)
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
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// dialer connects as the options say: to a pinned address for a pinned
// host and port, else as the system (or a test) does.
func (p *prober) dialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	dial := p.o.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: 10 * time.Second}).DialContext
	}
	if len(p.o.Pins) == 0 {
		return dial
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, port, err := net.SplitHostPort(addr); err == nil {
			if pin, ok := pinFor(p.o.Pins, host, port); ok {
				addr = net.JoinHostPort(pin.Addr.Unmap().String(), port)
			}
		}
		return dial(ctx, network, addr)
	}
}

// checkTLS shakes hands the way the connector's client does: TLS 1.2 or
// newer, the chain the server sends and nothing fetched, the exact name,
// the public roots. It reports whether the certificate verified, and the
// roots to use from here on when it did only through --cacert.
func (p *prober) checkTLS(ctx context.Context, addr string, conf *tls.Config) (bool, *x509.CertPool) {
	ctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	fail := func(summary, fix string) (bool, *x509.CertPool) {
		p.add(Check{ID: "tls", Title: "TLS", Stage: rules.StageReach, Status: Fail, Mode: rules.ModeTLSHandshakeFailure, Summary: summary, Fix: fix})
		return false, nil
	}
	raw, err := p.dialer()(ctx, "tcp", addr)
	if err != nil {
		_, port, _ := net.SplitHostPort(addr)
		p.add(Check{ID: "connect", Title: "the connection", Stage: rules.StageReach, Status: Fail,
			Summary: fmt.Sprintf("no connection to %s: %v.", addr, describeErr(err, p.o.Timeout)),
			Fix:     fmt.Sprintf("Check that the server listens on port %s and that no firewall drops the connector's range, 160.79.104.0/21.", port)})
		return false, nil
	}
	defer raw.Close()
	// Handshake without verifying, to see what the server sends; verify
	// it below as the connector would.
	look := conf.Clone()
	look.InsecureSkipVerify = true
	conn := tls.Client(raw, look)
	if err := conn.HandshakeContext(ctx); err != nil {
		return fail(fmt.Sprintf("the TLS handshake with %s failed: %v", addr, describeErr(err, p.o.Timeout)),
			"Accept TLS 1.2 or newer on 443, and let connections from 160.79.104.0/21 reach the handshake (no client certificate, no reset by a firewall, CDN or access proxy).")
	}
	state := conn.ConnectionState()
	chain := state.PeerCertificates
	if len(chain) == 0 {
		return fail("the server sent no certificate", "Configure a certificate for the host on 443.")
	}
	leaf := chain[0]
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	host := conf.ServerName
	verify := func(roots *x509.CertPool) error {
		_, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: inter})
		return err
	}
	err = verify(conf.RootCAs)
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	if errors.As(err, &unknown) && len(p.o.CACerts) > 0 {
		if roots := p.withCACerts(conf.RootCAs); verify(roots) == nil {
			p.trustPrivateCA(leaf, host)
			return true, roots
		}
	}
	switch {
	case err == nil:
	case errors.As(err, &unknown) && len(chain) == 1 && !selfSigned(leaf):
		return fail(fmt.Sprintf("the server sends only its own certificate, not the intermediate that signed it (%q): browsers fetch it, Claude's backend does not.", leaf.Issuer.CommonName),
			"Serve the full chain (leaf and intermediates): in nginx, ssl_certificate names the fullchain file, not the certificate alone.")
	case errors.As(err, &unknown):
		return fail(fmt.Sprintf("the certificate chain does not lead to a public root (issuer %q): Claude trusts public CAs only.", leaf.Issuer.CommonName),
			fmt.Sprintf("Serve a certificate for %s from a public CA (Let's Encrypt issues one for free). For a staging server, --cacert FILE lets the probe check the rest.", host))
	case errors.As(err, &hostErr):
		return fail(fmt.Sprintf("the certificate is not valid for %s (%s).", host, certNames(leaf)),
			fmt.Sprintf("Serve a certificate that lists %s among its subject alternative names (with several sites on one address, check which certificate the server picks for this name).", host))
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return fail(fmt.Sprintf("the certificate is outside its validity (%s to %s).", leaf.NotBefore.UTC().Format(time.DateOnly), leaf.NotAfter.UTC().Format(time.DateOnly)),
			"Renew the certificate (and the renewal job), then reload the server.")
	default:
		return fail("the certificate does not verify: "+err.Error(),
			fmt.Sprintf("Serve a certificate from a public CA for %s with its full chain.", host))
	}
	summary := fmt.Sprintf("%s, a chain of %d certificates verified for %s", tls.VersionName(state.Version), len(chain), host)
	if len(p.o.CACerts) > 0 {
		summary += " by a public root (--cacert was not needed)"
	}
	p.add(Check{ID: "tls", Title: "TLS", Stage: rules.StageReach, Status: Pass, Summary: summary})
	return true, nil
}

// withCACerts is the public roots (or a test's) and the --cacert ones.
func (p *prober) withCACerts(base *x509.CertPool) *x509.CertPool {
	var pool *x509.CertPool
	switch sys, err := x509.SystemCertPool(); {
	case base != nil:
		pool = base.Clone()
	case err == nil:
		pool = sys
	default:
		pool = x509.NewCertPool()
	}
	for _, c := range p.o.CACerts {
		pool.AddCert(c)
	}
	return pool
}

// trustPrivateCA says, as loudly as a probe can, that the certificate
// verified only against the user's own CA.
func (p *prober) trustPrivateCA(leaf *x509.Certificate, host string) {
	issuer := leaf.Issuer.CommonName
	if issuer == "" {
		issuer = leaf.Issuer.String()
	}
	warning := fmt.Sprintf("the certificate for %s is from a private CA (%q): Claude will not accept it; only this probe trusts it, to check what comes after.", host, issuer)
	p.res.PrivateCA = &PrivateCA{File: p.o.CAFile, Issuer: issuer, ClaudeAccepts: false, Warning: warning}
	p.add(Check{ID: "tls", Title: "TLS", Stage: rules.StageReach, Status: Warn, Mode: rules.ModeTLSHandshakeFailure, Summary: warning,
		Fix: fmt.Sprintf("Before Claude connects, serve a certificate for %s from a public CA, with its full chain.", host)})
}

// certNames says what names a certificate is valid for.
func certNames(c *x509.Certificate) string {
	var names []string
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) > 0 {
		return "it names " + strings.Join(names, ", ")
	}
	if c.Subject.CommonName != "" {
		return fmt.Sprintf("it has no names: no subject alternative names, and clients no longer read its common name, %q", c.Subject.CommonName)
	}
	return "it has no names: no subject alternative names"
}

func selfSigned(c *x509.Certificate) bool {
	return c.Subject.String() == c.Issuer.String() && c.CheckSignatureFrom(c) == nil
}
