package rules

import (
	"net/netip"

	"github.com/mcptriage/mcptriage/rules/engine"
)

// The engine's names as the rule units and the packages above rules use
// them: the units are written against these, and report, probe, pipeline
// and cmd import rules alone (engine is reconstruction; rules is what runs
// on it and what it means).
type (
	Attempt      = engine.Attempt
	Collector    = engine.Collector
	Confidence   = engine.Confidence
	ConnectorURL = engine.ConnectorURL
	Env          = engine.Env
	Ev           = engine.Ev
	Finding      = engine.Finding
	LookAlike    = engine.LookAlike
	Mode         = engine.Mode
	Options      = engine.Options
	Outcome      = engine.Outcome
	Prefilter    = engine.Prefilter
	Role         = engine.Role
	Rule         = engine.Rule
	Run          = engine.Run
	Side         = engine.Side
	Span         = engine.Span
	Stage        = engine.Stage
	StageResult  = engine.StageResult
	StageStatus  = engine.StageStatus
)

const (
	DefaultMaxEvents   = engine.DefaultMaxEvents
	High               = engine.High
	Low                = engine.Low
	Medium             = engine.Medium
	OutcomeConnected   = engine.OutcomeConnected
	OutcomeFailed      = engine.OutcomeFailed
	OutcomeIncomplete  = engine.OutcomeIncomplete
	RoleASMeta         = engine.RoleASMeta
	RoleAuthorize      = engine.RoleAuthorize
	RoleBrowser        = engine.RoleBrowser
	RoleMCP            = engine.RoleMCP
	RoleMessage        = engine.RoleMessage
	RoleOther          = engine.RoleOther
	RolePRM            = engine.RolePRM
	RoleProbe          = engine.RoleProbe
	RoleRegister       = engine.RoleRegister
	RoleToken          = engine.RoleToken
	SideBrowser        = engine.SideBrowser
	SideConfig         = engine.SideConfig
	SideConnector      = engine.SideConnector
	SideIdP            = engine.SideIdP
	SideInfra          = engine.SideInfra
	SideServer         = engine.SideServer
	StageAuthorization = engine.StageAuthorization
	StageDiscovery     = engine.StageDiscovery
	StageMCP           = engine.StageMCP
	StageProbe         = engine.StageProbe
	StageReach         = engine.StageReach
	StageRegistration  = engine.StageRegistration
	StageToken         = engine.StageToken
	StatusFailed       = engine.StatusFailed
	StatusNotSeen      = engine.StatusNotSeen
	StatusOK           = engine.StatusOK
	StatusSkipped      = engine.StatusSkipped
	StatusStarted      = engine.StatusStarted
)

// IsAnthropicEgress reports whether a is one of Anthropic's published
// egress addresses (current or retired).
func IsAnthropicEgress(a netip.Addr) bool { return engine.IsAnthropicEgress(a) }

// IsCloudflare reports whether a is one of Cloudflare's edge addresses.
func IsCloudflare(a netip.Addr) bool { return engine.IsCloudflare(a) }

// NewPrefilter returns the fast path's line test for an analysis, or false
// when no textual test can be sure of the egress addresses.
func NewPrefilter(o Options) (*Prefilter, bool) { return engine.NewPrefilter(o) }

// ParseConnectorURL reads the URL typed into Claude's connector dialog.
func ParseConnectorURL(s string) (*ConnectorURL, error) { return engine.ParseConnectorURL(s) }

// Validate checks a rule list: ids unique and snake_case, every field a
// user reads filled in.
func Validate(list []*Rule) error { return engine.Validate(list) }
