package probe

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcptriage/mcptriage/internal/lab"
	"github.com/mcptriage/mcptriage/rules"
)

// A name that does not resolve is the dns check failing, with a fix for
// DNS: not a private address (that is a name that resolves, to the wrong
// kind of address).
func TestUnresolvableNameIsADNSFailure(t *testing.T) {
	ca := newPKI(t)
	for _, tt := range []struct {
		name      string
		err       error
		says, fix string
	}{
		{"no such host", &net.DNSError{Err: "no such host", Name: "mcp.example.com", IsNotFound: true}, "does not exist in DNS", "Publish an A record for mcp.example.com"},
		{"resolver failure", &net.DNSError{Err: "server misbehaving", Name: "mcp.example.com", IsTemporary: true}, "cannot tell whether the name exists", "from another network"},
		{"resolver timeout", &net.DNSError{Err: "i/o timeout", Name: "mcp.example.com", IsTimeout: true}, "cannot tell whether the name exists", "--resolve mcp.example.com:443:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, s := probeWith(t, ca, serverOpts{}, func(o *Options) {
				o.Resolve = func(context.Context, string) ([]netip.Addr, error) { return nil, tt.err }
			})
			c := checkOf(res, "dns")
			if c == nil || c.Status != Fail || c.Mode != "" || !strings.Contains(c.Summary, tt.says) || !strings.Contains(c.Fix, tt.fix) {
				t.Errorf("dns: %+v\nwant fail, no mode, %q, fix with %q", c, tt.says, tt.fix)
			}
			if p := res.Predicted(); len(p) != 0 {
				t.Errorf("predicted %v for a name that does not resolve", p)
			}
			if n := s.requests.Load(); n != 0 || res.Requests != 0 {
				t.Errorf("%d requests sent to a name that does not resolve", n)
			}
		})
	}
}

// certWithoutNames is a CA and a leaf for mcp.example.com in its common
// name only, as old tooling and some appliances issue them.
func certWithoutNames(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	issue := func(tmpl, parent *x509.Certificate, pub, signer any) *x509.Certificate {
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	now := time.Now()
	caKey, leafKey := key(), key()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Appliance CA"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	root := issue(caTmpl, caTmpl, &caKey.PublicKey, caKey)
	leaf := issue(&x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: lab.PublicHost}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, root, &leafKey.PublicKey, caKey)
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return tls.Certificate{Certificate: [][]byte{leaf.Raw, root.Raw}, PrivateKey: leafKey}, pool
}

// A certificate's names are shown when they are not the host's, and a
// certificate with none says so.
func TestCertificateNamesAreShown(t *testing.T) {
	ca := newPKI(t)
	res, _ := probeWith(t, ca, serverOpts{wrongHost: true}, nil)
	if c := checkOf(res, "tls"); c == nil || !strings.Contains(c.Summary, "(it names www.example.org)") {
		t.Errorf("another host's certificate: %+v", c)
	}

	cert, roots := certWithoutNames(t)
	srv := lab.StartTLS(lab.NewServer(lab.Faults{}, io.Discard), cert)
	t.Cleanup(srv.Close)
	o := (&server{srv: srv}).options(ca, mcpURL)
	o.RootCAs = roots
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	c := checkOf(res, "tls")
	if c == nil || c.Status != Fail || c.Mode != rules.ModeTLSHandshakeFailure || !strings.Contains(c.Summary, "no names") || !strings.Contains(c.Summary, `"mcp.example.com"`) {
		t.Errorf("a certificate without names: %+v", c)
	}
	if strings.Contains(c.Summary, "names )") {
		t.Errorf("an empty list of names shown: %s", c.Summary)
	}
}

// Each failing check's fix is for what that check met, not the general
// fix of the mode it predicts.
func TestFixesFitTheCheck(t *testing.T) {
	ca := newPKI(t)
	noResource := &fake{prm: map[string]any{"authorization_servers": []string{"https://mcp.example.com"}}}
	noS256 := &fake{as: healthyAS()}
	noS256.as["code_challenge_methods_supported"] = []string{"plain"}
	tests := []struct {
		name      string
		run       func(t *testing.T) *Result
		check     string
		mode      rules.Mode
		has, lack string
	}{
		{name: "http:// URL", run: func(t *testing.T) *Result {
			res, _ := probeWith(t, ca, serverOpts{}, func(o *Options) { o.URL = "http://mcp.example.com/mcp" })
			return res
		}, check: "url", mode: rules.ModeWrongConnectorURL, has: "https://mcp.example.com/mcp", lack: "documented MCP endpoint"},
		{name: "a path that is a page", run: func(t *testing.T) *Result {
			res, _ := probeWith(t, ca, serverOpts{}, func(o *Options) { o.URL = "https://mcp.example.com/index.html" })
			return res
		}, check: "url", mode: rules.ModeWrongConnectorURL, has: "documented MCP endpoint"},
		{name: "incomplete chain", run: func(t *testing.T) *Result {
			res, _ := probeWith(t, ca, serverOpts{leafOnly: true}, nil)
			return res
		}, check: "tls", mode: rules.ModeTLSHandshakeFailure, has: "full chain"},
		{name: "certificate for another host", run: func(t *testing.T) *Result {
			res, _ := probeWith(t, ca, serverOpts{wrongHost: true}, nil)
			return res
		}, check: "tls", mode: rules.ModeTLSHandshakeFailure, has: "lists mcp.example.com among its subject alternative names", lack: "intermediate"},
		{name: "untrusted root", run: func(t *testing.T) *Result {
			res, _ := probeWith(t, ca, serverOpts{}, func(o *Options) { o.RootCAs = x509.NewCertPool() })
			return res
		}, check: "tls", mode: rules.ModeTLSHandshakeFailure, has: "public CA", lack: "intermediates"},
		{name: "no metadata, no endpoints at the origin", run: func(t *testing.T) *Result {
			res, _ := probeWith(t, ca, serverOpts{faults: lab.Faults{NoPRM: true, OAuthUnderPrefix: true}}, nil)
			return res
		}, check: "authorize", mode: rules.ModePRMNotFound, lack: "path-inserted URL for the issuer"},
		{name: "metadata without resource", run: func(t *testing.T) *Result { return runFake(t, noResource, false, nil) },
			check: "discovery.resource", mode: rules.ModeResourceMetadataInvalid, has: "Set resource", lack: "resource_metadata"},
		{name: "no S256", run: func(t *testing.T) *Result { return runFake(t, noS256, false, nil) },
			check: "discovery.pkce", mode: rules.ModeIdPRejectsAuthorize, has: `"code_challenge_methods_supported": ["S256"]`, lack: "the client it registered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.run(t)
			var c *Check
			for i := range res.Checks {
				if res.Checks[i].ID == tt.check && res.Checks[i].Mode == tt.mode {
					c = &res.Checks[i]
				}
			}
			if c == nil {
				t.Fatalf("no check %s predicting %s\n%s", tt.check, tt.mode, describe(res))
			}
			if c.Mode != tt.mode || c.Fix == "" || !strings.Contains(c.Fix, tt.has) || tt.lack != "" && strings.Contains(c.Fix, tt.lack) {
				t.Errorf("%s: mode %q, fix %q\nwant mode %q, a fix with %q and without %q", tt.check, c.Mode, c.Fix, tt.mode, tt.has, tt.lack)
			}
		})
	}
}

// What the user typed as user:password@ in the URL is sent as typed but
// shown nowhere, in any form (raw, percent-encoded in the resource
// parameter); the resource is compared without it.
func TestCredentialsInTheURLAreNeverShown(t *testing.T) {
	ca := newPKI(t)
	var mu sync.Mutex
	var basic []string
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); ok {
				mu.Lock()
				basic = append(basic, u+":"+p)
				mu.Unlock()
			}
			// A server that echoes the URL it was asked for, as error
			// pages do.
			if r.URL.Path == "/authorize" {
				// Someone else's credentials, in a login redirect.
				w.Header().Set("Location", "https://bob:otherpassword@idp.example.com/login?next=https%3A%2F%2Fcarol%3Athirdpassword%40mcp.example.com%2F")
				w.WriteHeader(http.StatusFound)
				return
			}
			if r.URL.Path == "/token" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(400)
				io.WriteString(w, `{"error":"invalid_grant","error_description":"bad code for `+r.PostFormValue("resource")+` at https://alice:hunter2pass@mcp.example.com/mcp, basic auth alice/hunter2pass"}`)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	const secret = "hunter2pass"
	res, _ := probeWith(t, ca, serverOpts{wrap: wrap}, func(o *Options) {
		o.URL = "https://alice:" + secret + "@mcp.example.com/mcp"
		o.Register = true
	})
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	decoded, _ := url.QueryUnescape(strings.ReplaceAll(string(b), `\u0026`, "&"))
	for _, text := range []string{string(b), decoded} {
		for _, pw := range []string{secret, "otherpassword", "thirdpassword"} {
			if n := strings.Count(text, pw); n > 0 {
				t.Errorf("a URL's password (%s) appears %d times in the result:\n%s", pw, n, text)
			}
		}
	}
	if c := checkOf(res, "authorize"); c == nil || c.Exchange == nil || !strings.Contains(c.Exchange.Location, "https://[redacted]@idp.example.com/login") {
		t.Errorf("the login redirect: %+v", c)
	}
	if !strings.Contains(res.URL, "[redacted]@mcp.example.com") {
		t.Errorf("the URL shown: %s", res.URL)
	}
	if c := checkOf(res, "discovery.resource"); c == nil || c.Status != Pass {
		t.Errorf("the resource compared with the credentials in: %+v", c)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(basic) == 0 || basic[0] != "alice:"+secret {
		t.Errorf("the URL as typed was not requested (basic auth seen: %v)", basic)
	}
}

// --resolve: a pinned host and port are connected to at the pinned
// address, DNS is never asked, and the dns check says so (a loopback
// address is fine for a test).
func TestPinnedNameIsNotLookedUp(t *testing.T) {
	ca := newPKI(t)
	var mu sync.Mutex
	var dialed []string
	res, s := probeWith(t, ca, serverOpts{}, func(o *Options) {
		o.Resolve = func(context.Context, string) ([]netip.Addr, error) {
			t.Error("DNS asked for a pinned name")
			return nil, errors.New("asked")
		}
		to := o.Dial
		o.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dialed = append(dialed, addr)
			mu.Unlock()
			return to(ctx, network, addr)
		}
		o.Pins = []Pin{{Host: "mcp.example.com", Port: "443", Addr: netip.MustParseAddr("127.0.0.1")}}
	})
	c := checkOf(res, "dns")
	if c == nil || c.Status != Skip || !strings.Contains(c.Summary, "not looked up") || !strings.Contains(c.Summary, "--resolve gives 127.0.0.1 for mcp.example.com:443 (not a public address: fine for a test") {
		t.Errorf("dns: %+v", c)
	}
	if res.Worst() != Pass || s.requests.Load() == 0 {
		t.Errorf("worst %s, %d requests\n%s", res.Worst(), s.requests.Load(), describe(res))
	}
	if len(res.Resolve) != 1 || res.Resolve[0] != "mcp.example.com:443:127.0.0.1" {
		t.Errorf("the result's pins: %v", res.Resolve)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, a := range dialed {
		if a != "127.0.0.1:443" {
			t.Errorf("dialed %s, not the pinned address", a)
		}
	}

	// A pin for another port does not apply.
	asked := false
	res, _ = probeWith(t, ca, serverOpts{}, func(o *Options) {
		o.Pins = []Pin{{Host: "mcp.example.com", Port: "8443", Addr: netip.MustParseAddr("127.0.0.1")}}
		o.Resolve = func(context.Context, string) ([]netip.Addr, error) {
			asked = true
			return []netip.Addr{netip.MustParseAddr("203.0.113.10")}, nil
		}
	})
	if !asked || checkOf(res, "dns").Status != Pass {
		t.Errorf("a pin for port 8443 applied to 443: %+v", checkOf(res, "dns"))
	}
}

func TestParsePin(t *testing.T) {
	for _, tt := range []struct {
		in, want, err string
	}{
		{in: "mcp.example.com:443:203.0.113.7", want: "mcp.example.com:443:203.0.113.7"},
		{in: "MCP.Example.com.:443:127.0.0.1", want: "mcp.example.com:443:127.0.0.1"},
		{in: "mcp.example.com:*:127.0.0.1", want: "mcp.example.com:*:127.0.0.1"},
		{in: "mcp.example.com:443:[2001:db8::7]", want: "mcp.example.com:443:[2001:db8::7]"},
		{in: "mcp.example.com:443:2001:db8::7", want: "mcp.example.com:443:[2001:db8::7]"},
		{in: "mcp.example.com", err: "no port"},
		{in: "mcp.example.com:443", err: "no address"},
		{in: ":443:127.0.0.1", err: "no host"},
		{in: "mcp.example.com:https:127.0.0.1", err: "not a port"},
		{in: "mcp.example.com:70000:127.0.0.1", err: "not a port"},
		{in: "mcp.example.com:443:localhost", err: "not an IP address"},
		{in: "mcp.example.com:443:127.0.0.1,127.0.0.2", err: "one address"},
		{in: "https://mcp.example.com:443:127.0.0.1", err: "not a port"},
	} {
		p, err := ParsePin(tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "HOST:PORT:ADDRESS")):
			t.Errorf("ParsePin(%q): %v, want an error with %q", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || p.String() != tt.want):
			t.Errorf("ParsePin(%q) = %s, %v; want %s", tt.in, p, err, tt.want)
		}
	}
}

// --cacert: a certificate from the user's private CA lets the probe go
// on, verified, and is a warning that says Claude will not accept it.
func TestPrivateCAIsTrustedButFlagged(t *testing.T) {
	ca := newPKI(t)
	// The lab's intermediate stands for a staging CA; the public roots
	// (here an empty pool) do not know it.
	private, err := x509.ParseCertificate(ca.Full.Certificate[1])
	if err != nil {
		t.Fatal(err)
	}
	public := x509.NewCertPool()
	res, _ := probeWith(t, ca, serverOpts{}, func(o *Options) {
		o.RootCAs, o.CACerts, o.CAFile = public, []*x509.Certificate{private}, "staging-ca.pem"
	})
	c := checkOf(res, "tls")
	if c == nil || c.Status != Warn || c.Mode != rules.ModeTLSHandshakeFailure || !strings.Contains(c.Summary, "private CA") || !strings.Contains(c.Summary, "Claude will not accept it") {
		t.Errorf("tls: %+v", c)
	}
	if pc := res.PrivateCA; pc == nil || pc.ClaudeAccepts || pc.File != "staging-ca.pem" || pc.Issuer != "Lab Intermediate CA" || !strings.Contains(pc.Warning, "Claude will not accept") {
		t.Errorf("private_ca: %+v", res.PrivateCA)
	}
	for _, id := range []string{"probe", "discovery.prm", "token", "mcp"} {
		if c := checkOf(res, id); c == nil || c.Status != Pass {
			t.Errorf("%s after --cacert: %+v\n%s", id, c, describe(res))
		}
	}
	if res.Worst() != Warn {
		t.Errorf("worst %s", res.Worst())
	}

	// Without it, the chain leads nowhere public.
	res, _ = probeWith(t, ca, serverOpts{}, func(o *Options) { o.RootCAs = public })
	if c := checkOf(res, "tls"); c.Status != Fail || !strings.Contains(c.Summary, "public root") || res.PrivateCA != nil {
		t.Errorf("tls without --cacert: %+v", c)
	}
	// A --cacert that was not needed changes nothing but a note.
	res, _ = probeWith(t, ca, serverOpts{}, func(o *Options) { o.CACerts = []*x509.Certificate{private} })
	if c := checkOf(res, "tls"); c.Status != Pass || !strings.Contains(c.Summary, "--cacert was not needed") || res.PrivateCA != nil {
		t.Errorf("tls with a public chain and --cacert: %+v", c)
	}
	// The private CA does not vouch for another host's certificate.
	res, _ = probeWith(t, ca, serverOpts{wrongHost: true}, func(o *Options) {
		o.RootCAs, o.CACerts = public, []*x509.Certificate{private}
	})
	if c := checkOf(res, "tls"); c.Status != Fail || res.PrivateCA != nil {
		t.Errorf("another host's certificate from the private CA: %+v", c)
	}
}
