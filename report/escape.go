package report

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// EscapeControls makes s safe to show: every control character (C0 but
// tab, DEL, C1), every byte that is not UTF-8, and the Unicode controls
// that reorder text on screen (bidi embeddings, overrides and isolates)
// are written as escapes (\x1b, \u009b, \u202e), so a log line cannot
// move the cursor, set the title, write the clipboard, make a link or
// hide text on the terminal, nor break a line in a draft. Newlines are
// escaped too: in log text they are data, and every output that shows
// log text puts one record on one line.
func EscapeControls(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 && r != '\t', r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0, isBidiControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\t' || c == 0x7f {
			return true
		}
		if c >= 0x80 {
			// Non-ASCII: decide rune by rune.
			for _, r := range s[i:] {
				if r == utf8.RuneError || r >= 0x80 && r < 0xa0 || isBidiControl(r) || r < 0x20 && r != '\t' || r == 0x7f {
					return true
				}
			}
			return !utf8.ValidString(s[i:])
		}
	}
	return false
}

// isBidiControl: the explicit direction formatting characters, which
// make a terminal or a browser show text in another order than it is
// (the "Trojan Source" trick).
func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// Printable returns a copy of r whose every string has its control
// characters escaped: what the text and Markdown renderers work from.
// The JSON output keeps r exact (JSON escaping makes it safe).
func Printable(r *Report) *Report { return mapStrings(r, EscapeControls) }

// forTerminal is EscapeControls for text a terminal shows: a tab, which
// a Markdown draft may keep, becomes a space there, since it would move
// the cursor by as many columns as the terminal likes and break the
// wrapping by width.
func forTerminal(s string) string {
	return strings.ReplaceAll(EscapeControls(s), "\t", " ")
}

// mapStrings returns a deep copy of *v in which f has rewritten every
// string reachable through exported fields, slices, maps and pointers
// (named string types too). Renderers use it to clean a value once,
// instead of remembering to clean each field they print.
func mapStrings[T any](v *T, f func(string) string) *T {
	if v == nil {
		return nil
	}
	out := mapValue(reflect.ValueOf(v), f)
	return out.Interface().(*T)
}

func mapValue(v reflect.Value, f func(string) string) reflect.Value {
	switch v.Kind() {
	case reflect.String:
		out := reflect.New(v.Type()).Elem()
		out.SetString(f(v.String()))
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(mapValue(v.Elem(), f))
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(mapValue(v.Index(i), f))
		}
		return out
	case reflect.Array:
		out := reflect.New(v.Type()).Elem()
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(mapValue(v.Index(i), f))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(mapValue(it.Key(), f), mapValue(it.Value(), f))
		}
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v) // unexported fields and non-string values as they are
		for i := 0; i < v.NumField(); i++ {
			if !out.Field(i).CanSet() {
				continue
			}
			g := f
			if v.Type().Field(i).Tag.Get("lines") == "ours" {
				// Our own multi-line text (a fix, a config snippet to
				// paste): each line is cleaned, the line breaks stay.
				g = func(s string) string {
					parts := strings.Split(s, "\n")
					for j, p := range parts {
						parts[j] = f(p)
					}
					return strings.Join(parts, "\n")
				}
			}
			out.Field(i).Set(mapValue(v.Field(i), g))
		}
		return out
	}
	return v
}
