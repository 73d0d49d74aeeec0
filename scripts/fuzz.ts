// npm run fuzz: longer randomized runs against the reference server (its own process), not part
// of npm test. Bounded in count AND time; stops by itself; prints a summary and exits 1 if the
// server crashed, stopped answering a canary, or did not come back to 0 active requests and its
// baseline descriptors.
//
//   node --import tsx scripts/fuzz.ts [--seed N] [--h1 N] [--h2 N] [--seconds S]
//
// HTTP/1.1: valid requests mutated byte-wise (flips, inserts of CR/LF/NUL/space/colon, cuts,
// duplicated lines), sent in random pieces. HTTP/2: a preface and SETTINGS, then random sequences of
// well-formed and malformed frames (every type, random flags, stream ids and payloads, valid
// requests among them).
import net from 'node:net';
import { parseArgs } from 'node:util';
import { startServerProcess } from '../harness/conformance/server-process.ts';
import { CLIENT_PREFACE, HeaderEncoder, headersFrames, rawFrame, settingsFrame } from '../harness/clients/h2/index.ts';
import { SERVER_MAIN, canary, fds, info, rss } from '../test/security/lib.ts';

const { values } = parseArgs({ options: { seed: { type: 'string', default: String(Date.now() % 100000) }, h1: { type: 'string', default: '5000' }, h2: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '120' } } });
let seed = Number(values.seed) >>> 0 || 1;
const rand = (): number => {
  seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
  return seed / 2 ** 32;
};
const int = (n: number): number => Math.floor(rand() * n);
const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
const deadline = performance.now() + Number(values.seconds) * 1000;

const BASE = [
  'GET /hello HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
  'POST /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n',
  'GET /stream?bytes=5000&chunk=1000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  'GET /__probe/info HTTP/1.0\r\n\r\n',
];
const INSERTS = ['\r', '\n', '\0', ' ', ':', '\r\n', '\t', '\x7f', '\xff', 'Content-Length: 3\r\n', 'Transfer-Encoding: chunked\r\n', '999999999999999'];

function mutate(s: string): Buffer {
  let b = s;
  for (let n = 1 + int(4); n > 0; n--) {
    const at = int(b.length + 1);
    switch (int(5)) {
      case 0: b = b.slice(0, at) + String.fromCharCode(int(256)) + b.slice(at + 1); break;
      case 1: b = b.slice(0, at) + pick(INSERTS) + b.slice(at); break;
      case 2: b = b.slice(0, at); break;
      case 3: { const lines = b.split('\r\n'); const i = int(lines.length); lines.splice(i, 0, lines[i] ?? ''); b = lines.join('\r\n'); break; }
      default: b = b + pick(BASE);
    }
  }
  return Buffer.from(b, 'latin1');
}

function h1Case(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    const data = mutate(pick(BASE));
    const t = setTimeout(() => s.destroy(), 1500);
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(t); resolve(); });
    s.on('data', () => {});
    s.once('connect', async () => {
      for (let off = 0; off < data.length && !s.destroyed;) {
        const n = 1 + int(data.length);
        s.write(data.subarray(off, off + n));
        off += n;
        if (rand() < 0.3) await new Promise((r) => setTimeout(r, int(5)));
      }
      if (rand() < 0.5) s.end(); else setTimeout(() => s.destroy(), int(300));
    });
  });
}

function h2Case(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    const enc = new HeaderEncoder();
    const t = setTimeout(() => s.destroy(), 1500);
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(t); resolve(); });
    s.on('data', () => {});
    s.once('connect', () => {
      const out: Buffer[] = [CLIENT_PREFACE, settingsFrame([])];
      let id = 1;
      for (let n = 1 + int(20); n > 0; n--) {
        const r = int(10);
        if (r < 3) {
          out.push(headersFrames(id, enc.encode([[':method', 'GET'], [':scheme', 'http'], [':path', pick(['/hello', '/stream?bytes=3000', '/__probe/info'])], [':authority', 'x']]), { endStream: rand() < 0.8 }));
          id += 2;
        } else {
          const len = pick([0, 1, 4, 5, 8, 9, int(100), int(20000)]);
          const payload = Buffer.alloc(len);
          for (let i = 0; i < len; i++) payload[i] = int(256);
          out.push(rawFrame(int(11), int(256), pick([0, id, id - 2, int(100), 2 ** 31 - 1]), payload));
        }
      }
      const all = Buffer.concat(out);
      s.end(rand() < 0.5 ? all : all.subarray(0, int(all.length)));
    });
  });
}

const srv = await startServerProcess(SERVER_MAIN, []);
const port = Number(new URL(srv.http).port);
let failures = 0;
try {
  await canary(port);
  const baseFds = fds(srv.pid);
  const baseRss = rss(srv.pid);
  let h1 = 0;
  let h2 = 0;
  const H1 = Number(values.h1);
  const H2 = Number(values.h2);
  while ((h1 < H1 || h2 < H2) && performance.now() < deadline) {
    const batch: Array<Promise<void>> = [];
    for (let i = 0; i < 20 && h1 < H1; i++, h1++) batch.push(h1Case(port));
    for (let i = 0; i < 5 && h2 < H2; i++, h2++) batch.push(h2Case(port));
    await Promise.all(batch);
    if ((h1 + h2) % 500 < 25) {
      try {
        await canary(port, 3000);
      } catch (err) {
        failures++;
        process.stdout.write(`canary failed after ${h1} h1 + ${h2} h2 cases: ${(err as Error).message}\n`);
      }
    }
  }
  const end = performance.now() + 15_000;
  let active = -1;
  while (performance.now() < end) {
    active = (await info(port)).active_requests;
    if (active === 0 && fds(srv.pid) <= baseFds + 2) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const grown = (rss(srv.pid) - baseRss) / 1024 / 1024;
  process.stdout.write(`seed ${values.seed}: ${h1} HTTP/1.1 and ${h2} HTTP/2 cases; active_requests after ${active}; fds ${baseFds} -> ${fds(srv.pid)}; RSS +${grown.toFixed(0)} MB\n`);
  if (active !== 0 || fds(srv.pid) > baseFds + 2) failures++;
} catch (err) {
  failures++;
  process.stdout.write(`server failed: ${(err as Error).message}\n`);
} finally {
  await srv.stop();
}
process.stdout.write(failures === 0 ? 'fuzz: ok\n' : `fuzz: ${failures} failure(s)\n`);
process.exitCode = failures === 0 ? 0 : 1;
