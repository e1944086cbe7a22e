package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plantedLogs holds one log per supported format, each with distinct
// secrets ("PLANTED…") in every place a log carries them: query strings,
// form and JSON bodies, Authorization and Cookie headers, response
// headers, free text, JWTs.
var plantedLogs = map[string]string{
	"nginx.log": `160.79.106.35 - - [20/Nov/2026:09:00:01 +0000] "POST /mcp?access_token=PLANTEDnginx1 HTTP/1.1" 401 68 "-" "python-httpx/0.28.1"
160.79.106.35 - - [20/Nov/2026:09:00:02 +0000] "GET /.well-known/oauth-protected-resource/mcp HTTP/1.1" 200 312 "-" "python-httpx/0.28.1"
203.0.113.57 - - [20/Nov/2026:09:00:03 +0000] "GET /authorize?response_type=code&client_id=c_1&redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback&state=s1&id_token_hint=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJQTEFOVEVEbmdpbngyIn0.UExBTlRFRG5naW54Mg HTTP/1.1" 200 3921 "https://claude.ai/?code=PLANTEDnginx3" "Mozilla/5.0"
160.79.106.121 - - [20/Nov/2026:09:00:40 +0000] "POST /token?grant_type=authorization_code&code=PLANTEDnginx4&code_verifier=PLANTEDnginx5&client_secret=PLANTEDnginx6&refresh_token=PLANTEDnginx7 HTTP/1.1" 200 1187 "-" "python-httpx/0.28.1"
`,
	"cf-http.ndjson": `{"ClientIP":"160.79.107.8","ClientRequestHost":"mcp.example.com","ClientRequestMethod":"POST","ClientRequestPath":"/mcp","ClientRequestURI":"/mcp?token=PLANTEDcf1","ClientRequestUserAgent":"Claude-User","EdgeStartTimestamp":"2026-11-20T09:00:41Z","EdgeResponseStatus":403,"OriginResponseStatus":0,"RayID":"8f1a2b3c4d5e6f72","SecurityAction":"block","SecurityRuleDescription":"Manage AI bots","RequestHeaders":{"authorization":"Bearer PLANTEDcf2xxxxxxxx","cookie":"sid=PLANTEDcf3"}}
`,
	"cf.csv": `ClientIP,EdgeStartTimestamp,ClientRequestMethod,ClientRequestURI,EdgeResponseStatus,OriginResponseStatus,ClientRequestUserAgent,RayID
"160.79.106.121",1795510840000000000,"POST","/token?refresh_token=PLANTEDcsv1&client_secret=PLANTEDcsv2",200,200,"python-httpx/0.28.1","8f1a2b3c4d5e6f71"
`,
	"app.jsonl": `{"time":"2026-11-20T09:00:40.100Z","level":"INFO","msg":"token issued","client_id":"c_1","access_token":"PLANTEDslog1","refresh_token":"PLANTEDslog2","id_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJQTEFOVEVEc2xvZzMifQ.c2ln"}
{"time":"2026-11-20T09:00:41.100Z","level":"WARN","msg":"rejected: header was Authorization: Bearer PLANTEDslog4abcdef","path":"/mcp"}
`,
	"pino.log": `{"level":30,"time":1795510841200,"req":{"method":"POST","url":"/mcp","headers":{"user-agent":"Claude-User","authorization":"Bearer PLANTEDpino1abcdef","cookie":"sid=PLANTEDpino2","x-forwarded-for":"160.79.107.8"},"remoteAddress":"127.0.0.1"},"res":{"statusCode":401,"headers":{"set-cookie":"s=PLANTEDpino3","location":"https://claude.ai/api/mcp/auth_callback?code=PLANTEDpino4&state=s"}},"responseTime":3,"msg":"request completed"}
`,
	"caddy.log": `{"level":"error","ts":1795510841.3,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"160.79.107.8","method":"POST","host":"mcp.example.com","uri":"/mcp?code=PLANTEDcaddy1","headers":{"User-Agent":["Claude-User"],"Authorization":["Bearer PLANTEDcaddy2abc"],"Cookie":["sid=PLANTEDcaddy3"]}},"status":401,"resp_headers":{"Set-Cookie":["s=PLANTEDcaddy4"],"Location":["https://claude.ai/api/mcp/auth_callback?code=PLANTEDcaddy5"]}}
`,
	"traefik.log": `{"ClientHost":"160.79.107.8","DownstreamStatus":401,"RequestMethod":"POST","RequestPath":"/mcp?access_token=PLANTEDtraefik1","StartUTC":"2026-11-20T09:00:41.4Z","request_User-Agent":"Claude-User","request_Authorization":"Bearer PLANTEDtraefik2abc"}
`,
	"uvicorn.log": `2026-11-20 09:00:41 INFO:     160.79.107.8:0 - "POST /mcp?code_verifier=PLANTEDuvicorn1 HTTP/1.1" 401 Unauthorized
`,
	"docker.log": `{"log":"INFO:     160.79.107.8:40112 - \"POST /mcp?access_token=PLANTEDdocker1 HTTP/1.1\" 401 Unauthorized\n","stream":"stdout","time":"2026-11-20T09:00:41.5Z"}
`,
	"pasted.txt": `1. POST /token?client_secret=PLANTEDpaste1 → 200 (issued eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJQTEFOVEVEcGFzdGUyIn0.UExBTlRFRHBhc3RlMg)
2. POST /mcp → 401 (Authorization: Bearer PLANTEDpaste3abcdef)
`,
	"error.log": `2026/11/20 09:00:42 [error] 29#29: *1841 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 160.79.107.8, server: mcp.example.com, request: "POST /mcp?code=PLANTEDerror1 HTTP/1.1", upstream: "http://127.0.0.1:8000/mcp?code=PLANTEDerror1", host: "mcp.example.com"
`,
}

// No output of analyze or report, in any form, carries a planted secret.
func TestNoPlantedSecretInAnyOutput(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for name, data := range plantedLogs {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	ofid := "ofid_0123456789abcdef@2026-11-20T09:00:45Z"
	runs := [][]string{
		{"analyze"},
		{"analyze", "--json"},
		{"analyze", "--color", "always"},
		{"report", "--ofid", ofid},
		{"report", "--format", "json", "--ofid", ofid},
		{"report", "--url", "--ofid", ofid},
		{"report", "--user", "--ofid", ofid},
		{"report", "--redact-hosts", "--ofid", ofid},
		{"report", "--comment", "125", "--ofid", ofid},
		{"report", "--comment", "125", "--format", "json", "--ofid", ofid},
	}
	for _, args := range runs {
		io, _, out, errOut := testIO()
		run(append(append([]string{}, args...), files...), io)
		all := out.String() + errOut.String()
		if i := strings.Index(all, "PLANTED"); i >= 0 {
			t.Errorf("%v leaks a planted secret: …%s…", args, all[max(0, i-80):min(len(all), i+40)])
		}
		if out.Len() == 0 {
			t.Errorf("%v wrote nothing: the test would prove nothing", args)
		}
	}
	// The planted lines were read and are in the output, redacted.
	io, _, out, _ := testIO()
	run(append([]string{"analyze", "--json"}, files...), io)
	for name := range plantedLogs {
		if !strings.Contains(out.String(), name+":") {
			t.Errorf("nothing from %s reached the report: its secrets were never put to the test", name)
		}
	}
	if !strings.Contains(out.String(), "[redacted:") {
		t.Error("no redaction marker in the output")
	}
}
