// npm run bench:server — the reference server (server-under-test/) against plain node:http, in one
// run: (1) hello-world req/s under wrk, (2) 1 GiB streamed in 64 KiB writes to a fast reader,
// (3) the reference server's RSS per stalled request; and over HTTP/2 (h2c, prior knowledge)
// against plain node:http2, both under h2load: (4) hello-world req/s, (5) the 1 GiB stream.
// Every server and every client runs in its own process; everything is bounded in time and stops
// by itself. Prints tables with targets (PASS / SHORT; a SHORT never fails the run) and writes
// reports/bench-server.json.
//
//   npm run bench:server -- [--seconds 10] [--rounds 2] [--connections 64] [--stalled 100]
//                           [--h2-clients 16] [--h2-streams 10] [--h2-api core|compat]
//                           [--only hello,stream,stalled,h2hello,h2stream] [--cpu-prof]
//
// Exit: 0 ran (whatever the verdicts), 1 the bench itself failed (a bad option, or a server that
// could not be measured, e.g. it does not speak h2c), 2 wrk or h2load missing and not installable
// (one line).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, spawnTs } from './lib/children.ts';
import { findH2load, type H2loadTool } from './lib/h2load.ts';
import { loadGenerator, WRK_INSTALL_HINT } from './lib/load-generator.ts';
import { fmt, table } from './lib/table.ts';
import { stalledRss, type StalledResult } from './stalled-rss.ts';
import { hello, stream, type HelloResult, type Server, type StreamResult } from './throughput.ts';
import { h2HelloArgs, h2StreamArgs, helloH2, streamH2, type H2HelloResult, type H2Server, type H2StreamResult } from './throughput-h2.ts';

const TARGET_HELLO = 1.0;
const TARGET_STREAM = 0.8;
const TARGET_H2_HELLO = 1.0;
const TARGET_H2_STREAM = 0.8;
const H2_WARMUP = 1; // h2load --warm-up-time, seconds, before each measured hello run
const WINDOW = 1_048_576; // default_send_window
const CHUNK = 64 * 1024;
const GiB = 1024 ** 3;

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    stalled: { type: 'string', default: '100' },
    'h2-clients': { type: 'string', default: '16' },
    'h2-streams': { type: 'string', default: '10' },
    'h2-api': { type: 'string', default: 'core' },
    only: { type: 'string', default: 'hello,stream,stalled,h2hello,h2stream' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const seconds = Number(opt.seconds);
const rounds = Number(opt.rounds);
const connections = Number(opt.connections);
const nStalled = Number(opt.stalled);
const only = new Set(opt.only.split(','));
const h2Clients = Number(opt['h2-clients']);
const h2Streams = Number(opt['h2-streams']);
const h2Api = opt['h2-api'];
const wantH2 = only.has('h2hello') || only.has('h2stream');
const log = (s: string): void => void process.stdout.write(`${s}\n`);

async function startPair(): Promise<Server[]> {
  const profDir = join(ROOT, 'reports', 'prof');
  const refArgs = opt['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  const servers: Server[] = [];
  for (const [name, file, nodeArgs] of [['reference', 'bench/servers/reference.ts', refArgs], ['node:http', 'bench/servers/node-http.ts', []]] as const) {
    const child = spawnTs(name, file, [], [...nodeArgs]);
    const { port } = await child.next<{ port: number }>(30_000);
    servers.push({ name, child, url: `http://127.0.0.1:${port}` });
  }
  if (opt['cpu-prof']) log(`  reference server runs with --cpu-prof; profiles go to ${profDir}`);
  return servers;
}

/**
 * The HTTP/2 pair, started after the HTTP/1.1 measurements so that those run exactly as before:
 * a fresh reference server (h2c shares its plain port with HTTP/1.1) and the node:http2 baseline.
 */
async function startH2Pair(): Promise<H2Server[]> {
  const profDir = join(ROOT, 'reports', 'prof');
  const refArgs = opt['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  const servers: H2Server[] = [];
  for (const [name, file, args, nodeArgs] of [['reference', 'bench/servers/reference.ts', [], refArgs], ['node:http2', 'bench/servers/node-http2.ts', ['--api', h2Api], []]] as const) {
    const child = spawnTs(name, file, [...args], [...nodeArgs]);
    const { port } = await child.next<{ port: number }>(30_000);
    servers.push({ name, child, url: `http://127.0.0.1:${port}` });
  }
  if (opt['cpu-prof']) log(`  reference server runs with --cpu-prof; profiles go to ${profDir}`);
  return servers;
}

const verdict = (ok: boolean): string => (ok ? 'PASS' : 'SHORT');

async function main(): Promise<number> {
  const usage = [
    ...[...only].filter((k) => !['hello', 'stream', 'stalled', 'h2hello', 'h2stream'].includes(k)).map((k) => `--only: unknown measurement ${k}`),
    ...(h2Api !== 'core' && h2Api !== 'compat' ? [`--h2-api: expected core or compat, got ${h2Api}`] : []),
    ...(!(h2Clients >= 1 && h2Streams >= 1 && Number.isInteger(h2Clients) && Number.isInteger(h2Streams)) ? ['--h2-clients and --h2-streams: expected whole numbers >= 1'] : []),
  ];
  if (usage.length) {
    process.stderr.write(`bench:server: ${usage.join('; ')}\n`);
    return 1;
  }
  const gen = only.has('hello') ? await loadGenerator(log) : null;
  if (only.has('hello') && !gen) {
    log(WRK_INSTALL_HINT);
    return 2;
  }
  let h2load: H2loadTool | null = null;
  if (wantH2) {
    const found = await findH2load(log);
    if ('reason' in found) {
      log(found.reason);
      return 2;
    }
    h2load = found.tool;
  }
  log(`dawdle bench:server — ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  log(`Each measurement runs ~${seconds} s; servers take turns (reference, node:http${wantH2 ? ' / node:http2' : ''}) for ${rounds} rounds and the best round counts (the machine is noisy).`);
  let helloR: HelloResult | null = null;
  let streamR: StreamResult | null = null;
  let stalledR: StalledResult | null = null;
  let h2HelloR: H2HelloResult | null = null;
  let h2StreamR: H2StreamResult | null = null;
  const h2Params = { clients: h2Clients, streams: h2Streams, seconds, warmup: H2_WARMUP };

  if (only.has('hello') || only.has('stream')) {
    const servers = await startPair();
    try {
      if (only.has('hello')) {
        log(`\n[1] hello world: ${gen!.name} -t1 -c${connections}, GET /hello, reference (threads=1, probe off) vs node:http`);
        helloR = await hello(servers, gen!, seconds, rounds, connections, log);
      }
      if (only.has('stream')) {
        log(`\n[2] stream: 1 GiB in ${CHUNK / 1024} KiB writes to a fast reader (raw net socket, own process), transfers back to back for ~${seconds} s`);
        streamR = await stream(servers, GiB, CHUNK, seconds, rounds, log);
      }
    } finally {
      for (const s of servers) await s.child.stop();
    }
  }
  if (only.has('stalled')) {
    log(`\n[3] RSS per stalled request: fresh reference server, send window ${WINDOW} (default), ${nStalled} clients that never read`);
    stalledR = await stalledRss(nStalled, WINDOW, log);
  }
  if (wantH2) {
    const h2Servers = await startH2Pair();
    const baseline = `node:http2 (http2.createServer, h2c, ${h2Api === 'core' ? "'stream' event + stream.respond()" : 'request/response compatibility API'}, own process)`;
    try {
      if (only.has('h2hello')) {
        log(`\n[4] h2c hello world: h2load ${h2load!.version} ${h2HelloArgs(h2Params, '').join(' ')}: ${h2Clients} connections x ${h2Streams} concurrent streams, GET /hello; fresh reference (threads=1, probe off; h2c with prior knowledge on its plain port) vs ${baseline}`);
        h2HelloR = await helloH2(h2Servers, h2Params, rounds, log);
      }
      if (only.has('h2stream')) {
        log(`\n[5] h2c stream: 1 GiB in ${CHUNK / 1024} KiB writes, received by h2load ${h2StreamArgs('', '/stream?...').join(' ')} (nghttp2's C client, own process, discards the data; 16 KiB DATA frames, client windows 2^30-1), one connection per transfer, back to back for ~${seconds} s; reference vs node:http2`);
        h2StreamR = await streamH2(h2Servers, GiB, CHUNK, seconds, rounds, log);
      }
    } finally {
      for (const s of h2Servers) await s.child.stop();
    }
  }

  const rows: string[][] = [];
  const checks: Record<string, { value: number; target: string; pass: boolean }> = {};
  if (helloR) {
    const ratio = helloR.best.reference / helloR.best['node:http'];
    checks.hello = { value: ratio, target: `>= ${TARGET_HELLO.toFixed(2)}x`, pass: ratio >= TARGET_HELLO };
    rows.push(['hello world req/s (best of ' + rounds + ')', fmt(helloR.best.reference), fmt(helloR.best['node:http']), `${ratio.toFixed(2)}x`, checks.hello.target, verdict(checks.hello.pass)]);
  }
  if (streamR) {
    const ratio = streamR.best.reference / streamR.best['node:http'];
    checks.stream = { value: ratio, target: `>= ${TARGET_STREAM.toFixed(2)}x`, pass: ratio >= TARGET_STREAM };
    rows.push(['1 GiB stream MB/s (best of ' + rounds + ')', fmt(streamR.best.reference), fmt(streamR.best['node:http']), `${ratio.toFixed(2)}x`, checks.stream.target, verdict(checks.stream.pass)]);
  }
  if (stalledR) {
    const target = WINDOW + CHUNK;
    checks.stalled = { value: stalledR.perRequest, target: `<= ${fmt(target / 1024)} KiB`, pass: stalledR.perRequest <= target && stalledR.windowsFull >= stalledR.n };
    rows.push([`RSS per stalled request (N=${stalledR.n})`, `${fmt(stalledR.perRequest / 1024)} KiB`, '-', '-', `${checks.stalled.target} (window + 64 KiB)`, verdict(checks.stalled.pass)]);
  }
  if (rows.length) log(`\n${table(['measurement', 'reference', 'node:http', 'ratio', 'target', 'verdict'], rows)}`);
  if (stalledR && stalledR.windowsFull < stalledR.n) log(`note: only ${stalledR.windowsFull}/${stalledR.n} stalled handlers filled their window; the RSS figure undercounts.`);
  const h2Rows: string[][] = [];
  const failures: string[] = [];
  const h2Row = (key: 'h2hello' | 'h2stream', label: string, r: H2HelloResult | H2StreamResult, target: number): void => {
    for (const [name, why] of Object.entries(r.errors)) failures.push(`${label}: ${name}: ${why}`);
    const cell = (n: 'reference' | 'node:http2'): string => (r.errors[n] ? 'ERROR' : fmt(r.best[n]));
    if (r.errors.reference || r.errors['node:http2']) {
      h2Rows.push([label, cell('reference'), cell('node:http2'), '-', `>= ${target.toFixed(2)}x`, 'ERROR']);
      return;
    }
    const ratio = r.best.reference / r.best['node:http2'];
    checks[key] = { value: ratio, target: `>= ${target.toFixed(2)}x`, pass: ratio >= target };
    h2Rows.push([label, cell('reference'), cell('node:http2'), `${ratio.toFixed(2)}x`, checks[key].target, verdict(checks[key].pass)]);
  };
  if (h2HelloR) h2Row('h2hello', `h2c hello world req/s (best of ${rounds})`, h2HelloR, TARGET_H2_HELLO);
  if (h2StreamR) h2Row('h2stream', `h2c 1 GiB stream MB/s (best of ${rounds})`, h2StreamR, TARGET_H2_STREAM);
  if (h2Rows.length) {
    log(`\n${table(['HTTP/2 (h2c) measurement', 'reference', 'node:http2', 'ratio', 'target', 'verdict'], h2Rows)}`);
    const used = [
      ...(h2HelloR ? [`hello: h2load ${h2HelloArgs(h2Params, 'URL').join(' ')}`] : []),
      ...(h2StreamR ? [`stream: h2load ${h2StreamArgs('URL', `/stream?bytes=${GiB}&chunk=${CHUNK}&timeout=60`).join(' ')}`] : []),
    ];
    log(`h2load ${h2load!.version}; ${used.join('; ')}; baseline node-http2.ts --api ${h2Api}.`);
  }
  log('MB = 10^6 bytes; stream MB/s counts wire bytes (head and chunk framing, < 0.01% extra; h2: frame headers, ~0.06%). SHORT never fails the run.');
  for (const f of failures) log(`ERROR ${f}`);

  const file = join(ROOT, 'reports', 'bench-server.json');
  mkdirSync(join(ROOT, 'reports'), { recursive: true });
  const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}`, loadavg: os.loadavg() };
  const h2 = wantH2 ? { h2load: h2load ? `${h2load.path} ${h2load.version}` : null, clients: h2Clients, streams: h2Streams, warmUpSeconds: H2_WARMUP, baselineApi: h2Api } : null;
  const settings = { seconds, rounds, connections, loadGenerator: gen?.name ?? null, chunk: CHUNK, streamBytes: GiB, sendWindow: WINDOW, stalled: nStalled, h2 };
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, settings, checks, hello: helloR, stream: streamR, stalled: stalledR, h2hello: h2HelloR, h2stream: h2StreamR }, null, 2)}\n`);
  log(`results: ${file}`);
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench:server failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
