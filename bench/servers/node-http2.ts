// The HTTP/2 baseline: a plain node:http2 server (`http2.createServer`, h2c with prior knowledge,
// no TLS) with the same two endpoints and the same handler semantics as bench/servers/node-http.ts.
// Prints {"port","pid"} once listening; exits with its parent.
//
//   /hello                          "hello world\n" (content-type text/plain, content-length 12)
//   /stream?bytes=N&chunk=C         N bytes in writes of C, honouring write() returning false:
//                                   the next write waits for 'drain' (h2 flow control included)
//
//   node --import tsx bench/servers/node-http2.ts [--api compat|core]
//
// --api compat (the default) is the request/response API of http2.createServer(handler), the
// same handler code as the node:http baseline; --api core answers on the 'stream' event with
// stream.respond()/end(), node:http2's leaner API, for comparison.
import http2 from 'node:http2';
import { bindLifetime, report, strArg } from '../lib/lifetime.ts';

const HELLO = Buffer.from('hello world\n');
const api = strArg('api', 'compat');
if (api !== 'compat' && api !== 'core') throw new Error(`--api: expected compat or core, got ${api}`);

function streamParams(query: string): { total: number; chunk: number } {
  const q = new URLSearchParams(query);
  return {
    total: Math.min(Math.max(0, Number(q.get('bytes') ?? 1 << 20) || 0), 1 << 30),
    chunk: Math.min(Math.max(1, Number(q.get('chunk') ?? 16 * 1024) || 1), 1 << 24),
  };
}

/** Writes `total` bytes in pieces of `chunk` to `w`, waiting for 'drain' whenever write() says so. */
function pump(w: { write(b: Buffer): boolean; once(e: 'drain', f: () => void): unknown; end(): unknown }, total: number, chunk: number, gone: () => boolean): void {
  const piece = Buffer.alloc(chunk, 0x61);
  let done = 0;
  const more = (): void => {
    while (!gone() && done < total) {
      const n = Math.min(chunk, total - done);
      done += n;
      if (!w.write(n === chunk ? piece : piece.subarray(0, n))) {
        w.once('drain', more);
        return;
      }
    }
    if (!gone()) w.end();
  };
  more();
}

const split = (url: string): [string, string] => {
  const qi = url.indexOf('?');
  return qi < 0 ? [url, ''] : [url.slice(0, qi), url.slice(qi + 1)];
};

const server = http2.createServer();
if (api === 'compat') {
  server.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    const [path, query] = split(req.url ?? '/');
    if (path === '/hello') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': HELLO.length });
      res.end(HELLO);
    } else if (path === '/stream') {
      const { total, chunk } = streamParams(query);
      let gone = false;
      res.on('close', () => (gone = true));
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      pump(res, total, chunk, () => gone);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    }
  });
} else {
  server.on('stream', (stream, headers) => {
    const [path, query] = split(String(headers[':path'] ?? '/'));
    stream.on('error', () => {});
    if (path === '/hello') {
      stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': HELLO.length });
      stream.end(HELLO);
    } else if (path === '/stream') {
      const { total, chunk } = streamParams(query);
      let gone = false;
      stream.on('close', () => (gone = true));
      stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' });
      pump(stream, total, chunk, () => gone);
    } else {
      stream.respond({ ':status': 404, 'content-type': 'text/plain' });
      stream.end('not found\n');
    }
  });
}
server.on('sessionError', () => {});

const sessions = new Set<http2.ServerHttp2Session>();
server.on('session', (s) => {
  sessions.add(s);
  s.on('close', () => sessions.delete(s));
});

server.listen(0, '127.0.0.1', () => {
  bindLifetime(30 * 60, () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const s of sessions) s.destroy();
  }));
  report({ port: (server.address() as { port: number }).port, pid: process.pid, api });
});
