// `dawdle capacity` / `dawdle staleness` on the command line: every kind of bad input is one line
// on stderr and exit 2, before anything is loaded; a short real run against the embedded reference
// server prints the table and the capacity and writes JSON (dawdle.capacity/1), HTML and markdown;
// `dawdle staleness` on /ticker tells a profile that keeps up from one that cannot; Ctrl-C writes
// what was measured, marked partial, and exits 130.
//
// @test weight 75
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CapacityDocument } from '../../harness/capacity/result.ts';
import { eachAtOnce } from '../dawdle-cli.ts';

const BIN = fileURLToPath(new URL('../../bin/dawdle.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dawdle-capacity-cli-'));

interface Ran { code: number | null; out: string; err: string; ms: number }

function run(args: string[], o: { env?: Record<string, string>; timeoutMs?: number; interruptAfterMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: 'true', ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const kill = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    if (o.interruptAfterMs !== undefined) setTimeout(() => p.kill('SIGINT'), o.interruptAfterMs);
    p.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, out, err, ms: performance.now() - t0 });
    });
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('bad input: one line, exit 2, no stack trace', async () => {
  const port = await closedPort();
  const cases: Array<[string[], RegExp, Record<string, string>?]> = [
    [['--slo', 'p99<fast'], /--slo/],
    [['--slo', 'errors<5ms'], /percentage/],
    [['--slow', '10..0:5'], /--slow/],
    [['--slow', 'lots'], /--slow/],
    [['--fast-rate', 'quick'], /--fast-rate/],
    [['--slow-profile', 'no-such-profile'], /--slow-profile/],
    [['--slow-profile', '3g,nope'], /--slow-profile/],
    [['--target', 'not a url'], /not a URL/],
    [['--target', 'http://192.0.2.1:8080'], /not on loopback.*--allow-remote/],
    [['--target', `http://127.0.0.1:${port}`], /unreachable/],
    [['--step-seconds', '0'], /--step-seconds/],
    [['--fast-http', 'h2', '--target', 'http://127.0.0.1:8080'], /over TLS/],
    [['--fast-http', 'h2c', '--target', 'https://127.0.0.1:8443'], /cleartext/],
    [['--pid', '4000000'], /--pid/],
    [['--network', '3g'], /does not put its slow clients behind a shaped link yet/],
    [['--clock-offset-ms', 'soon'], /--clock-offset-ms/],
    [['--baseline', join(dir, 'missing.json')], /--baseline/],
    [[], /vegeta is missing/, { DAWDLE_VEGETA: '/nonexistent/vegeta' }],
  ];
  const ran = await eachAtOnce(cases, ([args, , env]) => run(['capacity', ...args], { timeoutMs: 20_000, ...(env ? { env } : {}) }));
  for (const [i, [args, says]] of cases.entries()) {
    const r = ran[i]!;
    assert.is(r.code, 2, `${args.join(' ')}: exit ${r.code}, ${r.err}`);
    const lines = r.err.trim().split('\n');
    assert.is(lines.length, 1, `${args.join(' ')}: ${r.err}`);
    assert.match(lines[0]!, says);
    assert.not.match(r.err, /\n\s+at /);
  }
  const s = await run(['staleness', '--slow-path', '/stream'], { timeoutMs: 20_000 });
  assert.is(s.code, 2);
  assert.match(s.err, /\/ticker/);
});

test('a short run against the embedded server: table, capacity, JSON/HTML/markdown', async () => {
  const json = join(dir, 'c.json');
  const html = join(dir, 'c.html');
  const md = join(dir, 'c.md');
  const r = await run(['capacity', '--slow', '0,20', '--step-seconds', '2', '--warmup-seconds', '1', '--fast-rate', '100/s',
    '--slo', 'p99<2s,errors<5%', '--json', json, '--html', html, '--summary-md', md, '--require', '20']);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /profile\s+N\s+SLO\s+p50 ms/);
  assert.match(r.out, /capacity \(3g\): 20 slow clients or more/);
  assert.match(r.out, /required capacity 20 met/);
  const doc = JSON.parse(readFileSync(json, 'utf8')) as CapacityDocument;
  assert.is(doc.schema, 'dawdle.capacity/1');
  assert.is(doc.capacity.max_slow_clients, 20);
  assert.ok(doc.target.embedded);
  const [s0, s20] = doc.runs[0]!.steps;
  assert.is(s20!.n, 20);
  // Generous: the fast clients were served and the slow ones read at about their profile's rate.
  assert.ok(s0!.fast.requests >= 150 && s0!.fast.achieved_rate > 80, JSON.stringify(s0!.fast));
  assert.ok(s20!.slow.goodput_bytes_per_s > 20 * 96_000 * 0.7 && s20!.slow.goodput_bytes_per_s < 20 * 96_000 * 1.3, String(s20!.slow.goodput_bytes_per_s));
  assert.ok(s20!.server!.rss_bytes! > 10e6 && s20!.server!.fds! >= 20, JSON.stringify(s20!.server));
  assert.is(s20!.server!.probe_active_requests! >= 20, true);
  assert.ok(readFileSync(html, 'utf8').includes('chart-p99'));
  assert.match(readFileSync(md, 'utf8'), /## dawdle capacity: 20\+ "3g" clients/);
  // --require above what was measured: exit 1, and --baseline compares with the run above.
  const r2 = await run(['capacity', '--slow', '0,20', '--step-seconds', '1', '--warmup-seconds', '0', '--fast-rate', '50/s',
    '--slo', 'p99<2s', '--require', '1000', '--baseline', json, '--json', join(dir, 'c2.json')]);
  assert.is(r2.code, 1, r2.out + r2.err);
  assert.match(r2.out, /required capacity 1000 not met \(measured 20\)/);
  const doc2 = JSON.parse(readFileSync(join(dir, 'c2.json'), 'utf8')) as CapacityDocument;
  assert.is(doc2.comparison?.max_slow_clients.before, 20);
});

test('staleness on /ticker: a reader that keeps up against one that cannot', async () => {
  const json = join(dir, 's.json');
  // 2,000-byte updates every 100 ms = 20 kB/s: 3g (96 kB/s) keeps up, gprs (5 kB/s) cannot. In a few
  // seconds the gprs reader only works through the backlog in the kernel's buffers (on loopback
  // they hold minutes of it before a write can time out): its updates age, few are dropped yet.
  const r = await run(['staleness', '--slow-profile', '3g,gprs', '--slow', '0,10', '--slow-path', '/ticker?interval_ms=100&bytes=2000',
    '--step-seconds', '4', '--warmup-seconds', '1', '--fast-rate', '20/s', '--slo', 'p99<2s', '--json', json]);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /AoI ms/);
  const doc = JSON.parse(readFileSync(json, 'utf8')) as CapacityDocument;
  const at10 = (profile: string) => doc.runs.find((x) => x.profile === profile)!.steps.find((s) => s.n === 10)!.slow.staleness!;
  const fast = at10('3g');
  const slow = at10('gprs');
  assert.ok(fast.updates_received > 10 * 30, String(fast.updates_received));
  assert.ok(fast.drop_ratio! < 0.1, `3g drop ratio ${fast.drop_ratio}`);
  assert.ok(fast.age_ms.p50! < 100, `3g age p50 ${fast.age_ms.p50}`);
  assert.ok(slow.age_ms.p99! > 500, `gprs age p99 ${slow.age_ms.p99}`);
  assert.ok(slow.version_lag.p99! >= 5, `gprs lag p99 ${slow.version_lag.p99}`);
  assert.ok(slow.aoi_ms! > fast.aoi_ms!, `AoI gprs ${slow.aoi_ms} vs 3g ${fast.aoi_ms}`);
  assert.ok(slow.age_ms.p99! > fast.age_ms.p99!, `age p99 gprs ${slow.age_ms.p99} vs 3g ${fast.age_ms.p99}`);
});

test('Ctrl-C: what was measured is written, marked partial, exit 130', async () => {
  const json = join(dir, 'i.json');
  const r = await run(['capacity', '--slow', '0..40:10', '--step-seconds', '2', '--warmup-seconds', '0', '--fast-rate', '50/s', '--slo', 'p99<2s', '--json', json],
    { interruptAfterMs: 9_000 });
  assert.is(r.code, 130, r.out + r.err);
  assert.ok(existsSync(json));
  const doc = JSON.parse(readFileSync(json, 'utf8')) as CapacityDocument;
  assert.ok(doc.partial);
  assert.ok(doc.runs[0]!.steps.length >= 1);
  assert.ok(doc.runs[0]!.steps.length < 5);
});

test.run();
