// Stalled clients: opens `--n` connections, sends one GET `--path` on each and never reads
// (the sockets are paused before any data arrives, so the kernel buffers fill and the server's
// writes stop completing). Prints {"opened":N} once every request is written, then holds the
// connections until its stdin closes or SIGTERM (at most `--hold` seconds), then destroys them.
//
//   node --import tsx bench/clients/stalled.ts --port P --path /bench/stall?timeout=1 [--n 100]
import net from 'node:net';
import { bindLifetime, numArg, report, strArg } from '../lib/lifetime.ts';

const port = numArg('port', 0);
const path = strArg('path', '/');
const n = numArg('n', 100);
const hold = numArg('hold', 300);
const sockets: net.Socket[] = [];

bindLifetime(hold, () => {
  for (const s of sockets) s.destroy();
});

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.pause();
    s.on('error', (err) => reject(err));
    s.on('connect', () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, () => resolve());
    });
    sockets.push(s);
  });
}

for (let i = 0; i < n; i++) await open();
report({ opened: sockets.length });
