package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"
)

// App runs a scenario server on a loopback port, writing its own JSON
// log to a file.
type App struct {
	Server *Server
	Addr   string
	Log    string
	http   *http.Server
	file   *os.File
}

// StartApp starts a scenario server with the given faults.
func StartApp(dir string, f Faults) (*App, error) {
	logPath := filepath.Join(dir, "app.log")
	file, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	ln, err := listenUnclaimed()
	if err != nil {
		file.Close()
		return nil, err
	}
	s := NewServer(f, file)
	a := &App{Server: s, Addr: ln.Addr().String(), Log: logPath, file: file,
		http: &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}}
	go a.http.Serve(ln)
	return a, nil
}

// Hangup closes the server's listener and every connection at once, open
// streams included: an SSE stream whose client left sends nothing, so a
// front in the middle of proxying it (Apache, HAProxy) would wait for it
// when asked to stop.
func (a *App) Hangup() {
	a.http.Close()
}

// Stop ends the server and closes its log.
func (a *App) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := a.http.Shutdown(ctx)
	if err != nil {
		a.http.Close()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, a.file.Close())
}

// Proxy is a real nginx or Caddy process in front of an App.
type Proxy struct {
	// URL is where the replayer sends requests (the front, the edge when
	// there is one).
	URL string
	// Logs are the access logs it writes, by name.
	Logs map[string]string
	// Zones give, for logs whose times carry no zone, the offset they are
	// written in (what a user passes as --tz).
	Zones map[string]string
	// stdout and stderr, when set, are where the process's output is its
	// log (uvicorn, gunicorn, HAProxy in a container); otherwise both go
	// to proxy.out.
	stdout, stderr string
	cmd            *exec.Cmd
	stop           syscall.Signal
	dir            string
	done           chan error
}

// NginxOptions configure an nginx run.
type NginxOptions struct {
	Dir      string
	Upstream string // the App's address
	// TZ is the zone nginx writes $time_local in (a POSIX TZ string, so
	// no tzdata is needed): "UTC0", "EST5", "<+0530>-5:30".
	TZ string
	// Edge adds a front server that answers 403 to Claude-User, with its
	// own log, in front of the origin server.
	Edge bool
	// TLS, when set, is served by the front (PEM files written by WritePEM).
	TLSCert, TLSKey string
}

var nginxConf = template.Must(template.New("nginx").Parse(`daemon off;
master_process off;
worker_processes 1;
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/error.log info;
events { worker_connections 256; }
http {
  client_body_temp_path {{.Dir}}/tmp/body;
  proxy_temp_path {{.Dir}}/tmp/proxy;
  fastcgi_temp_path {{.Dir}}/tmp/fastcgi;
  uwsgi_temp_path {{.Dir}}/tmp/uwsgi;
  scgi_temp_path {{.Dir}}/tmp/scgi;

  # Whether Authorization was sent: never its value.
  map $http_authorization $auth_state { default present; "" absent; }
  log_format timing '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                    '"$http_referer" "$http_user_agent" rt=$request_time urt=$upstream_response_time auth=$auth_state '
                    'ct="$sent_http_content_type"';
  log_format jsonlog escape=json '{"time":"$time_iso8601","remote_addr":"$remote_addr","host":"$host",'
                    '"request_method":"$request_method","request_uri":"$request_uri","status":$status,'
                    '"body_bytes_sent":$body_bytes_sent,"request_time":$request_time,'
                    '"http_referer":"$http_referer","http_user_agent":"$http_user_agent",'
                    '"http_x_forwarded_for":"$http_x_forwarded_for","auth":"$auth_state"}';

  set_real_ip_from 127.0.0.1;
  real_ip_header X-Forwarded-For;
{{if .TLSCert}}
  ssl_certificate {{.TLSCert}};
  ssl_certificate_key {{.TLSKey}};
  ssl_protocols TLSv1.2 TLSv1.3;
{{end}}
  server {
    listen {{.Origin}}{{if and .TLSCert (not .Edge)}} ssl{{end}};
    server_name _;
    access_log {{.Dir}}/access.log combined;
    access_log {{.Dir}}/timing.log timing;
    access_log {{.Dir}}/json.log jsonlog;
    location / {
      proxy_pass http://{{.Upstream}};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_http_version 1.1;
      proxy_buffering off;
      proxy_read_timeout 60s;
    }
  }
{{if .Edge}}
  server {
    listen {{.Front}}{{if .TLSCert}} ssl{{end}};
    server_name _;
    access_log {{.Dir}}/edge.log combined;
    location / {
      if ($http_user_agent ~* "Claude-User") {
        return 403 "Your request was blocked.\n";
      }
      proxy_pass http://{{.Origin}};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_http_version 1.1;
      proxy_buffering off;
      proxy_read_timeout 60s;
    }
  }
{{end}}
}
`))

// StartNginx runs nginx (from PATH) with a generated configuration.
func StartNginx(o NginxOptions) (*Proxy, error) {
	origin, err := freePort()
	if err != nil {
		return nil, err
	}
	front := origin
	if o.Edge {
		if front, err = freePort(); err != nil {
			return nil, err
		}
	}
	for _, d := range []string{"tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"} {
		if err := os.MkdirAll(filepath.Join(o.Dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	conf := filepath.Join(o.Dir, "nginx.conf")
	if err := writeConfig(conf, nginxConf, map[string]any{"Dir": o.Dir, "Upstream": o.Upstream, "Origin": origin, "Front": front, "Edge": o.Edge, "TLSCert": o.TLSCert, "TLSKey": o.TLSKey}); err != nil {
		return nil, err
	}
	bin, err := Binary("nginx")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-p", o.Dir, "-c", conf, "-e", filepath.Join(o.Dir, "error.log"))
	tz := o.TZ
	if tz == "" {
		tz = "UTC0"
	}
	cmd.Env = append(os.Environ(), "TZ="+tz)
	scheme := "http"
	if o.TLSCert != "" {
		scheme = "https"
	}
	p := &Proxy{URL: scheme + "://" + front, cmd: cmd, stop: syscall.SIGQUIT, dir: o.Dir, Logs: map[string]string{
		"access.log": filepath.Join(o.Dir, "access.log"),
		"timing.log": filepath.Join(o.Dir, "timing.log"),
		"json.log":   filepath.Join(o.Dir, "json.log"),
	}}
	if o.Edge {
		p.Logs["edge.log"] = filepath.Join(o.Dir, "edge.log")
	}
	return p, p.start(front, origin)
}

// CaddyOptions configure a Caddy run.
type CaddyOptions struct {
	Dir      string
	Upstream string
}

var caddyConf = template.Must(template.New("caddy").Parse(`{
  "admin": {"disabled": true},
  "storage": {"module": "file_system", "root": "{{.Dir}}/data"},
  "logging": {"logs": {
    "default": {"writer": {"output": "file", "filename": "{{.Dir}}/caddy-runtime.log"}, "exclude": ["http.log.access.lab"]},
    "lab": {"writer": {"output": "file", "filename": "{{.Dir}}/caddy.log"}, "encoder": {"format": "json"}, "include": ["http.log.access.lab"]}
  }},
  "apps": {"http": {"servers": {"lab": {
    "listen": ["{{.Listen}}"],
    "automatic_https": {"disable": true},
    "logs": {"default_logger_name": "lab"},
    "routes": [{"handle": [{"handler": "reverse_proxy", "trusted_proxies": ["127.0.0.1/32"], "upstreams": [{"dial": "{{.Upstream}}"}]}]}]
  }}}}
}
`))

// StartCaddy runs caddy (from PATH) with its default JSON access log.
func StartCaddy(o CaddyOptions) (*Proxy, error) {
	listen, err := freePort()
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(o.Dir, "caddy.json")
	if err := writeConfig(conf, caddyConf, map[string]any{"Dir": o.Dir, "Listen": listen, "Upstream": o.Upstream}); err != nil {
		return nil, err
	}
	bin, err := Binary("caddy")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "run", "--config", conf)
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+filepath.Join(o.Dir, "data"), "XDG_CONFIG_HOME="+filepath.Join(o.Dir, "config"), "HOME="+o.Dir)
	p := &Proxy{URL: "http://" + listen, cmd: cmd, stop: syscall.SIGINT, dir: o.Dir,
		Logs: map[string]string{"caddy.log": filepath.Join(o.Dir, "caddy.log")}}
	return p, p.start(listen)
}

// start runs the process and waits, at most 10 s, until every address
// accepts connections.
func (p *Proxy) start(addrs ...string) error {
	files := map[string]*os.File{}
	open := func(path string) (*os.File, error) {
		if path == "" {
			path = filepath.Join(p.dir, "proxy.out")
		}
		if f, ok := files[path]; ok {
			return f, nil
		}
		f, err := os.Create(path)
		files[path] = f
		return f, err
	}
	closeAll := func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}
	stdout, err := open(p.stdout)
	if err != nil {
		closeAll()
		return err
	}
	stderr, err := open(p.stderr)
	if err != nil {
		closeAll()
		return err
	}
	p.cmd.Stdout, p.cmd.Stderr = stdout, stderr
	// Its own process group, so that a front that forks workers (Apache,
	// gunicorn) can be killed whole if it does not stop.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		closeAll()
		return err
	}
	p.done = make(chan error, 1)
	go func() { p.done <- p.cmd.Wait(); closeAll() }()
	// Python and node take a while to start on a loaded machine.
	deadline := time.Now().Add(30 * time.Second)
	for _, a := range addrs {
		for {
			c, err := net.DialTimeout("tcp", a, 200*time.Millisecond)
			if err == nil {
				c.Close()
				break
			}
			select {
			case err := <-p.done:
				return fmt.Errorf("%s exited before listening (%v): %s", p.cmd.Path, err, p.output())
			default:
			}
			if time.Now().After(deadline) {
				p.Stop()
				return fmt.Errorf("%s did not listen on %s within 30 s: %s", p.cmd.Path, a, p.output())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Another process may have taken the port between freePort and the
	// bind, and answered the dial: make sure ours is still running.
	select {
	case err := <-p.done:
		return fmt.Errorf("%s exited after the port answered (%v): %s", p.cmd.Path, err, p.output())
	case <-time.After(150 * time.Millisecond):
	}
	// gunicorn does not exit at once: it says so and retries for seconds.
	if out := p.output(); strings.Contains(out, "Connection in use") || strings.Contains(out, "Address already in use") {
		p.Stop()
		return fmt.Errorf("%s could not bind its port, which another process answers: %s", p.cmd.Path, out)
	}
	return nil
}

func (p *Proxy) output() string {
	var b strings.Builder
	for _, name := range []string{p.stdout, p.stderr, filepath.Join(p.dir, "proxy.out"), filepath.Join(p.dir, "error.log"), filepath.Join(p.dir, "apache-error.log")} {
		if data, err := os.ReadFile(name); err == nil && name != "" {
			b.Write(data)
		}
	}
	return strings.TrimSpace(b.String())
}

// Stop shuts the proxy down gracefully (its logs are complete when Stop
// returns), or kills it after 10 s.
func (p *Proxy) Stop() error {
	if p.cmd.Process == nil {
		return nil
	}
	p.cmd.Process.Signal(p.stop)
	select {
	case <-p.done:
		return nil
	case <-time.After(10 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		return fmt.Errorf("%s did not stop within 10 s", p.cmd.Path)
	}
}

// writeConfig renders a proxy's configuration to path.
func writeConfig(path string, t *template.Template, data map[string]any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = t.Execute(f, data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Binary finds a proxy's program: on PATH, or where Debian puts it
// (/usr/sbin is not on an ordinary user's PATH).
func Binary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/bin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not installed", name)
}

// freePort finds a loopback port nobody listens on, and never hands out
// the same port twice in one run: the kernel gives a port closed a moment
// ago to the next caller, and two fronts staged at once then raced for it
// (gunicorn retried "Connection in use" for five seconds while the other
// front answered its connector's requests, and both cases' logs were
// wrong). Another process may still take it before the proxy binds;
// start then fails with a clear error.
func freePort() (string, error) {
	ln, err := listenUnclaimed()
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

var (
	portsMu    sync.Mutex
	portsGiven = map[string]bool{}
)

// listenUnclaimed listens on a loopback port that freePort has not handed
// to a front that may not have bound it yet.
func listenUnclaimed() (net.Listener, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	for try := 0; try < 100; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		if addr := ln.Addr().String(); !portsGiven[addr] {
			portsGiven[addr] = true
			return ln, nil
		}
		ln.Close()
	}
	return nil, fmt.Errorf("no loopback port that this run has not handed out already, after 100 tries")
}
