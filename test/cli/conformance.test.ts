// `dawdle conformance` as a user runs it: exit codes, one-line errors, report files.
//
// @test weight 55
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { EMBEDDED_SERVER, startServerProcess, type ServerProcess } from '../../harness/conformance/server-process.ts';
import { eachAtOnce } from '../dawdle-cli.ts';

const BIN = new URL('../../bin/dawdle.mjs', import.meta.url).pathname;

function dawdle(args: string[], timeoutMs = 120_000): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const kill = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, out, err, ms: performance.now() - t0 });
    });
  });
}

let plain: Server;
let plainUrl: string;
let ref: ServerProcess;
const dir = mkdtempSync(join(tmpdir(), 'dawdle-cli-'));

test.before(async () => {
  plain = createServer((_req, res) => res.writeHead(404).end('not here'));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  ref = await startServerProcess(EMBEDDED_SERVER);
});
test.after(async () => {
  plain.close();
  await ref?.stop();
});

test('a target without the probe protocol: exit 2, one clear line, within 5 s', async () => {
  const r = await dawdle(['conformance', '--target', plainUrl]);
  assert.is(r.code, 2);
  assert.match(r.err, /does not speak the probe protocol: GET .*\/__probe\/info returned 404/);
  assert.is(r.err.trim().split('\n').length, 1);
  assert.ok(r.ms < 5000 + 3000, `took ${r.ms} ms (node start-up included)`);
});

test('an unreachable target: exit 2, says unreachable', async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  const r = await dawdle(['conformance', '--target', `http://127.0.0.1:${port}`]);
  assert.is(r.code, 2);
  assert.match(r.err, /target unreachable: .*ECONNREFUSED/);
});

test('usage errors: exit 2 with the reason, no stack trace', async () => {
  const cases = [
    [['--only', 'NOPE-9'], /matches no check/],
    [['--transport', 'h3'], /unknown transport "h3" \(known: h1, h1tls, h2, h2c\)/],
    [['--transport', 'h2c,http2'], /unknown transport "http2"/],
    [['--target', 'ftp://x'], /must be http:\/\/ or https:\/\//],
    [['--target', 'not a url'], /is not a URL/],
  ] as const;
  const ran = await eachAtOnce(cases, ([args]) => dawdle(['conformance', ...args]));
  for (const [i, [args, re]] of cases.entries()) {
    const r = ran[i]!;
    assert.is(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re);
    assert.not.match(r.err, /\n\s+at /);
  }
});

test('--target at a separately started reference server: verdicts, JSON and JUnit', async () => {
  const json = join(dir, 'run.json');
  const junit = join(dir, 'run.xml');
  const r = await dawdle(['conformance', '--target', ref.http, '--target', ref.https!, '--only', 'CFG-01,RES-01,WIN-03', '--json', json, '--junit', junit]);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /12 passed, 0 failed, 0 skipped/);
  assert.match(r.out, /target http:\/\/127\.0\.0\.1:\d+ \(h1, h2c\): /);
  assert.match(r.out, /target https:\/\/127\.0\.0\.1:\d+ \(h1tls, h2\): /);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  assert.is(report.schema, 'dawdle.conformance/1');
  assert.equal(report.results.map((x: { transport: string; id: string }) => `${x.transport} ${x.id}`), ['h1', 'h1tls', 'h2', 'h2c']
    .flatMap((t) => [`${t} CFG-01`, `${t} WIN-03`, `${t} RES-01`]));
  assert.ok(report.scenarios.h1['big-write'].journals[0].entries.length > 0);
  assert.ok(report.scenarios.h2c['big-write'].h2.settings.length > 0, 'HTTP/2 runs keep their h2 record');
  const xml = readFileSync(junit, 'utf8');
  assert.match(xml, /<testsuites name="dawdle conformance" tests="12" failures="0"/);
  assert.match(xml, /<testcase name="WIN-03 [^"]*" classname="dawdle.h1tls.WIN"/);
  assert.match(xml, /<testcase name="WIN-03 [^"]*" classname="dawdle.h2.WIN"/);
});

test('--transport h1tls without an https target: skipped with the reason, exit 0', async () => {
  const r = await dawdle(['conformance', '--target', ref.http, '--transport', 'h1tls', '--only', 'CFG-01']);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /no target for transport h1tls/);
});

test('--transport h2c: the HTTP/2 checks run, a check that does not apply says why, exit 0', async () => {
  const json = join(dir, 'h2c.json');
  const r = await dawdle(['conformance', '--target', ref.http, '--transport', 'h2c', '--only', 'H2-01,CXL-08', '--json', json]);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /PASS h2c\s+H2-01/);
  assert.match(r.out, /skip h2c\s+CXL-08 .*does not apply to h2c: HTTP\/1\.1 only/);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(report.results.map((x: { transport: string }) => x.transport), ['h2c', 'h2c']);
});

test('a check the harness cannot judge (the target refuses its probe script): ERROR, listed with a hint, exit 1 under both gates', async () => {
  // Speaks the probe protocol's /info, refuses every script: nothing can be judged.
  const info = { protocol: 1, server: 'refuses-scripts/1', features: ['send_window', 'send_timeout'], defaults: { send_window: 65536, send_timeout: 30 }, active_requests: 0 };
  const refusing = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/__probe/info') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(info));
    req.resume();
    res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'script store unavailable' }));
  });
  await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
  try {
    const json = join(dir, 'errors.json');
    let r = await dawdle(['conformance', '--target', url, '--transport', 'h1', '--only', 'CFG-01', '--json', json]);
    assert.is(r.code, 1, r.out + r.err);
    assert.match(r.out, /ERROR h1 +CFG-01 .*could not judge: ERR_PROBE_REJECTED: target refused script dw-\S+: 503 script store unavailable/);
    assert.match(r.out, /\n0 passed, 0 failed, 1 error, 0 skipped in /);
    assert.match(r.out, /\nErrors \(could not judge\):\n  CFG-01 on h1: [^\n]+\n    saw: +ERR_PROBE_REJECTED[^\n]+\n    hint: +the target refused a probe script \(503\)/);
    assert.not.match(r.out, /\nFailures:/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.is(report.results[0].verdict.status, 'error');
    assert.match(report.results[0].verdict.hint, /probe protocol v1/);
    // Against a baseline with the same error: nothing new, yet the regressions gate still fails.
    r = await dawdle(['conformance', '--target', url, '--transport', 'h1', '--only', 'CFG-01', '--baseline', json, '--gate', 'regressions']);
    assert.is(r.code, 1, r.out + r.err);
    assert.match(r.out, /0 new failures, 0 fixed, 0 still failing, 0 changed, 1 unchanged/);
  } finally {
    refusing.close();
  }
});

test('--profile: every problem of a bad profile at once (exit 2); a bundled name drives the ISO crowd', async () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'name: x\nread:\n  behaviour: nope\n');
  let r = await dawdle(['conformance', '--profile', bad]);
  assert.is(r.code, 2);
  assert.match(r.err, /bad\.yaml: description: required/);
  assert.match(r.err, /bad\.yaml: read\.behaviour: unknown behaviour "nope".*\(line 3\)/);
  assert.not.match(r.err, /\n\s+at /);
  r = await dawdle(['conformance', '--profile', 'no-such-profile']);
  assert.is(r.code, 2);
  assert.match(r.err, /no-such-profile: no such file or directory/);

  const json = join(dir, 'profile.json');
  r = await dawdle(['conformance', '--target', ref.http, '--transport', 'h1', '--only', 'ISO-01', '--profile', 'gprs', '--json', json]);
  assert.ok(r.code === 0 || r.code === 1, r.out + r.err);
  const res = JSON.parse(readFileSync(json, 'utf8')).results[0];
  assert.match(res.verdict.evidence.crowd, /^profile gprs \(throttled, .*profiles\/gprs\.yaml\)$/);
  assert.is(res.verdict.evidence.crowd_clients, 200);
});

test.run();
