package parse

import (
	"strings"
	"testing"
	"time"
)

func TestParseZonedTime(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{in: "2026-11-20T09:01:05Z", want: "2026-11-20T09:01:05Z"},
		{in: "2026-11-20T10:01:05.250+01:00", want: "2026-11-20T09:01:05.25Z"},
		{in: "2026-11-20 10:01:05 +01:00", want: "2026-11-20T09:01:05Z"},
		{in: "2026-11-20 04:01 -0500", want: "2026-11-20T09:01:00Z"},
		{in: "2026-11-20T10:01+01:00", want: "2026-11-20T09:01:00Z"},
		{in: "2026-11-20 09:01:05 UTC", want: "2026-11-20T09:01:05Z"},
		{in: "Fri, 20 Nov 2026 09:01:05 GMT", want: "2026-11-20T09:01:05Z"},
		{in: "20/Nov/2026:10:01:05 +0100", want: "2026-11-20T09:01:05Z"},
		{in: "2026-11-20 14:01:05 GMT+5", want: "2026-11-20T09:01:05Z"},
		{in: "2026-11-20 09:01:05", err: "has no zone; add one, e.g. 2026-11-20T09:01:05Z"},
		{in: "2026-11-20 09:01:05 CET", err: "not one mcptriage reads"}, // Go would read CET as UTC
		{in: "yesterday", err: "not one mcptriage reads"},
	}
	for _, tt := range tests {
		got, err := ParseZonedTime(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseZonedTime(%q) = %v, %v; want an error with %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got.Format(time.RFC3339Nano) != tt.want {
			t.Errorf("ParseZonedTime(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestLoadZone(t *testing.T) {
	at := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]int{
		"Europe/Madrid": 2 * 3600, "UTC": 0, "+02:00": 2 * 3600, "-0500": -5 * 3600,
		"UTC+2": 2 * 3600, "GMT-3:30": -(3*3600 + 1800), "+5": 5 * 3600,
	} {
		loc, err := LoadZone(in)
		if err != nil {
			t.Errorf("LoadZone(%q): %v", in, err)
			continue
		}
		if _, off := at.In(loc).Zone(); off != want {
			t.Errorf("LoadZone(%q) offset %d, want %d", in, off, want)
		}
	}
	for bad, says := range map[string]string{
		"Mars/Olympus": "not a zone name", "+99:00": "offsets run from", "-13:00": "offsets run from",
		"+02:75": "below 60", "": "empty", "CET+": "not a zone name", "Local": "not this machine's",
		"europe/madrid": "did you mean Europe/Madrid?",
	} {
		if _, err := LoadZone(bad); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("LoadZone(%q) = %v, want an error saying %q", bad, err, says)
		}
	}
}

// A log's times: zoned as written, local ones in --tz (assumed unless
// the user named it), an unknown abbreviation like a missing zone.
func TestParseTimestamp(t *testing.T) {
	madrid, _ := time.LoadLocation("Europe/Madrid")
	tests := []struct {
		cfg     Config
		in      string
		want    string
		zone    string
		assumed bool
	}{
		{Config{}, "2026-11-24T10:14:02+01:00", "2026-11-24T09:14:02Z", "+0100", false},
		{Config{}, "2026-11-24 10:14:02,500", "2026-11-24T10:14:02.5Z", "", true},
		{Config{Location: madrid, TZExplicit: true}, "2026-11-24 10:14:02", "2026-11-24T09:14:02Z", "+0100", false},
		{Config{Location: madrid}, "2026-07-24 10:14:02", "2026-07-24T08:14:02Z", "+0200", true},
		{Config{}, "Tue, 24 Nov 2026 10:14:02 CET", "2026-11-24T10:14:02Z", "", true},
		{Config{}, "[2026-11-24 10:14:02 +0100]", "2026-11-24T09:14:02Z", "+0100", false},
	}
	for _, tt := range tests {
		got, zone, assumed, ok := tt.cfg.parseTimestamp(tt.in)
		if !ok || got.Format(time.RFC3339Nano) != tt.want || zone != tt.zone || assumed != tt.assumed {
			t.Errorf("parseTimestamp(%q) = %v %q assumed=%v ok=%v; want %s %q assumed=%v", tt.in, got, zone, assumed, ok, tt.want, tt.zone, tt.assumed)
		}
	}
}
