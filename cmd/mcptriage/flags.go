package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// secondsValue is a duration flag that also takes plain seconds:
// --timeout 5 is five seconds, as curl's --max-time reads it, and
// --timeout 1m30s works too.
type secondsValue time.Duration

func (d *secondsValue) Set(s string) error {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f < 0 || f > 24*3600 {
			return fmt.Errorf("%s seconds is out of range", s)
		}
		*d = secondsValue(time.Duration(f * float64(time.Second)))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("give seconds (5, 2.5) or a duration (15s, 1m)")
	}
	*d = secondsValue(v)
	return nil
}

func (d *secondsValue) String() string { return time.Duration(*d).String() }
func (d *secondsValue) Type() string   { return "duration" }
