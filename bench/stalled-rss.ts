// Measurement 3: the reference server's RSS per stalled request. A fresh server; its RSS after a
// warm-up; then N clients that never read, each on /bench/stall (a handler writing a shared 64 KiB
// buffer with a per-write timeout). Once every handler has seen a write time out (its window is
// full: the kernel buffers, ~3.9 MB per loopback connection, filled first) and RSS has settled,
// (after - before) / N is the server's memory per stalled request. Kernel socket memory is not
// in RSS.
import { rssOf, sleep, spawnTs, type Child } from './lib/children.ts';

export interface StalledResult {
  n: number;
  sendWindow: number;
  rssBefore: number;
  rssAfter: number;
  rssReleased: number;
  perRequest: number;
  windowsFull: number;
  secondsToFill: number;
  settled: boolean;
  samples: number[];
}

async function stalledInfo(url: string): Promise<{ full: number; running: number }> {
  const r = await fetch(`${url}/bench/stalled`, { signal: AbortSignal.timeout(5000) });
  return (await r.json()) as { full: number; running: number };
}

export async function stalledRss(n: number, sendWindow: number, log: (s: string) => void): Promise<StalledResult> {
  const server = spawnTs('reference(stalled)', 'bench/servers/reference.ts', ['--send-window', String(sendWindow)]);
  let clients: Child | null = null;
  try {
    const { port, pid } = await server.next<{ port: number; pid: number }>(30_000);
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 300; i++) await (await fetch(`${url}/hello`)).arrayBuffer();
    await sleep(1000);
    const base: number[] = [];
    for (let i = 0; i < 5; i++) {
      base.push(rssOf(pid));
      await sleep(200);
    }
    const rssBefore = base.sort((a, b) => a - b)[2]!;
    log(`  server pid ${pid}: RSS before ${(rssBefore / 1048576).toFixed(1)} MiB; opening ${n} stalled connections`);

    const t0 = Date.now();
    clients = spawnTs('stalled-clients', 'bench/clients/stalled.ts', ['--port', String(port), '--path', '/bench/stall?timeout=1', '--n', String(n), '--hold', '300']);
    await clients.next(60_000);
    let info = { full: 0, running: 0 };
    while (Date.now() - t0 < 90_000) {
      info = await stalledInfo(url);
      if (info.full >= n) break;
      await sleep(500);
    }
    const secondsToFill = (Date.now() - t0) / 1000;
    log(`  ${info.full}/${n} windows full after ${secondsToFill.toFixed(1)} s (${info.running} handlers running); waiting for RSS to settle`);

    // Settled: the last 6 samples (3 s) within 1% of each other; at most 30 s.
    const samples: number[] = [];
    let settled = false;
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      await sleep(500);
      samples.push(rssOf(pid));
      const last = samples.slice(-6);
      if (last.length === 6 && (Math.max(...last) - Math.min(...last)) / Math.max(...last) < 0.01) {
        settled = true;
        break;
      }
    }
    const rssAfter = samples[samples.length - 1]!;
    const perRequest = (rssAfter - rssBefore) / n;
    log(`  RSS after ${(rssAfter / 1048576).toFixed(1)} MiB (${settled ? 'settled' : 'NOT settled within 30 s'}): ${(perRequest / 1024).toFixed(0)} KiB per stalled request`);

    await clients.stop();
    clients = null;
    await sleep(3000);
    const rssReleased = rssOf(pid);
    log(`  clients gone: RSS ${(rssReleased / 1048576).toFixed(1)} MiB`);
    return { n, sendWindow, rssBefore, rssAfter, rssReleased, perRequest, windowsFull: info.full, secondsToFill, settled, samples };
  } finally {
    await clients?.stop();
    await server.stop();
  }
}
