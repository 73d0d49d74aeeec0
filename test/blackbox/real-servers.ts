// Real servers for the black-box tests, each on 127.0.0.1 with a generated config in a temp dir:
// nginx (nginx-light from Debian: h1, and HTTP/2 on TLS), h2o 2.2.5 (Debian: h1 and h2 on TLS), and
// node:http (default settings, or with server.timeout). Every one serves /big (64 MiB, sparse
// zeros) and / (small); start* waits until the port answers and stop() kills the process it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, truncateSync, writeFileSync, closeSync, openSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { TOOLS } from '../../harness/tools/catalogue.ts';

export const BIG_BYTES = 64 * 1024 * 1024;

export interface RealServer {
  name: string;
  version: string;
  http: string;
  https?: string;
  pid: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitForPort(port: number, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function siteDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dawdle-bb-'));
  chmodSync(dir, 0o755); // nginx's workers run as nobody when started by root
  const big = join(dir, 'big');
  closeSync(openSync(big, 'w'));
  truncateSync(big, BIG_BYTES);
  writeFileSync(join(dir, 'index.html'), 'small\n');
  return dir;
}

async function certFiles(dir: string): Promise<{ key: string; cert: string }> {
  const p = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' });
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  writeFileSync(key, p.private);
  writeFileSync(cert, p.cert);
  return { key, cert };
}

function stopChild(child: ChildProcess, dir: string): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

/** nginx with send_timeout, client_header_timeout and client_body_timeout 2 s; h1 and h2 on TLS. */
export async function startNginx(): Promise<RealServer> {
  const dir = siteDir();
  const { key, cert } = await certFiles(dir);
  const port = await freePort();
  const tlsPort = await freePort();
  const conf = `
worker_processes 1;
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  sendfile on;
  send_timeout 2s;
  client_header_timeout 2s;
  client_body_timeout 2s;
  keepalive_timeout 30s;
  server {
    listen 127.0.0.1:${port};
    listen 127.0.0.1:${tlsPort} ssl http2;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    root ${dir};
    # A location that reads a request body: nginx buffers the whole body before it proxies.
    location /upload { proxy_pass http://127.0.0.1:9; }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn(TOOLS.nginx.locate() ?? 'nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  try {
    await waitForPort(port);
    await waitForPort(tlsPort);
  } catch (e) {
    await stopChild(child, dir)();
    throw new Error(`nginx did not start: ${(e as Error).message}: ${err}`);
  }
  return { name: 'nginx', version: '1.22.1 (Debian nginx-light)', http: `http://127.0.0.1:${port}`, https: `https://127.0.0.1:${tlsPort}`, pid: child.pid!, stop: stopChild(child, dir) };
}

/** h2o 2.2.5, h1 on TCP and h1/h2 on TLS: its defaults, or `http1-request-timeout` in seconds. */
export async function startH2o(o: { requestTimeoutS?: number } = {}): Promise<RealServer> {
  const dir = siteDir();
  const { key, cert } = await certFiles(dir);
  const port = await freePort();
  const tlsPort = await freePort();
  const conf = `
num-threads: 1
${o.requestTimeoutS !== undefined ? `http1-request-timeout: ${o.requestTimeoutS}` : ''}
error-log: ${dir}/error.log
access-log: /dev/null
listen:
  host: 127.0.0.1
  port: ${port}
listen:
  host: 127.0.0.1
  port: ${tlsPort}
  ssl:
    certificate-file: ${cert}
    key-file: ${key}
hosts:
  "127.0.0.1":
    paths:
      /:
        file.dir: ${dir}
`;
  writeFileSync(join(dir, 'h2o.conf'), conf);
  const child = spawn(TOOLS.h2o.locate() ?? 'h2o', ['-c', join(dir, 'h2o.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  try {
    await waitForPort(port);
    await waitForPort(tlsPort);
  } catch (e) {
    await stopChild(child, dir)();
    throw new Error(`h2o did not start: ${(e as Error).message}: ${err}`);
  }
  return { name: 'h2o', version: '2.2.5 (Debian)', http: `http://127.0.0.1:${port}`, https: `https://127.0.0.1:${tlsPort}`, pid: child.pid!, stop: stopChild(child, dir) };
}

/** Runs `script` (CommonJS, printing its port on a line) with this Node in a child process of its own. */
async function runNodeScript(dir: string, script: string): Promise<{ child: ChildProcess; port: number }> {
  writeFileSync(join(dir, 'server.cjs'), script);
  const child = spawn(process.execPath, [join(dir, 'server.cjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', () => reject(new Error(`the node server in ${dir} exited before it listened`)));
  });
  return { child, port };
}

/**
 * node:http in a child process (its own RSS and fds), streaming /big from the file with
 * backpressure (stream.pipeline; `pipe: true` uses .pipe(), which leaves the file open when the
 * client goes away), / small, and reading a request body on POST. `timeoutMs`: server.timeout.
 */
export async function startNode(timeoutMs?: number, o: { pipe?: boolean } = {}): Promise<RealServer> {
  const dir = siteDir();
  const script = `
const http = require('node:http');
const fs = require('node:fs');
const stream = require('node:stream');
const server = http.createServer((req, res) => {
  if (req.method === 'POST') {
    let n = 0;
    req.on('data', (d) => { n += d.length; });
    req.on('end', () => res.end('got ' + n + '\\n'));
    return;
  }
  if (req.url === '/big') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': ${BIG_BYTES} });
    ${o.pipe ? `fs.createReadStream(${JSON.stringify(join(dir, 'big'))}).pipe(res);` : `stream.pipeline(fs.createReadStream(${JSON.stringify(join(dir, 'big'))}), res, () => {});`}
    return;
  }
  res.end('small\\n');
});
${timeoutMs !== undefined ? `server.timeout = ${timeoutMs};` : ''}
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;
  const { child, port } = await runNodeScript(dir, script);
  return {
    name: `node:http (${timeoutMs === undefined ? 'defaults' : `server.timeout ${timeoutMs} ms`}${o.pipe ? ', .pipe()' : ''})`,
    version: process.version, http: `http://127.0.0.1:${port}`, pid: child.pid!, stop: stopChild(child, dir),
  };
}


/**
 * Python's http.server.HTTPServer (not the Threading one): one request at a time, blocking writes.
 * A client that stops reading holds it, and everyone else waits: the server BB-ISO-01 must fail.
 */
export async function startBlockingPython(): Promise<RealServer> {
  const dir = siteDir();
  const port = await freePort();
  const child = spawn(TOOLS.python3.locate() ?? 'python3', ['-c', `from http.server import HTTPServer, SimpleHTTPRequestHandler as H
import functools
HTTPServer(('127.0.0.1', ${port}), functools.partial(H, directory=${JSON.stringify(dir)})).serve_forever()`], { stdio: ['ignore', 'ignore', 'ignore'] });
  try {
    await waitForPort(port);
  } catch (e) {
    await stopChild(child, dir)();
    throw e;
  }
  return { name: 'python3 http.server (HTTPServer)', version: 'Debian python3', http: `http://127.0.0.1:${port}`, pid: child.pid!, stop: stopChild(child, dir) };
}

/**
 * node:http2 (createSecureServer with allowHTTP1, so the preflight's HTTP/1.1 GET is answered):
 * /big streamed from the file with stream.pipeline, / small, and /buffered: a fresh 2 MiB buffer
 * handed to res.end() for every request, which a stream held at window 0 keeps in memory; and
 * /serial: /big one response at a time (the next waits until the one before finished or was
 * reset), so a stream held at window 0 holds every later one back.
 */
export async function startNodeH2(): Promise<RealServer> {
  const dir = siteDir();
  const { key, cert } = await certFiles(dir);
  const script = `
const http2 = require('node:http2');
const fs = require('node:fs');
const stream = require('node:stream');
let serial = Promise.resolve();
const server = http2.createSecureServer({ key: fs.readFileSync(${JSON.stringify(key)}), cert: fs.readFileSync(${JSON.stringify(cert)}), allowHTTP1: true }, (req, res) => {
  if (req.url === '/big') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': ${BIG_BYTES} });
    stream.pipeline(fs.createReadStream(${JSON.stringify(join(dir, 'big'))}), res, () => {});
    return;
  }
  if (req.url === '/serial') {
    serial = serial.then(() => new Promise((done) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': ${BIG_BYTES} });
      stream.pipeline(fs.createReadStream(${JSON.stringify(join(dir, 'big'))}), res, () => done());
    }));
    return;
  }
  if (req.url === '/buffered') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 2097152 });
    res.end(Buffer.alloc(2097152, 1));
    return;
  }
  res.end('small\\n');
});
server.on('sessionError', () => {});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;
  const { child, port } = await runNodeScript(dir, script);
  return { name: 'node:http2', version: process.version, http: `https://127.0.0.1:${port}`, https: `https://127.0.0.1:${port}`, pid: child.pid!, stop: stopChild(child, dir) };
}
