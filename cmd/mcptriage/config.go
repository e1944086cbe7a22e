package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/mcptriage/mcptriage/parse"
)

// Settings come from four places; the first that has one wins:
//
//  1. a flag on the command line;
//  2. an environment variable, MCPTRIAGE_ and the flag's name in capitals
//     with "_" for "-" (MCPTRIAGE_NGINX_LOG_FORMAT);
//  3. the config file's section for the command (analyze:, probe: …);
//  4. the config file's top level, for every command that has the flag;
//
// and otherwise the flag's default. The config file is
// os.UserConfigDir()/mcptriage/config.yaml, or the file MCPTRIAGE_CONFIG
// names. Its keys are the flags' names.

// configurable lists the flags a config file or the environment may set:
// the ones that describe the user's server, logs and taste. Per-run
// facts (an ofid, the error Claude showed, an output file) are not.
var configurable = []string{
	"server", "egress", "nginx-log-format", "log-format", "tz", "cloudflare-fields",
	"json-field", "max-line-bytes", "full-parse", "glob", "color", "quiet",
	"offline", "repo", "browser", "works-in", "redact-hosts", "keep-addresses",
	"timeout", "fail-on", "limit",
}

// logsKey is the one setting that is not a flag: the log files to read
// when none is named on the command line.
const logsKey = "logs"

// configCommands are the commands whose flags the config file may set,
// and the names of its sections.
var configCommands = []string{"analyze", "report", "search", "probe"}

const envPrefix = "MCPTRIAGE_"

// envName is the environment variable for a setting.
func envName(key string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
}

// origin says where a setting's value came from.
type origin struct {
	Kind  string // "flag", "env", "config", "default"
	Where string // the variable's name, or file:line
}

func (o origin) String() string {
	switch o.Kind {
	case "env":
		return o.Where
	case "config":
		return o.Where
	case "flag":
		return "command line"
	}
	return "default"
}

// configValue is one setting in the file: its values (one, or several
// for a list) and its line.
type configValue struct {
	values []string
	list   bool
	line   int
}

// config is the loaded file: top-level settings and per-command sections.
type config struct {
	Path    string
	Found   bool
	top     map[string]configValue
	section map[string]map[string]configValue
}

// configPath is where the config file is looked for.
func configPath(getenv func(string) string) (string, error) {
	if p := getenv(envPrefix + "CONFIG"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "mcptriage", "config.yaml"), nil
}

// loadConfig reads the config file; a missing file is an empty config.
// A file that exists but cannot be read or holds an unknown setting is
// an error: a setting silently ignored is worse than a refusal.
func loadConfig(getenv func(string) string) (*config, error) {
	c := &config{top: map[string]configValue{}, section: map[string]map[string]configValue{}}
	path, err := configPath(getenv)
	if err != nil {
		return c, nil // no home directory: nothing to read
	}
	c.Path = path
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && getenv(envPrefix+"CONFIG") == "":
		return c, nil
	case err != nil:
		return nil, fmt.Errorf("config file %s: cannot read it: %v", path, pathless(err))
	}
	c.Found = true
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("config file %s: %v", path, err)
	}
	if len(doc.Content) == 0 {
		return c, nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: the config file must be a mapping of settings (server: https://…)", path, root.Line)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if slices.Contains(configCommands, k.Value) {
			if v.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("%s:%d: %s: holds the settings of that command only, as a mapping", path, k.Line, k.Value)
			}
			sec := map[string]configValue{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				cv, err := readConfigValue(path, v.Content[j], v.Content[j+1])
				if err != nil {
					return nil, err
				}
				sec[v.Content[j].Value] = cv
			}
			c.section[k.Value] = sec
			continue
		}
		cv, err := readConfigValue(path, k, v)
		if err != nil {
			return nil, err
		}
		c.top[k.Value] = cv
	}
	return c, nil
}

func readConfigValue(path string, k, v *yaml.Node) (configValue, error) {
	if k.Value != logsKey && !slices.Contains(configurable, k.Value) {
		return configValue{}, fmt.Errorf("%s:%d: unknown setting %q; a config file may set: %s", path, k.Line, k.Value, strings.Join(append([]string{logsKey}, configurable...), ", "))
	}
	cv := configValue{line: k.Line}
	switch v.Kind {
	case yaml.ScalarNode:
		cv.values = []string{v.Value}
	case yaml.SequenceNode:
		cv.list = true
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return configValue{}, fmt.Errorf("%s:%d: %s: each item must be a plain value", path, item.Line, k.Value)
			}
			cv.values = append(cv.values, item.Value)
		}
	default:
		return configValue{}, fmt.Errorf("%s:%d: %s: give a value or a list of values", path, v.Line, k.Value)
	}
	return cv, nil
}

// lookup finds a setting for a command: the command's section first,
// then the top level.
func (c *config) lookup(command, key string) (configValue, bool) {
	if c == nil {
		return configValue{}, false
	}
	if v, ok := c.section[command][key]; ok {
		return v, true
	}
	v, ok := c.top[key]
	return v, ok
}

func (c *config) where(v configValue) string {
	return fmt.Sprintf("%s:%d", c.Path, v.line)
}

// isList says whether a flag takes several values (repeatable).
func isList(fl *pflag.Flag) bool {
	return strings.HasSuffix(fl.Value.Type(), "Slice") || strings.HasSuffix(fl.Value.Type(), "Array")
}

// applySettings sets every configurable flag of cmd that the command line
// did not set, from the environment or the config file, and returns
// where each setting came from. Values are checked as the flag checks
// them; a bad one names where it was set.
func applySettings(cmd *cobra.Command, cfg *config, getenv func(string) string) (map[string]origin, error) {
	origins := map[string]origin{}
	var err error
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if err != nil || !slices.Contains(configurable, fl.Name) {
			return
		}
		if fl.Changed {
			origins[fl.Name] = origin{Kind: "flag"}
			return
		}
		if v := getenv(envName(fl.Name)); v != "" {
			values := []string{v}
			if isList(fl) {
				values = splitList(v)
			}
			if e := setFlag(fl, values); e != nil {
				err = fmt.Errorf("%s=%q: %v", envName(fl.Name), v, e)
				return
			}
			origins[fl.Name] = origin{Kind: "env", Where: envName(fl.Name)}
			return
		}
		if cv, ok := cfg.lookup(cmd.Name(), fl.Name); ok {
			if cv.list && !isList(fl) {
				err = fmt.Errorf("%s: %s takes one value, not a list", cfg.where(cv), fl.Name)
				return
			}
			if e := setFlag(fl, cv.values); e != nil {
				err = fmt.Errorf("%s: %s: %v", cfg.where(cv), fl.Name, e)
				return
			}
			origins[fl.Name] = origin{Kind: "config", Where: cfg.where(cv)}
			return
		}
		origins[fl.Name] = origin{Kind: "default"}
	})
	return origins, err
}

func setFlag(fl *pflag.Flag, values []string) error {
	for _, v := range values {
		if err := fl.Value.Set(v); err != nil {
			return err
		}
	}
	return nil
}

// splitList splits a list given in one environment variable: on commas,
// as a repeatable flag's values.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// configuredLogs are the log files to read when none is named: from
// MCPTRIAGE_LOGS (separated as PATH is) or the config file's logs.
func configuredLogs(command string, cfg *config, getenv func(string) string) ([]string, origin) {
	if v := getenv(envName(logsKey)); v != "" {
		var out []string
		for _, p := range filepath.SplitList(v) {
			if p != "" {
				out = append(out, p)
			}
		}
		return out, origin{Kind: "env", Where: envName(logsKey)}
	}
	if cv, ok := cfg.lookup(command, logsKey); ok {
		return cv.values, origin{Kind: "config", Where: cfg.where(cv)}
	}
	return nil, origin{Kind: "default"}
}

func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// settingsRow is one line of `mcptriage config`.
type settingsRow struct {
	Command string `json:"command"`
	Setting string `json:"setting"`
	Value   any    `json:"value"`
	From    string `json:"from"`
}

type configJSON struct {
	File     string        `json:"file"`
	Found    bool          `json:"found"`
	Settings []settingsRow `json:"settings"`
}

func newCmdConfig(f *factory) *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "config [COMMAND]",
		Short: "Show the effective settings and where each comes from",
		Long: `Show the settings analyze, report, search and probe would use, and where each
comes from: a flag wins, then an environment variable (MCPTRIAGE_ and the
flag's name in capitals, "-" as "_": MCPTRIAGE_TZ, MCPTRIAGE_NGINX_LOG_FORMAT),
then the command's section of the config file, then its top level, then the
default. The config file is config.yaml in mcptriage's directory of the
user configuration directory (~/.config/mcptriage/config.yaml on Linux), or
the file MCPTRIAGE_CONFIG names. Its keys are flag names, and "logs" lists
the files to read when none is named (MCPTRIAGE_LOGS separates them as
PATH does):

  server: https://mcp.example.com/mcp
  tz: Europe/Madrid
  logs: [/var/log/nginx/access.log, /var/log/nginx/access.log.1]
  nginx-log-format: '$remote_addr - $remote_user [$time_local] "$request" $status ...'
  probe:
    timeout: 30

Without COMMAND, the settings of every command that has them; values set
nowhere are left out unless --all.`,
		Example: `  mcptriage config
  mcptriage config probe --all
  MCPTRIAGE_TZ=+02:00 mcptriage config analyze`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: configCommands,
		RunE: func(cmd *cobra.Command, args []string) error {
			commands := configCommands
			if len(args) == 1 {
				if !slices.Contains(configCommands, args[0]) {
					return usageErrorf("config %q: settings belong to %s", args[0], strings.Join(configCommands, ", "))
				}
				commands = args[:1]
			}
			cfg, err := loadConfig(f.IO.getenv)
			if err != nil {
				return &usageError{err}
			}
			out := configJSON{File: cfg.Path, Found: cfg.Found, Settings: []settingsRow{}}
			for _, name := range commands {
				rows, err := effectiveSettings(f, name, cfg)
				if err != nil {
					return &usageError{err}
				}
				for _, r := range rows {
					if all || r.From != "default" {
						out.Settings = append(out.Settings, r)
					}
				}
			}
			if asJSON {
				return writeJSON(f.IO.Out, out)
			}
			w := f.IO.Out
			state := "not found; no file is read"
			if cfg.Found {
				state = "read"
			}
			if cfg.Path == "" {
				state = "none: no user configuration directory"
			}
			fmt.Fprintf(w, "config file  %s (%s)\n", cfg.Path, state)
			if len(out.Settings) == 0 {
				fmt.Fprintln(w, "\nEvery setting has its default; --all lists them.")
				return nil
			}
			fmt.Fprintln(w)
			wc, ws, wv := len("command"), len("setting"), len("value")
			for _, r := range out.Settings {
				wc, ws, wv = max(wc, len(r.Command)), max(ws, len(r.Setting)), max(wv, len(showValue(r.Value)))
			}
			wv = min(wv, 48)
			fmt.Fprintf(w, "%-*s  %-*s  %-*s  %s\n", wc, "command", ws, "setting", wv, "value", "from")
			for _, r := range out.Settings {
				fmt.Fprintf(w, "%-*s  %-*s  %-*s  %s\n", wc, r.Command, ws, r.Setting, wv, showValue(r.Value), r.From)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the settings as JSON")
	cmd.Flags().BoolVar(&all, "all", false, "also list the settings left at their default")
	return cmd
}

// effectiveSettings resolves one command's settings as a run with no
// flags would.
func effectiveSettings(f *factory, name string, cfg *config) ([]settingsRow, error) {
	var target *cobra.Command
	for _, c := range newRootCmd(f).Commands() {
		if c.Name() == name {
			target = c
		}
	}
	if target == nil {
		return nil, fmt.Errorf("no command %q", name)
	}
	origins, err := applySettings(target, cfg, f.IO.getenv)
	if err != nil {
		return nil, err
	}
	var rows []settingsRow
	keys := make([]string, 0, len(origins))
	for k := range origins {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fl := target.Flags().Lookup(k)
		var v any = fl.Value.String()
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			v = sv.GetSlice()
		}
		rows = append(rows, settingsRow{Command: name, Setting: k, Value: redactSetting(v), From: origins[k].String()})
	}
	if name != "probe" {
		logs, o := configuredLogs(name, cfg, f.IO.getenv)
		if logs == nil {
			logs = []string{}
		}
		rows = append(rows, settingsRow{Command: name, Setting: logsKey, Value: logs, From: o.String()})
	}
	return rows, nil
}

func showValue(v any) string {
	switch x := v.(type) {
	case []string:
		if len(x) == 0 {
			return "(none)"
		}
		return strings.Join(x, ", ")
	case string:
		if x == "" {
			return `""`
		}
		return x
	}
	return fmt.Sprint(v)
}

// redactSetting keeps a credential typed into a setting (a token in the
// server URL's query) out of `mcptriage config`'s output.
func redactSetting(v any) any {
	switch x := v.(type) {
	case string:
		return parse.RedactString(x)
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = parse.RedactString(s)
		}
		return out
	}
	return v
}
