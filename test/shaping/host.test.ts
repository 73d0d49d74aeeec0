// The host backend for real (root): a client namespace behind a veth pair with tbf on each end,
// read back from tc; a rate limit a transfer really feels; the namespace's sysctls; exit codes;
// nothing left behind, even after SIGTERM; --cleanup removes a dead run's leftovers only.
// Not root: every test here is skipped with the reason (uvu counts them as skipped).
//
// @test weight 15
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listOurs } from '../../harness/shaping/cleanup.ts';
import { spawn } from 'node:child_process';
import { probeHost } from '../../harness/shaping/probe.ts';
import { BIN, byteServer, curlArgs, freePort, shape, skipReason } from './helpers.ts';

const why = await skipReason('host');
if (why) console.log(`SKIP test/shaping/host.test.ts: ${why}`);
const it = why ? test.skip : test;
const dir = mkdtempSync(join(tmpdir(), 'dawdle-host-test-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function gone(name: string | null): Promise<void> {
  assert.ok(name, 'the link name was printed');
  const ours = await listOurs();
  assert.not.ok(ours.namespaces.includes(name!), `namespace ${name} left behind`);
  assert.not.ok(ours.links.includes(name!), `link ${name} left behind`);
}

it('a rate-only link runs on the host: the command sees DAWDLE_HOST, its own address, the sysctls; exit code is the command\'s', async () => {
  const json = join(dir, 'applied.json');
  const r = shape(['--rate', '2mbit', '--up-rate', '1mbit', '--tcp-rmem', '4096,32768,131072', '--applied-json', json, '--',
    'sh', '-c', 'echo "host=$DAWDLE_HOST"; ip -4 -o addr show dev veth0; cat /proc/sys/net/ipv4/tcp_rmem; exit 7']);
  const d = await r.done;
  assert.is(d.code, 7, d.err);
  assert.match(d.err, /backend host: the host kernel has tbf/);
  const host = /host=(198\.18\.\d+\.1)/.exec(d.out)?.[1];
  assert.ok(host, d.out);
  assert.match(d.out, new RegExp(`inet ${host!.replace(/1$/, '2').replace(/\./g, '\\.')}/24`));
  assert.match(d.out, /4096\s+32768\s+131072/);
  const applied = JSON.parse(readFileSync(json, 'utf8'));
  assert.is(applied.backend, 'host');
  assert.is(applied.directions[0].qdisc, 'tbf');
  assert.is(applied.directions[0].options.rate_bps, 2e6);
  assert.is(applied.directions[1].options.rate_bps, 1e6);
  assert.equal(applied.directions.flatMap((x: { problems: string[] }) => x.problems), []);
  await gone(r.linkName());
});

it('a 1 Mbit/s link makes a 250 KB download take at least 0.8x its nominal 2 s, and tc counts it', async () => {
  const port = await freePort();
  const json = join(dir, 'rate.json');
  const r = shape(['--rate', '1mbit', '--applied-json', json, '--', ...curlArgs(port)]);
  const srv = await byteServer(await r.hostAddress, port, 250_000);
  const d = await r.done;
  srv.close();
  assert.is(d.code, 0, d.err);
  const [connect, total, size] = d.out.trim().split(' ').map(Number);
  assert.is(size, 250_000);
  const nominal = (250_000 * 8) / 1e6;
  assert.ok(total! - connect! >= 0.8 * nominal, `took ${total! - connect!} s, nominal ${nominal} s`);
  assert.ok(total! - connect! < 4 * nominal, `took ${total! - connect!} s, far slower than nominal ${nominal} s`);
  const applied = JSON.parse(readFileSync(json, 'utf8'));
  assert.ok(applied.directions[0].counters.bytes >= 250_000, JSON.stringify(applied.directions[0].counters));
  await gone(r.linkName());
});

it('--link N gives the predictable address 198.18.N.1; a second run asking for the same N is refused in one line', async () => {
  // The first run holds its link until it is told to stop (a loaded machine may take seconds to
  // start the second dawdle), then it is stopped as a user would: SIGTERM, exit 128 + 15. The
  // shell's `sleep 60` outlives the shell's SIGTERM: the run kills what is left in its namespace,
  // so nothing holds its stdout (before that, this test waited the whole 60 s).
  const first = shape(['--link', '249', '--rate', '1mbit', '--', 'sh', '-c', 'echo "host=$DAWDLE_HOST"; sleep 60']);
  assert.is(await first.hostAddress, '198.18.249.1');
  const second = await shape(['--link', '249', '--rate', '1mbit', '--', 'true']).done;
  assert.is(second.code, 2, second.err);
  assert.match(second.err, /link dawdle-249 is in use/);
  first.child.kill('SIGTERM');
  const stopped = performance.now();
  const d = await first.done;
  assert.is(d.code, 143, d.err);
  assert.ok(performance.now() - stopped < 20_000, `the run's stdout closed ${Math.round(performance.now() - stopped)} ms after SIGTERM: a process was left in the namespace`);
  assert.match(d.out, /host=198\.18\.249\.1/);
  await gone(first.linkName());
});

it('SIGTERM to `dawdle shape -- sleep 30` stops the command and leaves nothing behind', async () => {
  const r = shape(['--rate', '1mbit', '--', 'sleep', '30']);
  await r.hostAddress;
  await new Promise((res) => setTimeout(res, 300));
  r.child.kill('SIGTERM');
  const d = await r.done;
  assert.ok(d.ms < 10_000, `took ${d.ms} ms`);
  assert.is(d.code, 143, d.err);
  await gone(r.linkName());
});

it('--cleanup removes a dead run\'s namespace and link, and keeps a live run\'s', async () => {
  const dead = 'dawdle-251'; // outside the numbers runs pick (1..250)
  execFileSync('ip', ['netns', 'add', dead]);
  execFileSync('ip', ['link', 'add', dead, 'type', 'veth', 'peer', 'name', 'veth0', 'netns', dead]);
  execFileSync('ip', ['link', 'set', dead, 'alias', 'dawdle pid=2147483646']);
  const live = shape(['--rate', '1mbit', '--', 'sleep', '20']);
  await live.hostAddress;
  const c = shape(['--cleanup']);
  const d = await c.done;
  assert.is(d.code, 0, d.err);
  assert.match(d.err, new RegExp(`removed links: .*${dead}`));
  assert.match(d.err, new RegExp(`kept ${live.linkName()} \\(in use by pid`));
  const ours = await listOurs();
  assert.not.ok(ours.links.includes(dead));
  assert.not.ok(ours.namespaces.includes(dead));
  assert.ok(ours.links.includes(live.linkName()!), 'the live run kept its link');
  live.child.kill('SIGTERM');
  await live.done;
  await gone(live.linkName());
});

test('dawdle doctor: one table, each qdisc probed; here tbf yes and netem as the kernel has it', async () => {
  const d = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn(process.execPath, [BIN, 'doctor'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (x) => (out += x));
    p.on('close', (code) => resolve({ code, out }));
  });
  assert.is(d.code, 0);
  for (const row of ['root', 'network namespaces + veth', 'host qdisc netem', 'host qdisc tbf', 'host qdisc htb', 'UML netem module', 'uml backend', 'chromium', 'h2spec', 'vegeta', 'wrk', 'h2load', 'nginx', 'h2o']) {
    assert.match(d.out, new RegExp(`^${row.replace(/[+]/g, '\\+')}\\s+(yes|no) `, 'm'), row);
  }
  if (!why) {
    assert.match(d.out, /^host qdisc tbf\s+yes /m);
    const netemOnHost = (await probeHost()).qdiscs.netem;
    assert.match(d.out, new RegExp(`^host qdisc netem\\s+${netemOnHost ? 'yes' : 'no'} `, 'm'));
  }
});

test('usage errors: one line, exit 2, no stack trace', async () => {
  for (const [args, re] of [
    [['--', ], /name a command after "--"/],
    [['--delay', 'soon', '--', 'true'], /--delay: "soon" is not a duration/],
    [['--profile', 'nope', '--', 'true'], /no such network profile \(known: .*3g/],
    [['--backend', 'host', '--delay', '5ms', '--', 'true'], why ? /./ : /host backend: the link needs netem, which it lacks/],
  ] as const) {
    const d = await shape([...args]).done;
    assert.is(d.code, 2, `${args.join(' ')}: ${d.err}`);
    assert.is(d.err.trim().split('\n').length, 1, d.err);
    assert.match(d.err, re);
    assert.not.match(d.err, /\n\s+at /);
  }
});

test.run();
