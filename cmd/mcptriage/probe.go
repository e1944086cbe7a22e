package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcptriage/mcptriage/probe"
	"github.com/mcptriage/mcptriage/report"
)

type probeOptions struct {
	IO    *IOStreams
	hooks func(*probe.Options)

	URL      string
	Register bool
	Headers  []string
	Timeout  time.Duration
	Resolve  []string
	CACert   string
	FailOn   string
	outputFlags
}

func newCmdProbe(f *factory, runF func(*probeOptions) error) *cobra.Command {
	opts := &probeOptions{IO: f.IO, hooks: f.ProbeHooks}
	cmd := &cobra.Command{
		Use:   "probe URL",
		Short: "Request a server the way Claude's connector will, and predict what fails",
		Long: `Request your MCP server exactly as Claude's connector does, step by step:
the URL and its name, TLS (the full chain, as the connector does not fetch
missing intermediates), the unauthenticated initialize (also as Claude-User
and with no user agent, to catch bot rules), discovery in the connector's
order, registration (only with --register: it creates a client), the
browser's authorization request, the token endpoint with a code that cannot
be valid, and the authenticated initialize with a token that cannot be valid,
also at the path variants the connector has been seen to send.

Each check passes, warns, fails or is skipped, and a problem is named with the
failure-mode id that 'mcptriage analyze' would give its logs. Nothing is sent
that changes your server's state unless you give --register; the probe
follows no login, retries nothing and sends at most a few dozen requests.`,
		Example: `  mcptriage probe https://mcp.example.com/mcp
  mcptriage probe --register https://mcp.example.com/mcp      # also try client registration
  mcptriage probe --header 'X-Staging-Key: 123' https://staging.example.com/mcp
  mcptriage probe --resolve mcp.example.com:443:203.0.113.7 https://mcp.example.com/mcp   # before the DNS cut-over
  mcptriage probe --cacert staging-ca.pem https://staging.example.com/mcp   # a private CA (Claude refuses it)
  mcptriage probe --json --fail-on warn --timeout 5 https://mcp.example.com/mcp   # in CI`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("probe takes one URL, the one you give Claude, e.g. https://mcp.example.com/mcp")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.URL = args[0]
			switch opts.FailOn {
			case "fail", "warn", "never":
			default:
				return usageErrorf("--fail-on must be fail, warn or never, not %q", opts.FailOn)
			}
			if err := opts.outputFlags.validate(); err != nil {
				return err
			}
			if opts.Timeout <= 0 {
				return usageErrorf("--timeout must be positive, e.g. 15 (seconds) or 1m")
			}
			if runF != nil {
				return runF(opts)
			}
			return runProbe(opts)
		},
	}
	// The probe's flags, in one block.
	fl := cmd.Flags()
	fl.BoolVar(&opts.Register, "register", false, "also send the connector's client registration (creates a client on your server)")
	fl.StringArrayVar(&opts.Headers, "header", nil, `add a header to every request, "Name: value" (repeatable)`)
	opts.Timeout = 15 * time.Second
	fl.Var((*secondsValue)(&opts.Timeout), "timeout", "the most any one request may take, in seconds (5) or as a duration (1m)")
	fl.StringArrayVar(&opts.Resolve, "resolve", nil, "connect to ADDRESS for HOST:PORT without asking DNS, as curl does: HOST:PORT:ADDRESS (repeatable)")
	fl.StringVar(&opts.CACert, "cacert", "", "also trust the CA certificates in this PEM file (a staging server's private CA; Claude does not)")
	fl.StringVar(&opts.FailOn, "fail-on", "fail", "exit 1 when a check fails (fail), warns or fails (warn), or never")
	addOutputFlags(cmd, &opts.outputFlags, "the checks", true)
	return cmd
}

// readCACerts reads the PEM certificates of a --cacert file.
func readCACerts(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--cacert: %w", err)
	}
	var certs []*x509.Certificate
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("--cacert %s: a certificate that does not parse: %v", path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("--cacert %s: no PEM certificate in it (-----BEGIN CERTIFICATE-----)", path)
	}
	return certs, nil
}

func runProbe(opts *probeOptions) error {
	header := http.Header{}
	for _, h := range opts.Headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" || strings.ContainsAny(name, " \t") {
			return usageErrorf(`--header %q: give it as "Name: value"`, h)
		}
		header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	po := probe.Options{URL: opts.URL, Header: header, Register: opts.Register, Timeout: opts.Timeout}
	for _, r := range opts.Resolve {
		pin, err := probe.ParsePin(r)
		if err != nil {
			return &usageError{err}
		}
		po.Pins = append(po.Pins, pin)
	}
	if opts.CACert != "" {
		certs, err := readCACerts(opts.CACert)
		if err != nil {
			return &usageError{err}
		}
		po.CACerts, po.CAFile = certs, opts.CACert
	}
	if opts.hooks != nil {
		opts.hooks(&po)
	}
	res, err := probe.Run(context.Background(), po)
	if err != nil {
		return &usageError{err}
	}
	err = emit(opts.IO, &opts.outputFlags,
		func(w io.Writer) error { return report.WriteProbeJSON(w, res) },
		func(w io.Writer, st report.Style) error { return report.WriteProbe(w, res, st) })
	if err != nil {
		return err
	}
	if opts.Quiet {
		fmt.Fprintln(opts.IO.Out, probeVerdict(res))
	}
	worst := res.Worst()
	if opts.FailOn == "fail" && worst == probe.Fail || opts.FailOn == "warn" && worst != probe.Pass {
		return errFindings
	}
	return nil
}

// probeVerdict is the one line probe --quiet prints.
func probeVerdict(res *probe.Result) string {
	counts := map[probe.Status]int{}
	for _, c := range res.Checks {
		counts[c.Status]++
	}
	s := fmt.Sprintf("mcptriage probe: %d passed, %d warned, %d failed", counts[probe.Pass], counts[probe.Warn], counts[probe.Fail])
	if modes := res.Predicted(); len(modes) > 0 {
		names := make([]string, len(modes))
		for i, m := range modes {
			names[i] = string(m)
		}
		s += ": " + strings.Join(names, ", ")
	}
	return s
}
