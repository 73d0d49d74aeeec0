// `dawdle conformance --network 3g` on the embedded reference server: the harness re-runs itself
// behind the link (a user-mode Linux guest here: 3g needs netem) while the server stays on the
// host at the link's address. A subset of checks for time (a full h1 run behind 3g takes ~4.5 min;
// docs/shaping.md lists what it gives); the report's environment carries the link as read back.
// Missing root or UML: skipped with the reason.
//
// @test weight 40
// @test alone
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, skipReason } from './helpers.ts';

const why = await skipReason('uml');
if (why) console.log(`SKIP test/shaping/conformance-network.test.ts: ${why}`);
const it = why ? test.skip : test;
const dir = mkdtempSync(join(tmpdir(), 'dawdle-cn-test-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const ONLY = 'CFG-01,WIN-01,WIN-02,TMO-01,RES-01,STS-02,STS-04';

it(`conformance --network 3g --transport h1 --only ${ONLY} passes, and the JSON report has the link as applied`, async () => {
  const json = join(dir, 'r.json');
  const d = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn(process.execPath, [BIN, 'conformance', '--network', '3g', '--transport', 'h1', '--only', ONLY, '--json', json],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
    let out = '';
    p.stdout.on('data', (x) => (out += x));
    p.stderr.on('data', (x) => (out += x));
    const kill = setTimeout(() => p.kill('SIGKILL'), 240_000);
    p.on('close', (code) => { clearTimeout(kill); resolve({ code, out }); });
  });
  assert.is(d.code, 0, d.out);
  assert.match(d.out, /network 3g: backend uml/);
  assert.match(d.out, /embedded reference server \(on the host\): http:\/\/198\.18\.\d+\.1:\d+/);
  const doc = JSON.parse(readFileSync(json, 'utf8'));
  const results = doc.results.filter((r: { transport: string }) => r.transport === 'h1');
  assert.is(results.length, ONLY.split(',').length);
  assert.ok(results.every((r: { verdict: { status: string } }) => r.verdict.status === 'pass'), JSON.stringify(results.map((r: { id: string; verdict: unknown }) => [r.id, r.verdict])));
  const n = doc.environment.network;
  assert.is(n.link, '3g');
  assert.is(n.backend, 'uml');
  assert.match(doc.targets[0].url, new RegExp(`^http://${n.host_address.replace(/\./g, '\\.')}:`));
  assert.equal(n.directions.map((x: { qdisc: string }) => x.qdisc), ['netem', 'netem']);
  assert.is(n.directions[0].options.delay_ms, 150);
  assert.is(n.directions[0].options.rate_bps, 1.6e6);
  assert.ok(n.directions[0].counters.bytes > 100_000, JSON.stringify(n.directions[0].counters));
  assert.equal(n.sysctls.tcp_rmem, [4096, 65536, 262144]);
});

test('--network with an unknown profile: one line, exit 2, before anything is shaped', async () => {
  const d = await new Promise<{ code: number | null; err: string }>((resolve) => {
    const p = spawn(process.execPath, [BIN, 'conformance', '--network', 'no-such-link'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (x) => (err += x));
    p.on('close', (code) => resolve({ code, err }));
  });
  assert.is(d.code, 2);
  assert.is(d.err.trim().split('\n').length, 1, d.err);
  assert.match(d.err, /--network: no-such-link: no such network profile \(known: .*3g/);
});

test.run();
