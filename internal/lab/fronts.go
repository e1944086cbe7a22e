package lab

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/template"
)

// The fronts: real servers in front of the scenario server, each writing
// its own access log as it does when installed from Debian's packages or
// the npm registry. Each is optional: where its programs are missing the
// suite skips it, saying what to install.

//go:embed fronts/labproxy.py fronts/express.js fronts/package.json
var frontFiles embed.FS

// Front is one kind of real server the suite can put in front.
type Front struct {
	Name string
	// Install says how to get what it needs (for the skip message).
	Install string
	// Available says why the front cannot run here, or nil.
	Available func() error
	// Start runs it in dir, forwarding to upstream (host:port).
	Start func(dir, upstream string) (*Proxy, error)
}

// Fronts are every front the suite knows, in the order the report lists them.
var Fronts = []Front{
	{Name: "nginx", Install: "apt-get install -y nginx",
		Available: binaries("nginx"),
		Start: func(dir, upstream string) (*Proxy, error) {
			return StartNginx(NginxOptions{Dir: dir, Upstream: upstream, TZ: "CET-1"})
		}},
	{Name: "caddy", Install: "apt-get install -y caddy",
		Available: binaries("caddy"),
		Start: func(dir, upstream string) (*Proxy, error) {
			return StartCaddy(CaddyOptions{Dir: dir, Upstream: upstream})
		}},
	{Name: "haproxy", Install: "apt-get install -y haproxy",
		Available: binaries("haproxy"), Start: StartHAProxy},
	{Name: "apache", Install: "apt-get install -y apache2",
		Available: binaries("apache2"), Start: StartApache},
	{Name: "uvicorn", Install: "apt-get install -y python3-uvicorn",
		Available: pythonModule("uvicorn"), Start: StartUvicorn},
	{Name: "gunicorn", Install: "apt-get install -y gunicorn python3-uvicorn",
		Available: func() error {
			return errors.Join(binaries("gunicorn")(), pythonModule("uvicorn")())
		}, Start: StartGunicorn},
	{Name: "express", Install: "apt-get install -y nodejs npm (the npm packages are installed at test time)",
		Available: expressAvailable, Start: StartExpress},
}

func binaries(names ...string) func() error {
	return func() error {
		for _, n := range names {
			if _, err := Binary(n); err != nil {
				return err
			}
		}
		return nil
	}
}

// debianPython is Debian's interpreter, where python3-uvicorn installs;
// the python3 on PATH may be another one without it.
const debianPython = "/usr/bin/python3"

func pythonModule(name string) func() error {
	return func() error {
		out, err := exec.Command(debianPython, "-c", "import "+name).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s cannot import %s (%v): %s", debianPython, name, err, strings.TrimSpace(string(out)))
		}
		return nil
	}
}

// writeFrontFile copies an embedded front file into dir.
func writeFrontFile(dir, name string) (string, error) {
	b, err := frontFiles.ReadFile("fronts/" + name)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, name)
	return p, os.WriteFile(p, b, 0o644)
}

var haproxyConf = template.Must(template.New("haproxy").Parse(`global
  log stdout format raw local0 info
  maxconn 1024

defaults
  mode http
  log global
  option httplog
  option forwardfor
  timeout connect 5s
  timeout client 60s
  timeout server 60s

frontend lab
  bind {{.Listen}}
  # The client's address arrives in X-Forwarded-For (a CDN in front):
  # captured, as the logs of such setups show it.
  capture request header Host len 64
  capture request header User-Agent len 200
  capture request header X-Forwarded-For len 64
  capture request header Referer len 200
  default_backend app

backend app
  server app {{.Upstream}}
`))

// StartHAProxy runs HAProxy 2.6 with option httplog, logging to its
// standard output as in a container; its times are local without a zone,
// so it runs in a zone other than UTC.
func StartHAProxy(dir, upstream string) (*Proxy, error) {
	listen, err := freePort()
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "haproxy.cfg")
	if err := writeConfig(conf, haproxyConf, map[string]any{"Listen": listen, "Upstream": upstream}); err != nil {
		return nil, err
	}
	bin, err := Binary("haproxy")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-db", "-f", conf)
	cmd.Env = append(os.Environ(), "TZ=<+0530>-5:30")
	log := filepath.Join(dir, "haproxy.log")
	p := &Proxy{URL: "http://" + listen, cmd: cmd, stop: syscall.SIGUSR1, dir: dir,
		Logs: map[string]string{"haproxy.log": log}, Zones: map[string]string{"haproxy.log": "+05:30"},
		stdout: log}
	return p, p.start(listen)
}

var apacheConf = template.Must(template.New("apache").Parse(`ServerRoot "{{.Dir}}"
ServerName {{.Host}}
Listen {{.Listen}}
PidFile {{.Dir}}/apache.pid
ErrorLog {{.Dir}}/apache-error.log
LogLevel warn
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_http_module /usr/lib/apache2/modules/mod_proxy_http.so
LoadModule remoteip_module /usr/lib/apache2/modules/mod_remoteip.so
{{if .Root}}User www-data
Group www-data
{{end}}
# Debian's combined format.
LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined
CustomLog {{.Dir}}/apache.log combined

RemoteIPHeader X-Forwarded-For
RemoteIPInternalProxy 127.0.0.1

ProxyPreserveHost On
ProxyTimeout 60
ProxyPass / http://{{.Upstream}}/
ProxyPassReverse / http://{{.Upstream}}/
`))

// StartApache runs Apache 2.4 as a reverse proxy with Debian's combined
// log and mod_remoteip, in a zone other than UTC.
func StartApache(dir, upstream string) (*Proxy, error) {
	listen, err := freePort()
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "apache.conf")
	if err := writeConfig(conf, apacheConf, map[string]any{"Dir": dir, "Host": PublicHost, "Listen": listen,
		"Upstream": upstream, "Root": os.Geteuid() == 0}); err != nil {
		return nil, err
	}
	bin, err := Binary("apache2")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-f", conf, "-DFOREGROUND")
	cmd.Env = append(os.Environ(), "TZ=<-03>3")
	p := &Proxy{URL: "http://" + listen, cmd: cmd, stop: syscall.SIGTERM, dir: dir,
		Logs: map[string]string{"apache.log": filepath.Join(dir, "apache.log")}}
	return p, p.start(listen)
}

// StartUvicorn runs Debian's uvicorn (0.17) with its default logging: the
// access lines and its own lifecycle lines in one stream, as docker logs
// or journald keep them. Behind a proxy (--proxy-headers, the default)
// the client is the forwarded address with port 0.
func StartUvicorn(dir, upstream string) (*Proxy, error) {
	return startPythonFront(dir, upstream, "uvicorn.log", syscall.SIGINT, func(listen string) (*exec.Cmd, error) {
		host, port, _ := strings.Cut(listen, ":")
		return exec.Command(debianPython, "-m", "uvicorn", "--host", host, "--port", port,
			"--proxy-headers", "--forwarded-allow-ips", "127.0.0.1", "--app-dir", dir, "labproxy:app"), nil
	})
}

// StartGunicorn runs gunicorn with the uvicorn worker: uvicorn's access
// message through gunicorn's logging, and gunicorn's own lines, in one
// stream.
func StartGunicorn(dir, upstream string) (*Proxy, error) {
	return startPythonFront(dir, upstream, "gunicorn.log", syscall.SIGTERM, func(listen string) (*exec.Cmd, error) {
		bin, err := Binary("gunicorn")
		if err != nil {
			return nil, err
		}
		return exec.Command(bin, "--bind", listen, "--workers", "1", "--worker-class", "uvicorn.workers.UvicornWorker",
			"--access-logfile", "-", "--forwarded-allow-ips", "127.0.0.1", "--graceful-timeout", "1",
			"--chdir", dir, "labproxy:app"), nil
	})
}

// startPythonFront serves the lab's ASGI proxy with the command made for
// a listening address; the process's whole output is the log.
func startPythonFront(dir, upstream, logName string, stop syscall.Signal, command func(listen string) (*exec.Cmd, error)) (*Proxy, error) {
	listen, err := freePort()
	if err != nil {
		return nil, err
	}
	if _, err := writeFrontFile(dir, "labproxy.py"); err != nil {
		return nil, err
	}
	cmd, err := command(listen)
	if err != nil {
		return nil, err
	}
	cmd.Env = append(os.Environ(), "LAB_UPSTREAM="+upstream, "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1")
	log := filepath.Join(dir, logName)
	p := &Proxy{URL: "http://" + listen, cmd: cmd, stop: stop, dir: dir,
		Logs: map[string]string{logName: log}, stdout: log, stderr: log}
	return p, p.start(listen)
}

var (
	npmOnce sync.Once
	npmDir  string
	npmErr  error
)

// expressModules installs the Express front's npm packages once per test
// run into a cache directory outside the repository, keyed by the
// package.json, and reuses it on later runs.
func expressModules() (string, error) {
	npmOnce.Do(func() {
		pkg, err := frontFiles.ReadFile("fronts/package.json")
		if err != nil {
			npmErr = err
			return
		}
		sum := sha256.Sum256(pkg)
		cache := os.Getenv("MCPTRIAGE_LAB_CACHE")
		if cache == "" {
			base, err := os.UserCacheDir()
			if err != nil {
				base = os.TempDir()
			}
			cache = filepath.Join(base, "mcptriage-lab")
		}
		npmDir = filepath.Join(cache, "express-"+hex.EncodeToString(sum[:6]))
		if _, err := os.Stat(filepath.Join(npmDir, "node_modules", ".installed")); err == nil {
			return
		}
		if err := os.MkdirAll(npmDir, 0o755); err != nil {
			npmErr = err
			return
		}
		if err := os.WriteFile(filepath.Join(npmDir, "package.json"), pkg, 0o644); err != nil {
			npmErr = err
			return
		}
		npm, err := Binary("npm")
		if err != nil {
			npmErr = err
			return
		}
		cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "--omit=dev", "--loglevel=error")
		cmd.Dir = npmDir
		if out, err := cmd.CombinedOutput(); err != nil {
			npmErr = fmt.Errorf("npm install in %s: %v\n%s", npmDir, err, out)
			return
		}
		npmErr = os.WriteFile(filepath.Join(npmDir, "node_modules", ".installed"), nil, 0o644)
	})
	return npmDir, npmErr
}

func expressAvailable() error {
	if err := binaries("node", "npm")(); err != nil {
		return err
	}
	_, err := expressModules()
	return err
}

// StartExpress runs the Express app under node: morgan's combined and dev
// logs and pino-http's JSON log, three files at once.
func StartExpress(dir, upstream string) (*Proxy, error) {
	modules, err := expressModules()
	if err != nil {
		return nil, err
	}
	listen, err := freePort()
	if err != nil {
		return nil, err
	}
	script, err := writeFrontFile(dir, "express.js")
	if err != nil {
		return nil, err
	}
	node, err := Binary("node")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(node, script)
	cmd.Env = append(os.Environ(), "LAB_UPSTREAM="+upstream, "LAB_LISTEN="+listen, "LAB_DIR="+dir,
		"NODE_PATH="+filepath.Join(modules, "node_modules"), "TZ=EST5")
	p := &Proxy{URL: "http://" + listen, cmd: cmd, stop: syscall.SIGTERM, dir: dir, Logs: map[string]string{
		"morgan-combined.log": filepath.Join(dir, "morgan-combined.log"),
		"morgan-dev.log":      filepath.Join(dir, "morgan-dev.log"),
		"pino.log":            filepath.Join(dir, "pino.log"),
	}}
	return p, p.start(listen)
}
