// The baseline: a plain node:http server with the same two endpoints as the reference server's
// demo sites. Prints {"port","pid"} once listening; exits with its parent.
//
//   /hello                          "hello world\n" (content-length, keep-alive)
//   /stream?bytes=N&chunk=C         N bytes in writes of C (chunked), honouring write() returning
//                                   false: the next write waits for 'drain'
import http from 'node:http';
import { bindLifetime, report } from '../lib/lifetime.ts';

const HELLO = Buffer.from('hello world\n');

function stream(req: http.IncomingMessage, res: http.ServerResponse, query: string): void {
  const q = new URLSearchParams(query);
  const total = Math.min(Math.max(0, Number(q.get('bytes') ?? 1 << 20) || 0), 1 << 30);
  const chunk = Math.min(Math.max(1, Number(q.get('chunk') ?? 16 * 1024) || 1), 1 << 24);
  const piece = Buffer.alloc(chunk, 0x61);
  let done = 0;
  let gone = false;
  res.on('close', () => (gone = true));
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const pump = (): void => {
    while (!gone && done < total) {
      const n = Math.min(chunk, total - done);
      done += n;
      if (!res.write(n === chunk ? piece : piece.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!gone) res.end();
  };
  pump();
}

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  const qi = url.indexOf('?');
  const path = qi < 0 ? url : url.slice(0, qi);
  if (path === '/hello') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': HELLO.length });
    res.end(HELLO);
  } else if (path === '/stream') {
    stream(req, res, qi < 0 ? '' : url.slice(qi + 1));
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  }
});
server.listen(0, '127.0.0.1', () => {
  bindLifetime(30 * 60, () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  report({ port: (server.address() as { port: number }).port, pid: process.pid });
});
