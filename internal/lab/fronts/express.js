// The lab's Express front: express with morgan (combined and dev) and
// pino-http, forwarding every request to the Go scenario server with
// http-proxy-middleware. Each logger writes its own file, as it would
// when pointed at one; writes are synchronous so a stop loses no line.
'use strict';
const fs = require('fs');
const path = require('path');
const express = require('express');
const morgan = require('morgan');
const pino = require('pino');
const pinoHttp = require('pino-http');
const { createProxyMiddleware } = require('http-proxy-middleware');

const dir = process.env.LAB_DIR;
const [host, port] = process.env.LAB_LISTEN.split(':');
const file = (name) => ({ write: (line) => fs.appendFileSync(path.join(dir, name), line) });

const app = express();
// Behind the lab's address header, as an app behind a proxy is set up.
app.set('trust proxy', 'loopback');
app.use(morgan('combined', { stream: file('morgan-combined.log') }));
app.use(morgan('dev', { stream: file('morgan-dev.log') }));
app.use(pinoHttp({ logger: pino(pino.destination({ dest: path.join(dir, 'pino.log'), sync: true })) }));
app.use(createProxyMiddleware({ target: 'http://' + process.env.LAB_UPSTREAM, proxyTimeout: 60000 }));

const server = app.listen(Number(port), host, () => console.log('listening on ' + host + ':' + port));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 3000).unref();
});
