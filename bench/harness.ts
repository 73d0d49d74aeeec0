// npm run bench:harness: can one harness process hold 10,000 slow clients, and how much does each
// cost? The reference server (demo sites, its own process) serves /stream on loopback; this
// process opens --clients throttled clients of --profile (the capacity run's SlowClient: the
// project's H1Connection and behaviours, lean mode), lets them settle, then measures a window:
//   - client RSS per client: (RSS with the clients - RSS before), both after a full GC, / clients.
//     The kernel's socket buffers are not in a process's RSS; what TCP holds in all is shown
//     beside it (/proc/net/sockstat "TCP mem", pages);
//   - pacing: each client's achieved rate over the window / the profile's nominal rate; the 5th,
//     50th and 95th percentiles of |ratio - 1|, target <= 2% at p95;
//   - CPU of this process over the window (100% = one core) and the event loop's delay.
// Then vegeta's own limit here: with --vegeta-slow slow clients (the capacity run's worker
// processes) on the server, vegeta attacks /hello at rising rates for 3 s each; the rate it sends
// (requests it started in the window / window) against the rate asked, and the highest rate it
// sustains within 2%.
//
//   node --expose-gc --import tsx bench/harness.ts [--clients 10000] [--profile 3g] [--seconds 10]
//        [--window-bytes 16384] [--response-bytes 65536] [--vegeta-slow 200] [--no-vegeta] [--json reports/bench-harness.json]
//
// File descriptors: one per client here and one per connection in the server; the bench needs
// clients + 100 open files in each process and exits 2 with the command to raise the limit if
// the soft limit (ulimit -n) is lower. On the development VM the limit is 20,000, so 10,000 fit.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { SlowPopulation } from '../harness/capacity/population.ts';
import { SlowClient, type SlowCounters } from '../harness/capacity/slow-client.ts';
import { cpuPercent, sampleProc } from '../harness/capacity/proc-stats.ts';
import { nominalRate } from '../harness/capacity/run.ts';
import { loadProfile } from '../harness/clients/profiles.ts';
import { startServerProcess } from '../harness/conformance/server-process.ts';
import { attack } from '../harness/load/vegeta.ts';
import { TOOLS } from '../harness/tools/catalogue.ts';
import { fmt, MiB, table } from './lib/table.ts';

const { values: a } = parseArgs({
  options: {
    clients: { type: 'string', default: '10000' },
    profile: { type: 'string', default: '3g' },
    seconds: { type: 'string', default: '10' },
    'window-bytes': { type: 'string', default: '16384' },
    'response-bytes': { type: 'string', default: '65536' },
    'vegeta-slow': { type: 'string', default: '200' },
    'no-vegeta': { type: 'boolean', default: false },
    json: { type: 'string', default: 'reports/bench-harness.json' },
  },
});
const N = Number(a.clients);
const SECONDS = Number(a.seconds);
const die = (msg: string) => { process.stderr.write(`bench:harness: ${msg}\n`); process.exit(2); };
if (!Number.isInteger(N) || N < 1 || N > 30_000) die('--clients must be 1..30000');
if (!(SECONDS >= 2 && SECONDS <= 120)) die('--seconds must be 2..120');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) die('run with node --expose-gc (npm run bench:harness does)');
const soft = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 0);
if (soft < N + 100) die(`the open-file limit is ${soft}, below ${N + 100} (a socket per client): raise it first, e.g. ulimit -n ${N + 1000} (as root, or up to the hard limit)`);

const EMBEDDED = new URL('../harness/capacity/embedded-server-main.ts', import.meta.url).pathname;
const profile = await loadProfile(new URL(`../profiles/${a.profile}.yaml`, import.meta.url).pathname).catch((e: Error) => die(e.message));
const nominal = nominalRate(profile);
if (nominal === null) die(`profile ${a.profile} has no nominal rate (needs behaviour throttled)`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rss = () => { gc!(); gc!(); return process.memoryUsage(); };
const tcpMemPages = () => Number(/TCP: .* mem (\d+)/.exec(readFileSync('/proc/net/sockstat', 'utf8'))?.[1] ?? NaN);
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

const server = await startServerProcess(EMBEDDED);
const url = new URL(server.http);
process.on('exit', () => { try { process.kill(server.pid, 'SIGKILL'); } catch { /* gone */ } });
process.stdout.write(`bench:harness: reference server ${server.http} (pid ${server.pid}); ${N} "${profile.name}" clients (${fmt(nominal!)} B/s each) in this process (pid ${process.pid}), fd limit ${soft}\n`);

// ---- part 1: N clients in this process ----
// Short responses asked for again on the same connection: the kernel buffers at most one response
// per connection (loopback's send buffer alone would take ~4 MB each: 10,000 of them would put
// the whole machine's TCP under memory pressure).
const path = `/stream?bytes=${Number(a['response-bytes'])}&chunk=16384&window=${a['window-bytes']}&timeout=60`;
const counters: SlowCounters = { connects: 0, completions: 0, clientCloses: 0, serverClosures: 0, errors: 0, errorKinds: new Map(), closureLifetimes: [], staleness: null };
const readBuffer = Buffer.allocUnsafe(64 * 1024);
await sleep(500);
const before = rss();
const tcpBefore = tcpMemPages();
const clients: SlowClient[] = [];
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const c = new SlowClient({ host: url.hostname, port: Number(url.port), path, profile, tickerIntervalMs: null, reuse: true }, () => counters, readBuffer);
  clients.push(c);
  c.start();
  if (i % 250 === 249) await sleep(50); // ~5,000 connects a second
}
while (counters.connects < N && performance.now() - t0 < 60_000) await sleep(100);
const rampS = (performance.now() - t0) / 1000;
process.stdout.write(`  ${counters.connects} connected in ${rampS.toFixed(1)} s (errors ${counters.errors}); settling 3 s, then measuring ${SECONDS} s\n`);
await sleep(3000);
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const mark = clients.map((c) => c.bytes);
const cpu0 = process.cpuUsage();
const w0 = performance.now();
const srv0 = sampleProc(server.pid);
await sleep(SECONDS * 1000);
const cpu = process.cpuUsage(cpu0);
const wS = (performance.now() - w0) / 1000;
const srv1 = sampleProc(server.pid);
const serverCpu = srv0 && srv1 ? cpuPercent(srv0, srv1) : NaN;
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const rates = clients.map((c, i) => (c.bytes - mark[i]!) / wS);
loop.disable();
const during = rss();
const tcpDuring = tcpMemPages();
const errs = Object.fromEntries(counters.errorKinds);
const ratios = rates.map((r) => r / nominal!).sort((x, y) => x - y);
const dev = ratios.map((r) => Math.abs(r - 1)).sort((x, y) => x - y);
const perClient = (during.rss - before.rss) / N;
const cpuPct = ((cpu.user + cpu.system) / 1000 / (wS * 1000)) * 100;
for (const c of clients) c.stop();
const part1 = {
  clients: N, profile: profile.name, nominal_bytes_per_s: nominal, connected: counters.connects, errors: counters.errors, error_kinds: errs,
  server_closures: counters.serverClosures, ramp_s: rampS, window_s: wS,
  rss_before_bytes: before.rss, rss_with_clients_bytes: during.rss, rss_per_client_bytes: perClient,
  heap_per_client_bytes: (during.heapUsed - before.heapUsed) / N, external_per_client_bytes: (during.external + during.arrayBuffers - before.external - before.arrayBuffers) / N,
  kernel_tcp_mem_bytes: (tcpDuring - tcpBefore) * 4096,
  ratio: { p5: pct(ratios, 5), p50: pct(ratios, 50), p95: pct(ratios, 95) }, pacing_error: { p50: pct(dev, 50), p95: pct(dev, 95), max: dev[dev.length - 1]! },
  goodput_bytes_per_s: rates.reduce((s, r) => s + r, 0), cpu_pct: cpuPct, server_cpu_pct: serverCpu, server_rss_bytes: srv1?.rssBytes ?? null, loadavg: load,
  event_loop_delay_ms: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
};
await sleep(1000);
process.stdout.write(`\n${table(['measurement', 'value', 'target', 'verdict'], [
  ['clients held (connected, errors)', `${fmt(counters.connects)} (${counters.errors})`, `${fmt(N)}`, counters.connects >= N && counters.errors === 0 ? 'PASS' : 'SHORT'],
  ['client RSS per client', `${fmt(perClient / 1024, 2)} KiB`, '<= 8 KiB', perClient <= 8192 ? 'PASS' : 'SHORT'],
  ['  of which V8 heap / buffers', `${fmt(part1.heap_per_client_bytes / 1024, 2)} / ${fmt(part1.external_per_client_bytes / 1024, 2)} KiB`, '', ''],
  ['kernel TCP memory (not in RSS)', `${fmt(part1.kernel_tcp_mem_bytes / MiB)} MiB (${fmt(part1.kernel_tcp_mem_bytes / N / 1024, 1)} KiB/client, both ends)`, '', ''],
  ['achieved / nominal p5 / p50 / p95', `${fmt(part1.ratio.p5, 3)} / ${fmt(part1.ratio.p50, 3)} / ${fmt(part1.ratio.p95, 3)}`, '', ''],
  ['pacing error p95 (|ratio - 1|)', `${fmt(part1.pacing_error.p95 * 100, 2)}%`, '<= 2%', part1.pacing_error.p95 <= 0.02 ? 'PASS' : 'SHORT'],
  ['goodput (all clients)', `${fmt(part1.goodput_bytes_per_s / 1e6, 1)} MB/s of ${fmt((N * nominal!) / 1e6, 1)}`, '', ''],
  ['harness CPU (100% = a core)', `${fmt(cpuPct)}%`, '', ''],
  ['server CPU, RSS', `${fmt(serverCpu)}%, ${fmt((srv1?.rssBytes ?? NaN) / MiB)} MiB`, '', ''],
  ['machine load (1, 5, 15 min)', load, '', ''],
  ['event loop delay p50 / p99 / max', `${fmt(part1.event_loop_delay_ms.p50, 1)} / ${fmt(part1.event_loop_delay_ms.p99, 1)} / ${fmt(part1.event_loop_delay_ms.max, 1)} ms`, '', ''],
])}\n`);

// ---- part 2: vegeta's own limit beside a slow population ----
let part2: unknown = null;
const vegeta = TOOLS.vegeta.locate();
if (!a['no-vegeta'] && vegeta !== null) {
  const slowN = Number(a['vegeta-slow']);
  const pop = await SlowPopulation.start({ host: url.hostname, port: Number(url.port), path: `/stream?bytes=100000000&window=${a['window-bytes']}`, profile, tickerIntervalMs: null });
  await pop.scale(slowN);
  await sleep(2000);
  const rows: Array<{ rate: number; sent_per_s: number; ok: number; errors: number; p99_ms: number | null }> = [];
  for (const rate of [1000, 2000, 4000, 8000, 16000]) {
    const lat: number[] = [];
    let errors = 0;
    let sent = 0;
    const start = Date.now();
    const ws = start + 500;
    const we = ws + 3000;
    await attack({ vegeta, url: new URL('/hello', server.http).href, rate, durationS: 3.5, http: 'h1', timeoutS: 5 }, (r) => {
      if (r.t < ws || r.t >= we) return;
      sent++;
      if (r.error !== '' || r.code !== 200) errors++;
      else lat.push(r.latencyUs / 1000);
    });
    lat.sort((x, y) => x - y);
    rows.push({ rate, sent_per_s: sent / 3, ok: lat.length, errors, p99_ms: lat.length ? pct(lat, 99) : null });
    if (sent / 3 < rate * 0.9) break; // it gave out: higher rates only take longer
  }
  await pop.stop();
  const sustained = rows.filter((r) => r.sent_per_s >= r.rate * 0.98).map((r) => r.rate);
  part2 = { slow_clients: slowN, steps: rows, highest_sustained_rate: sustained.length ? Math.max(...sustained) : null };
  process.stdout.write(`\nvegeta ${TOOLS.vegeta.recipe.kind === 'go' ? TOOLS.vegeta.recipe.version : ''} against /hello beside ${slowN} "${profile.name}" slow clients (2 worker processes):\n${table(['asked req/s', 'sent req/s', 'answered', 'errors', 'p99 ms'],
    rows.map((r) => [fmt(r.rate), fmt(r.sent_per_s), fmt(r.ok), fmt(r.errors), r.p99_ms === null ? '-' : fmt(r.p99_ms, 1)]))}\nhighest rate sent within 2%: ${sustained.length ? `${fmt(Math.max(...sustained))}/s` : 'none of those tried'}\n`);
} else if (!a['no-vegeta']) {
  process.stdout.write('\nvegeta is missing (.tools/vegeta): its limit was not measured\n');
}
await server.stop();
mkdirSync(dirname(a.json!), { recursive: true });
writeFileSync(a.json!, `${JSON.stringify({ harness: part1, vegeta: part2, node: process.version, fd_limit: soft }, null, 2)}\n`);
process.stdout.write(`wrote ${a.json}\n`);
process.exit(0);
