// The fast reader: one raw `net` socket per transfer that asks for a stream (Connection: close)
// and counts the bytes until the server closes, reading into one reused buffer. Transfers run one
// after another until `--seconds` have passed or `--max` transfers are done; one JSON line each
// ({"bytes","ms"}), then {"done":true}. Bytes are wire bytes (head and chunk framing included).
//
//   node --import tsx bench/clients/stream-reader.ts --port P --path /stream?... [--seconds 10]
//        [--max 8] [--min-bytes N]
import net from 'node:net';
import { bindLifetime, numArg, report, strArg } from '../lib/lifetime.ts';

const port = numArg('port', 0);
const path = strArg('path', '/');
const seconds = numArg('seconds', 10);
const max = numArg('max', 8);
const minBytes = numArg('min-bytes', 0);
const TRANSFER_TIMEOUT_MS = 120_000;
const buf = Buffer.allocUnsafe(256 * 1024);

function transfer(): Promise<{ bytes: number; ms: number; complete: boolean }> {
  return new Promise((resolve) => {
    let bytes = 0;
    let t0 = 0;
    const sock = net.connect({
      host: '127.0.0.1',
      port,
      onread: { buffer: buf, callback: (n: number) => { bytes += n; return true; } },
    });
    const timer = setTimeout(() => sock.destroy(new Error('transfer timed out')), TRANSFER_TIMEOUT_MS);
    sock.on('connect', () => {
      t0 = performance.now();
      sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ bytes, ms: t0 ? performance.now() - t0 : 0, complete: bytes >= minBytes });
    });
  });
}

bindLifetime(seconds + 5 * 60);
const end = performance.now() + seconds * 1000;
for (let i = 0; i < max && (i === 0 || performance.now() < end); i++) {
  const r = await transfer();
  report(r);
  if (!r.complete) break;
}
report({ done: true });
process.exit(0);
