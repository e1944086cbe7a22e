package lab

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"time"
)

// PKI is a root, an intermediate and leaf certificates signed by it, as
// real servers' certificates are issued: enough to test a client that,
// like the connector's, does not fetch a missing intermediate.
type PKI struct {
	Roots *x509.CertPool
	// Full is the leaf for PublicHost with its intermediate; LeafOnly the
	// same leaf without it; OtherHost a full chain for another name.
	Full, LeafOnly, OtherHost tls.Certificate
}

// NewPKI issues fresh certificates, valid for a day.
func NewPKI() (*PKI, error) {
	now := time.Now()
	serial := int64(0)
	issue := func(cn string, dns []string, ca bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, []byte, *ecdsa.PrivateKey, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, nil, err
		}
		serial++
		t := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn}, DNSNames: dns,
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), BasicConstraintsValid: true, IsCA: ca}
		if ca {
			t.KeyUsage = x509.KeyUsageCertSign
		} else {
			t.KeyUsage, t.ExtKeyUsage = x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		}
		if parent == nil {
			parent, parentKey = t, key
		}
		der, err := x509.CreateCertificate(rand.Reader, t, parent, &key.PublicKey, parentKey)
		if err != nil {
			return nil, nil, nil, err
		}
		c, err := x509.ParseCertificate(der)
		return c, der, key, err
	}
	root, _, rootKey, err := issue("Lab Root CA", nil, true, nil, nil)
	if err != nil {
		return nil, err
	}
	mid, midDER, midKey, err := issue("Lab Intermediate CA", nil, true, root, rootKey)
	if err != nil {
		return nil, err
	}
	_, leafDER, leafKey, err := issue(PublicHost, []string{PublicHost}, false, mid, midKey)
	if err != nil {
		return nil, err
	}
	_, otherDER, otherKey, err := issue("www.example.org", []string{"www.example.org"}, false, mid, midKey)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return &PKI{
		Roots:     pool,
		Full:      tls.Certificate{Certificate: [][]byte{leafDER, midDER}, PrivateKey: leafKey},
		LeafOnly:  tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey},
		OtherHost: tls.Certificate{Certificate: [][]byte{otherDER, midDER}, PrivateKey: otherKey},
	}, nil
}

// StartTLS serves h on loopback with the given certificate.
func StartTLS(h http.Handler, cert tls.Certificate) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	return srv
}

// WritePEM writes a certificate chain and its key for a server such as
// nginx (ssl_certificate, ssl_certificate_key).
func WritePEM(cert tls.Certificate, certPath, keyPath string) error {
	var chain []byte
	for _, der := range cert.Certificate {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(certPath, chain, 0o600); err != nil {
		return err
	}
	return os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600)
}
