// npm run bench:soak: the reference server (its own process, test/security/server-main.ts) under
// two soaks from issue 15, printing its RSS and open descriptors before, at the peak and after:
//   1. 5,000 clients that request /stream and never read, then all reset at once;
//   2. 20,000 cycles of connect + GET /stream + TCP RST, 64 at a time.
// It needs ~5,100 descriptors in each process: the npm script raises the soft limit with
// `ulimit -n 20000` (as root, or within the hard limit). Bounded: every phase has a count and a
// time limit; nothing is left running. Options: --stalled N, --cycles N, --parallel N.
import net from 'node:net';
import { parseArgs } from 'node:util';
import { startServerProcess } from '../harness/conformance/server-process.ts';
import { SERVER_MAIN, fds, get, info, rss } from '../test/security/lib.ts';

const { values } = parseArgs({ options: { stalled: { type: 'string', default: '5000' }, cycles: { type: 'string', default: '20000' }, parallel: { type: 'string', default: '64' } } });
const STALLED = Number(values.stalled);
const CYCLES = Number(values.cycles);
const PARALLEL = Number(values.parallel);
const MB = 1024 * 1024;

const srv = await startServerProcess(SERVER_MAIN, [JSON.stringify({ max_connections: 20_000, max_concurrent_requests: 20_000 })]);
const port = Number(new URL(srv.http).port);
const pid = srv.pid;
const fmt = (b: number): string => `${Math.round(b / MB)} MB`;
const sample = (): { rss: number; fds: number } => ({ rss: rss(pid), fds: fds(pid) });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits (up to `ms`) for active_requests 0 and descriptors back at `baseFds`, then 3 s more for memory. */
async function settle(baseFds: number, ms: number): Promise<{ rss: number; fds: number; active: number; infoMs: number }> {
  const end = performance.now() + ms;
  let active = -1;
  let unanswered = 0;
  while (performance.now() < end) {
    try {
      active = (await info(port)).active_requests;
    } catch {
      unanswered++; // reported: info must answer (5 s each)
      continue;
    }
    if (active === 0 && fds(pid) <= baseFds + 1) break;
    await sleep(200);
  }
  if (unanswered > 0) process.stdout.write(`  /__probe/info went unanswered ${unanswered} time(s) (5 s each) while settling\n`);
  await sleep(3000);
  const t0 = performance.now();
  await get(port, '/__probe/info', 10_000);
  return { ...sample(), active, infoMs: performance.now() - t0 };
}

function report(name: string, before: { rss: number; fds: number }, peak: { rss: number; fds: number }, after: { rss: number; fds: number; active: number; infoMs: number }, ms: number): void {
  process.stdout.write(`${name} (${(ms / 1000).toFixed(1)} s): RSS ${fmt(before.rss)} -> peak ${fmt(peak.rss)} -> after ${fmt(after.rss)}; fds ${before.fds} -> ${peak.fds} -> ${after.fds}; active_requests after ${after.active}; /__probe/info after ${Math.round(after.infoMs)} ms\n`);
}

try {
  await get(port, '/hello');
  await sleep(300);

  // 1. stalled clients, then all reset.
  {
    const before = sample();
    const t0 = performance.now();
    const socks: net.Socket[] = [];
    const deadline = performance.now() + 60_000;
    for (let i = 0; i < STALLED && performance.now() < deadline; i += 250) {
      await Promise.all(Array.from({ length: Math.min(250, STALLED - i) }, () => new Promise<void>((resolve) => {
        const s = net.connect({ port, host: '127.0.0.1' });
        s.on('error', () => resolve());
        s.once('connect', () => {
          s.pause(); // never reads
          s.write('GET /stream?bytes=1048576&chunk=65536&timeout=60 HTTP/1.1\r\nHost: x\r\n\r\n');
          resolve();
        });
        socks.push(s);
      })));
    }
    await sleep(2000);
    const peak = sample();
    for (const s of socks) s.resetAndDestroy();
    const after = await settle(before.fds, 30_000);
    report(`${socks.length} stalled clients, then all reset`, before, peak, after, performance.now() - t0);
  }

  // 2. connect + /stream + RST cycles.
  {
    const before = sample();
    let peak = before;
    const t0 = performance.now();
    const deadline = performance.now() + 120_000;
    let done = 0;
    const one = (): Promise<void> => new Promise((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      const end = (): void => { s.resetAndDestroy(); resolve(); };
      s.on('error', () => resolve());
      s.once('connect', () => s.write('GET /stream?bytes=1048576&chunk=65536 HTTP/1.1\r\nHost: x\r\n\r\n'));
      s.once('data', end);
      setTimeout(end, 5000).unref();
    });
    const workers = Array.from({ length: PARALLEL }, async () => {
      while (done < CYCLES && performance.now() < deadline) {
        done++;
        await one();
        if (done % 1000 === 0) {
          const s = sample();
          if (s.rss > peak.rss) peak = { ...s };
        }
      }
    });
    await Promise.all(workers);
    const after = await settle(before.fds, 30_000);
    report(`${done} connect + /stream + RST cycles (${PARALLEL} at a time)`, before, peak, after, performance.now() - t0);
  }
} finally {
  await srv.stop();
}
