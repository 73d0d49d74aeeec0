// npm run bench:server — the reference server (server-under-test/) against plain node:http, in one
// run: (1) hello-world req/s under wrk, (2) 1 GiB streamed in 64 KiB writes to a fast reader,
// (3) the reference server's RSS per stalled request. Every server and every client runs in its
// own process; everything is bounded in time and stops by itself. Prints a table with targets
// (PASS / SHORT; a SHORT never fails the run) and writes reports/bench-server.json.
//
//   npm run bench:server -- [--seconds 10] [--rounds 2] [--connections 64] [--stalled 100]
//                           [--only hello,stream,stalled] [--cpu-prof]
//
// Exit: 0 ran (whatever the verdicts), 1 the bench itself failed, 2 wrk missing (one line).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, spawnTs } from './lib/children.ts';
import { loadGenerator, WRK_INSTALL_HINT } from './lib/load-generator.ts';
import { fmt, table } from './lib/table.ts';
import { stalledRss, type StalledResult } from './stalled-rss.ts';
import { hello, stream, type HelloResult, type Server, type StreamResult } from './throughput.ts';

const TARGET_HELLO = 1.0;
const TARGET_STREAM = 0.8;
const WINDOW = 1_048_576; // default_send_window
const CHUNK = 64 * 1024;
const GiB = 1024 ** 3;

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    stalled: { type: 'string', default: '100' },
    only: { type: 'string', default: 'hello,stream,stalled' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const seconds = Number(opt.seconds);
const rounds = Number(opt.rounds);
const connections = Number(opt.connections);
const nStalled = Number(opt.stalled);
const only = new Set(opt.only.split(','));
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

const verdict = (ok: boolean): string => (ok ? 'PASS' : 'SHORT');

async function main(): Promise<number> {
  const gen = only.has('hello') ? await loadGenerator() : null;
  if (only.has('hello') && !gen) {
    log(WRK_INSTALL_HINT);
    return 2;
  }
  log(`dawdle bench:server — ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  log(`Each measurement runs ~${seconds} s; servers take turns (reference, node:http) for ${rounds} rounds and the best round counts (the machine is noisy).`);
  let helloR: HelloResult | null = null;
  let streamR: StreamResult | null = null;
  let stalledR: StalledResult | null = null;

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
  log(`\n${table(['measurement', 'reference', 'node:http', 'ratio', 'target', 'verdict'], rows)}`);
  if (stalledR && stalledR.windowsFull < stalledR.n) log(`note: only ${stalledR.windowsFull}/${stalledR.n} stalled handlers filled their window; the RSS figure undercounts.`);
  log('MB = 10^6 bytes; stream MB/s counts wire bytes (head and chunk framing, < 0.01% extra). SHORT never fails the run.');

  const file = join(ROOT, 'reports', 'bench-server.json');
  mkdirSync(join(ROOT, 'reports'), { recursive: true });
  const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}`, loadavg: os.loadavg() };
  const settings = { seconds, rounds, connections, loadGenerator: gen?.name ?? null, chunk: CHUNK, streamBytes: GiB, sendWindow: WINDOW, stalled: nStalled };
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, settings, checks, hello: helloR, stream: streamR, stalled: stalledR }, null, 2)}\n`);
  log(`results: ${file}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench:server failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
