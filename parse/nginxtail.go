package parse

import (
	"strings"
)

// readTail interprets what follows the user agent in a combined-like
// line. People append the forwarded-for header ("main"), timings
// ("$request_time $upstream_response_time", "rt=0.031 urt=\"0.030\""),
// ingress-nginx's upstreaminfo, or key=value fields of their own. It
// fills what it recognises and returns the format's name.
func readTail(tail []byte, ev *Event, base string) string {
	var (
		hasXFF, hasTiming, hasOther bool
		bareFloats                  int
	)
	for _, tok := range splitTail(string(tail)) {
		tok.text = string(unescapeNginx([]byte(tok.text)))
		key, val, isKV := tok.keyValue()
		switch {
		case isKV:
			switch tailKey(key) {
			case "request_time":
				if d, ok := parseSeconds(val); ok {
					ev.Duration, ev.HasDuration, hasTiming = d, true, true
				}
			case "upstream_time":
				if d, ok := parseUpstreamSeconds(val); ok {
					ev.UpstreamDuration, ev.HasUpstream, hasTiming = d, true, true
				}
			case "xff":
				ev.ForwardedFor = ParseAddrList(val)
				hasXFF = true
			case "client_ip":
				ev.ConnectingIP = ParseAddr(val)
				ev.ConnectingIPHeader = key
			case "host":
				if val != "-" && val != "" {
					ev.Host = val
				}
			case "auth":
				ev.Authorization = ParsePresence(val)
			case "content_type":
				if val != "-" {
					ev.ContentType = val
				}
			case "www_authenticate":
				if val == "-" || val == "" {
					ev.HasWWWAuth = Absent
				} else {
					ev.WWWAuthenticate, ev.HasWWWAuth = val, Present
				}
			case "location":
				if val != "-" {
					ev.Location = val
				}
			default:
				hasOther = true
			}
		case tok.quoted && !hasXFF && looksLikeAddrList(tok.text):
			ev.ForwardedFor = ParseAddrList(tok.text)
			hasXFF = true
		case !tok.quoted && !tok.bracketed && isSecondsToken(tok.text):
			// $request_time always has a fraction; the second such
			// number is $upstream_response_time.
			d, _ := parseSeconds(tok.text)
			if bareFloats == 0 {
				ev.Duration, ev.HasDuration = d, true
			} else if bareFloats == 1 {
				ev.UpstreamDuration, ev.HasUpstream = d, true
			}
			bareFloats++
			hasTiming = true
		default:
			hasOther = true
		}
	}
	name := base
	if hasXFF {
		name = "nginx-main"
	}
	if hasTiming {
		name += "+timing"
	} else if hasOther {
		name += "+extra"
	}
	return name
}

type tailToken struct {
	text      string
	quoted    bool
	bracketed bool
}

func (t tailToken) keyValue() (key, val string, ok bool) {
	if t.quoted || t.bracketed {
		return "", "", false
	}
	k, v, found := strings.Cut(t.text, "=")
	if !found || k == "" {
		k, v, found = strings.Cut(t.text, ":")
		if !found || k == "" || v == "" {
			return "", "", false
		}
	}
	return k, strings.Trim(v, `"`), true
}

// splitTail splits on spaces, keeping "quoted" and [bracketed] runs
// together, including key="quoted value".
func splitTail(s string) []tailToken {
	var out []tailToken
	for i := 0; i < len(s); {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			break
		}
		start := i
		switch s[i] {
		case '"':
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				out = append(out, tailToken{text: s[i+1:], quoted: true})
				return out
			}
			out = append(out, tailToken{text: s[i+1 : i+1+end], quoted: true})
			i += end + 2
			continue
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				end = len(s) - i - 1
			}
			out = append(out, tailToken{text: s[i+1 : i+end], bracketed: true})
			i += end + 1
			continue
		}
		for i < len(s) && s[i] != ' ' {
			if s[i] == '"' { // key="value with spaces"
				end := strings.IndexByte(s[i+1:], '"')
				if end < 0 {
					i = len(s)
					break
				}
				i += end + 2
				continue
			}
			i++
		}
		out = append(out, tailToken{text: s[start:i]})
	}
	return out
}

// tailKey maps the key names people use in nginx formats onto ours.
func tailKey(k string) string {
	k = strings.ToLower(strings.TrimSuffix(k, ":"))
	k = strings.ReplaceAll(k, "-", "_")
	switch k {
	case "rt", "request_time", "req_time", "reqtime", "time", "duration", "request_duration":
		return "request_time"
	case "urt", "upstream_response_time", "upstream_time", "ut", "upstream":
		return "upstream_time"
	case "xff", "x_forwarded_for", "forwarded_for", "http_x_forwarded_for", "forwarded":
		return "xff"
	case "cf", "cf_ip", "cf_connecting_ip", "real_ip", "x_real_ip", "client_ip", "true_client_ip", "clientip":
		return "client_ip"
	case "host", "http_host", "server_name", "vhost":
		return "host"
	case "auth", "has_auth", "authorization", "auth_header", "http_authorization", "bearer", "mcp_auth", "auth_present":
		return "auth"
	case "ct", "content_type", "sent_http_content_type", "resp_content_type":
		return "content_type"
	case "www_authenticate", "wwwauth", "www_auth", "sent_http_www_authenticate":
		return "www_authenticate"
	case "location", "sent_http_location":
		return "location"
	}
	return ""
}

func isSecondsToken(s string) bool {
	dot := strings.IndexByte(s, '.')
	return dot > 0 && dot < len(s)-1 && isFloatish([]byte(s))
}

func looksLikeAddrList(s string) bool {
	if s == "-" {
		return true
	}
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "unknown" || part == "-" {
			continue
		}
		if !ParseAddr(part).IsValid() {
			return false
		}
	}
	return true
}
