package pipeline

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // --tz works on systems without a zone database

	"github.com/mcptriage/mcptriage/parse"
	"github.com/mcptriage/mcptriage/rules"
)

// Settings are the log-reading settings as the user gives them (flags,
// the environment, the config file), before they are checked.
type Settings struct {
	Server         string
	ClaudeError    string
	Egress         []string
	NginxLogFormat string
	Format         string
	MaxLineBytes   int
	TZ             string
	CFFields       string
	JSONFields     []string
	FullParse      bool
}

// Options is what Run needs, checked and typed.
type Options struct {
	Rules rules.Options
	Parse parse.Config
	// FullParse turns the fast path off.
	FullParse bool
	// Observe, when set, may wrap each input as it is opened (a progress
	// bar); done is called when the input has been read.
	Observe func(in Input, rc io.ReadCloser) (wrapped io.ReadCloser, done func())
}

// SettingError is a setting that cannot be used; the message names the
// flag.
type SettingError struct{ Err error }

func (e *SettingError) Error() string { return e.Err.Error() }
func (e *SettingError) Unwrap() error { return e.Err }

func settingErrorf(format string, args ...any) error {
	return &SettingError{fmt.Errorf(format, args...)}
}

// Options checks the settings and turns them into Run's options.
func (s Settings) Options() (Options, error) {
	o := Options{FullParse: s.FullParse}
	o.Rules.ClaudeError = s.ClaudeError
	if s.Server != "" {
		u, err := rules.ParseConnectorURL(s.Server)
		if err != nil {
			return o, settingErrorf("--server: %v", err)
		}
		o.Rules.URL = u
	}
	for _, c := range s.Egress {
		p, err := netip.ParsePrefix(strings.TrimSpace(c))
		if err != nil {
			a, aerr := netip.ParseAddr(strings.TrimSpace(c))
			if aerr != nil {
				return o, settingErrorf("--egress %q is not a CIDR such as 160.79.104.0/21", c)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		o.Rules.Egress = append(o.Rules.Egress, p.Masked())
	}
	cfg := parse.Config{NginxLogFormat: s.NginxLogFormat, Format: s.Format, MaxLineBytes: s.MaxLineBytes}
	if s.TZ != "" {
		loc, err := LoadZone(s.TZ)
		if err != nil {
			return o, settingErrorf("--tz %q: %v", s.TZ, err)
		}
		cfg.Location, cfg.TZExplicit = loc, true
	}
	if s.CFFields != "" {
		for _, f := range strings.Split(s.CFFields, ",") {
			if f = strings.TrimSpace(f); f != "" {
				cfg.CloudflareFields = append(cfg.CloudflareFields, f)
			}
		}
	}
	for _, m := range s.JSONFields {
		name, path, ok := strings.Cut(m, "=")
		name, path = strings.TrimSpace(name), strings.TrimSpace(path)
		if !ok || name == "" || path == "" {
			return o, settingErrorf("--json-field %q: give it as name=path, e.g. status=response.code", m)
		}
		if !slices.Contains(parse.JSONFieldNames, name) {
			return o, settingErrorf("--json-field %q: unknown field %q (known: %s)", m, name, strings.Join(parse.JSONFieldNames, ", "))
		}
		if cfg.JSONFields == nil {
			cfg.JSONFields = map[string]string{}
		}
		cfg.JSONFields[name] = path
	}
	if _, err := parse.Parsers(cfg); err != nil {
		return o, &SettingError{err}
	}
	o.Parse = cfg
	return o, nil
}

// LoadZone reads an IANA zone name or a fixed offset ("+02:00", "-0500",
// "UTC+2"), as parse reads every zone; names are case-exact.
func LoadZone(s string) (*time.Location, error) { return parse.LoadZone(s) }

func tzName(cfg parse.Config) string {
	if cfg.Location == nil {
		return "UTC"
	}
	return cfg.Location.String()
}
