// The uml backend for real (root, Debian's user-mode-linux and kmod): netem in a user-mode Linux
// guest, reached over a TAP link at the same kind of address as the host backend. A 3g link makes
// a 100 KB download take at least 0.8x its nominal time and a connection at least one RTT; the
// link read back from tc is the one asked for; SIGTERM leaves no TAP device and no guest behind.
// Missing root or UML: every test is skipped with the reason (what is missing, how to get it).
//
// @test weight 30
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guestPids, listOurs } from '../../harness/shaping/cleanup.ts';
import { byteServer, curlArgs, freePort, shape, skipReason } from './helpers.ts';

const why = await skipReason('uml');
if (why) console.log(`SKIP test/shaping/uml.test.ts: ${why}`);
const it = why ? test.skip : test;
const dir = mkdtempSync(join(tmpdir(), 'dawdle-uml-test-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function gone(name: string | null): Promise<void> {
  assert.ok(name, 'the link name was printed');
  assert.not.ok((await listOurs()).links.includes(name!), `TAP ${name} left behind`);
  assert.equal(guestPids(name!), [], `guest of ${name} still running`);
}

it('dawdle shape --profile 3g -- curl: auto picks uml (netem), the download feels the link, tc reads back the link', async () => {
  const port = await freePort();
  const json = join(dir, '3g.json');
  const r = shape(['--profile', '3g', '--applied-json', json, '--', ...curlArgs(port)]);
  const srv = await byteServer(await r.hostAddress, port, 100_000);
  const d = await r.done;
  srv.close();
  assert.is(d.code, 0, d.err);
  assert.match(d.err, /backend uml: the link needs netem, which the host kernel lacks/);
  const [connect, total, size] = d.out.trim().split(' ').map(Number);
  assert.is(size, 100_000, d.out);
  // 3g: 150 ms each way, so a TCP handshake takes at least one 300 ms round trip.
  assert.ok(connect! >= 0.3, `connect took ${connect} s, less than the 300 ms RTT`);
  const nominal = (100_000 * 8) / 1.6e6;
  assert.ok(total! - connect! >= 0.8 * nominal, `transfer took ${total! - connect!} s, nominal ${nominal} s`);
  const a = JSON.parse(readFileSync(json, 'utf8'));
  assert.is(a.backend, 'uml');
  assert.is(a.link, '3g');
  assert.equal(a.directions.map((x: { qdisc: string }) => x.qdisc), ['netem', 'netem']);
  assert.is(a.directions[0].options.delay_ms, 150);
  assert.is(a.directions[0].options.rate_bps, 1.6e6);
  assert.is(a.directions[1].options.rate_bps, 768_000);
  assert.ok(a.directions[0].counters.bytes >= 100_000, JSON.stringify(a.directions[0].counters));
  assert.equal(a.directions.flatMap((x: { problems: string[] }) => x.problems), []);
  await gone(r.linkName());
});

it('netem loss and delay for real: 10% loss each way drops packets (tc counts them) and TCP still delivers; 40 ms each way sets the RTT floor', async () => {
  const port = await freePort();
  const json = join(dir, 'loss.json');
  const r = shape(['--delay', '40ms', '--loss', '10%', '--applied-json', json, '--', ...curlArgs(port)]);
  const srv = await byteServer(await r.hostAddress, port, 100_000);
  const d = await r.done;
  srv.close();
  assert.is(d.code, 0, d.err);
  const [connect, , size] = d.out.trim().split(' ').map(Number);
  assert.is(size, 100_000, d.out);
  assert.ok(connect! >= 0.08, `connect ${connect} s < 80 ms RTT`);
  const a = JSON.parse(readFileSync(json, 'utf8'));
  assert.is(a.directions[0].options.loss_pct, 10);
  const drops = a.directions[0].counters.drops + a.directions[1].counters.drops;
  const packets = a.directions[0].counters.packets + a.directions[1].counters.packets;
  // ~110 packets at 10% each: P(none dropped) ~ 1e-5
  assert.ok(drops >= 1, `no packet dropped of ${packets}`);
  await gone(r.linkName());
});

it('SIGTERM to `dawdle shape --delay 10ms -- sleep 30` stops the command in the guest and removes TAP and guest', async () => {
  const r = shape(['--delay', '10ms', '--', 'sleep', '30']);
  await r.hostAddress;
  await new Promise((res) => setTimeout(res, 4000)); // the guest boots (~3 s) and starts sleep
  r.child.kill('SIGTERM');
  const d = await r.done;
  assert.ok(d.ms < 25_000, `took ${d.ms} ms`);
  assert.is(d.code, 143, d.err);
  await gone(r.linkName());
});

test('the uml backend is usable here, or says what is missing and how to get it', async () => {
  if (why === null) return;
  assert.match(why, /not root|get it with: apt-get install -y (user-mode-linux|kmod)|TUN\/TAP|modules lack/);
});

test.run();
