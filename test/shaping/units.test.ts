// The shaping module's pure parts: the typed tc builder's argv, planning per backend, tc's JSON read
// back and checked, modules.dep ordering, the guest's init script, flags, network profiles.
//
// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { netemArgs, qdiscCommands, sizeLimit, tbfArgs, TcOptionError } from '../../harness/shaping/tc-argv.ts';
import { planDirection, PlanError } from '../../harness/shaping/plan.ts';
import { parseQdiscs, verifyApplied } from '../../harness/shaping/readback.ts';
import { insmodOrder, parseModulesDep } from '../../harness/shaping/uml-modules.ts';
import { initScript } from '../../harness/shaping/uml-init.ts';
import { sq } from '../../harness/shaping/shell-quote.ts';
import { applyFlags, FlagError, parseDuration } from '../../harness/shaping/flags.ts';
import { loadNetworkProfile, NETWORK_PROFILE_DIR, parseNetworkProfileText, resolveLink } from '../../harness/shaping/network-profile.ts';
import { qdiscsNeeded } from '../../harness/shaping/spec.ts';
import { formatProblem } from '../../harness/clients/profiles.ts';
import { rttOf, retarget } from '../../harness/cli/conformance-shaped.ts';

test('netem argv: every option in tc\'s order and units', () => {
  assert.equal(netemArgs({
    kind: 'netem', limit: 5000, delayMs: 100, jitterMs: 10, delayCorrelationPct: 25, distribution: 'normal',
    loss: { model: 'random', pct: 1, correlationPct: 25 }, duplicatePct: 0.5, corruptPct: 0.1,
    reorder: { pct: 25, correlationPct: 50, gap: 5 }, rate: { bitsPerSecond: 750_000, packetOverheadBytes: -20 },
    slot: { minDelayMs: 1, maxDelayMs: 10, packets: 32, bytes: 65536 },
  }), ['limit', '5000', 'delay', '100000us', '10000us', '25%', 'distribution', 'normal', 'loss', 'random', '1%', '25%',
    'duplicate', '0.5%', 'corrupt', '0.1%', 'reorder', '25%', '50%', 'gap', '5', 'rate', '750000bit', '-20',
    'slot', '1000us', '10000us', 'packets', '32', 'bytes', '65536']);
  assert.equal(netemArgs({ kind: 'netem', delayMs: 0.25 }), ['delay', '250us']);
  // uniform is the kernel's default: no table is named (tc has no uniform.dist)
  assert.equal(netemArgs({ kind: 'netem', delayMs: 50, jitterMs: 5, distribution: 'uniform' }), ['delay', '50000us', '5000us']);
  assert.equal(netemArgs({ kind: 'netem', loss: { model: 'state', p13: 1, p31: 80 } }), ['loss', 'state', '1%', '80%']);
  assert.equal(netemArgs({ kind: 'netem', loss: { model: 'gemodel', p: 1, r: 10, oneMinusH: 70, oneMinusK: 0.1 } }), ['loss', 'gemodel', '1%', '10%', '70%', '0.1%']);
});

test('netem options tc or the kernel would refuse are refused here, by name', () => {
  const bad: Array<[Parameters<typeof netemArgs>[0], RegExp]> = [
    [{ kind: 'netem', loss: { model: 'random', pct: 101 } }, /loss: 101/],
    [{ kind: 'netem', delayMs: -1 }, /delay: -1/],
    [{ kind: 'netem', reorder: { pct: 5 } }, /reorder needs a delay/],
    [{ kind: 'netem', delayMs: 10, distribution: 'pareto' }, /needs a jitter/],
    [{ kind: 'netem', loss: { model: 'state', p13: 1, p32: 3 } }, /later probability/],
    [{ kind: 'netem', slot: { minDelayMs: 5, maxDelayMs: 1 } }, /max delay is below/],
    [{ kind: 'netem' }, /nothing to do/],
  ];
  for (const [o, re] of bad) assert.throws(() => netemArgs(o), (e: Error) => e instanceof TcOptionError && re.test(e.message), re.source);
  assert.throws(() => tbfArgs({ kind: 'tbf', bitsPerSecond: 1e6, burstBytes: 100, latencyMs: 50 }), /below one packet/);
});

test('tbf and htb commands; one replace per qdisc, htb with its class', () => {
  assert.equal(qdiscCommands('dawdle-3', { kind: 'tbf', bitsPerSecond: 64_000, burstBytes: 3000, latencyMs: 12000 }),
    [['qdisc', 'replace', 'dev', 'dawdle-3', 'root', 'handle', '1:', 'tbf', 'rate', '64000bit', 'burst', '3000', 'latency', '12000000us']]);
  assert.equal(qdiscCommands('veth0', { kind: 'htb', bitsPerSecond: 1e6 }), [
    ['qdisc', 'replace', 'dev', 'veth0', 'root', 'handle', '1:', 'htb', 'default', '1'],
    ['class', 'replace', 'dev', 'veth0', 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '1000000bit', 'ceil', '1000000bit'],
  ]);
});

test('limit is sized for rate x delay, never below tc\'s 1000', () => {
  assert.is(sizeLimit({ bitsPerSecond: 1.6e6, delayMs: 150 }), 1000);
  assert.is(sizeLimit({ bitsPerSecond: 100e6, delayMs: 750 }), 12500); // 2 x 9.375 MB / 1500
  assert.is(sizeLimit({ delayMs: 100 }), 16667); // no rate: a 1 Gbit/s sender
});

test('planning: netem does everything; without it only a rate (tbf), anything else is refused', () => {
  const all = new Set(['netem', 'tbf', 'htb'] as const);
  const hostKinds = new Set(['tbf', 'htb'] as const);
  const q = planDirection({ bitsPerSecond: 1.6e6, delayMs: 150, jitterMs: 10 }, all, 'down');
  assert.equal(q, { kind: 'netem', limit: 1000, delayMs: 150, jitterMs: 10, distribution: 'normal', rate: { bitsPerSecond: 1.6e6 } });
  assert.equal(planDirection({ bitsPerSecond: 64_000 }, hostKinds, 'down'), { kind: 'tbf', bitsPerSecond: 64_000, burstBytes: 3000, latencyMs: 12000 });
  assert.is(planDirection({}, hostKinds, 'up'), null);
  assert.throws(() => planDirection({ delayMs: 5 }, hostKinds, 'up (client -> host)'), (e: Error) => e instanceof PlanError && /up \(client -> host\): needs netem/.test(e.message));
  assert.equal([...qdiscsNeeded({ name: 'x', down: { bitsPerSecond: 1 }, up: {}, sysctls: {} })], ['tbf']);
  assert.equal([...qdiscsNeeded({ name: 'x', down: { bitsPerSecond: 1 }, up: { delayMs: 1 }, sysctls: {} })].sort(), ['netem', 'tbf']);
});

// Captured from `tc -s -j qdisc show` (iproute2 6.1): tbf on the host, netem in the guest.
const TBF_JSON = '[{"kind":"tbf","handle":"1:","root":true,"refcnt":3,"options":{"rate":125000,"burst":10240,"lat":50000},"bytes":1500,"packets":1,"drops":2,"overlimits":3,"requeues":0,"backlog":66,"qlen":1}]';
const NETEM_JSON = '[{"kind":"netem","handle":"1:","root":true,"refcnt":2,"options":{"limit":1000,"delay":{"delay":0.15,"jitter":0,"correlation":0},"ecn":false,"gap":0,"rate":{"rate":200000,"packetoverhead":0,"cellsize":0,"celloverhead":0}},"bytes":134919,"packets":90,"drops":0,"overlimits":0,"requeues":0,"backlog":0,"qlen":0}]';

test('read back: options in plain units and counters; asked vs applied compared', () => {
  const [t] = parseQdiscs('dawdle-3', TBF_JSON);
  assert.equal(t, { dev: 'dawdle-3', kind: 'tbf', options: { rate_bps: 1e6, burst_bytes: 10240, latency_ms: 50 },
    counters: { bytes: 1500, packets: 1, drops: 2, overlimits: 3, backlog_bytes: 66, qlen: 1 } });
  const n = parseQdiscs('va', NETEM_JSON);
  assert.is(n[0]!.options.delay_ms, 150);
  assert.is(n[0]!.options.rate_bps, 1.6e6);
  assert.equal(verifyApplied({ kind: 'netem', delayMs: 150, limit: 1000, rate: { bitsPerSecond: 1.6e6 } }, n), []);
  assert.equal(verifyApplied({ kind: 'netem', delayMs: 100 }, n), ['va netem delay_ms: asked 100, kernel has 150']);
  assert.equal(verifyApplied({ kind: 'tbf', bitsPerSecond: 1e6, burstBytes: 3000, latencyMs: 50 }, n), ['va: expected a tbf qdisc, found netem']);
  assert.throws(() => parseQdiscs('x', 'Cannot find device'), /not JSON/);
});

test('modules.dep: dependencies first, each once', () => {
  const dep = parseModulesDep([
    'kernel/net/bridge/bridge.ko: kernel/net/802/stp.ko kernel/net/llc/llc.ko kernel/net/ipv6/ipv6.ko',
    'kernel/net/802/stp.ko: kernel/net/llc/llc.ko',
    'kernel/net/llc/llc.ko:',
    'kernel/net/ipv6/ipv6.ko:',
    'kernel/net/sched/sch_netem.ko:',
  ].join('\n'));
  assert.equal(insmodOrder(dep, ['bridge', 'sch_netem', 'stp']), [
    'kernel/net/llc/llc.ko', 'kernel/net/802/stp.ko', 'kernel/net/ipv6/ipv6.ko', 'kernel/net/bridge/bridge.ko', 'kernel/net/sched/sch_netem.ko',
  ]);
  assert.throws(() => insmodOrder(dep, ['sch_fq']), /sch_fq is not in modules.dep/);
});

test('the guest init script quotes every value it is given', () => {
  assert.is(sq("it's"), `'it'\\''s'`);
  const s = initScript({
    shared: '/tmp/d x', moduleDir: '/usr/lib/uml/modules/6.1', modules: ['kernel/net/sched/sch_netem.ko'], clientAddress: '198.18.7.2',
    prefixLength: 24, sysctls: { tcpRmem: [4096, 65536, 262144] }, downTc: [['qdisc', 'replace', 'dev', 'va', 'root', 'netem', 'delay', '1000us']], upTc: [],
    argv: ['sh', '-c', 'echo "$DAWDLE_HOST"; rm -rf /; echo \'q\''], env: { A: "x'y", 'BAD NAME': 'z', DAWDLE_HOST: '198.18.7.1' }, cwd: '/work',
  });
  assert.ok(s.includes(`S='/tmp/d x'`));
  assert.ok(s.includes(`'sh' '-c' 'echo "$DAWDLE_HOST"; rm -rf /; echo '\\''q'\\'''`), 'argv quoted');
  assert.ok(s.includes(`'A=x'\\''y'`) && !s.includes('BAD NAME'), 'env quoted, bad names dropped');
  assert.ok(s.includes(`sysctl -q -w 'net.ipv4.tcp_rmem=4096 65536 262144'`));
  assert.ok(s.includes(`tc 'qdisc' 'replace' 'dev' 'va' 'root' 'netem' 'delay' '1000us'`));
});

test('flags: durations, rates, percentages; one-way delay on both directions; bad values name their flag', () => {
  assert.is(parseDuration('delay', '1.5s'), 1500);
  assert.is(parseDuration('delay', '250us'), 0.25);
  const l = applyFlags(null, { delay: '100ms', jitter: '10ms', rate: '750kbit', 'up-rate': '256kbit', loss: '1%', 'tcp-rmem': '4096,16384,65536' });
  assert.equal(l.down, { delayMs: 100, jitterMs: 10, bitsPerSecond: 750_000, loss: { model: 'random', pct: 1 } });
  assert.equal(l.up, { delayMs: 100, jitterMs: 10, bitsPerSecond: 256_000, loss: { model: 'random', pct: 1 } });
  assert.equal(l.sysctls, { tcpRmem: [4096, 16384, 65536] });
  for (const [f, re] of [[{ delay: 'soon' }, /--delay: "soon"/], [{ rate: 'fast' }, /--rate: "fast"/], [{ loss: '120%' }, /--loss/],
    [{ reorder: '5%' }, /--reorder needs --delay/], [{ 'tcp-rmem': '1,2' }, /--tcp-rmem/]] as const) {
    assert.throws(() => applyFlags(null, f), (e: Error) => e instanceof FlagError && re.test(e.message), re.source);
  }
});

test('every shipped network profile loads, cites its sources and asks for a real link', async () => {
  const files = readdirSync(NETWORK_PROFILE_DIR).filter((f) => f.endsWith('.yaml'));
  const names = files.map((f) => f.slice(0, -5));
  for (const n of ['gprs', 'edge', '3g', '3g-slow', '4g', 'lte', 'cable', 'dsl', 'satellite', 'lossy-wifi', 'bursty-lte']) assert.ok(names.includes(n), n);
  for (const f of files) {
    const p = await loadNetworkProfile(join(NETWORK_PROFILE_DIR, f));
    assert.is(`${p.profile.name}.yaml`, f);
    assert.ok(p.profile.sources.length >= 1 && p.profile.sources.every((s) => s.length > 20), f);
    assert.ok(qdiscsNeeded(p.link).size > 0, f);
  }
  const g = await loadNetworkProfile(join(NETWORK_PROFILE_DIR, '3g.yaml'));
  assert.equal(g.link.down, { bitsPerSecond: 1.6e6, delayMs: 150 });
  assert.equal(g.link.up, { bitsPerSecond: 768_000, delayMs: 150 });
  assert.is(rttOf(g.link), 300);
  const b = await loadNetworkProfile(join(NETWORK_PROFILE_DIR, 'bursty-lte.yaml'));
  assert.equal(b.link.down.slot, { minDelayMs: 1, maxDelayMs: 10 });
});

test('a broken network profile reports every problem at once, at file:line:field', () => {
  const r = parseNetworkProfileText([
    'name: Bad Name',
    'description: x',
    'sources: []',
    'down:',
    '  rate: fast',
    '  delay_ms: -3',
    '  reorder: { pct: 5 }',
    'up:',
    '  loss: { model: bursty }',
    '  colour: blue',
  ].join('\n'), 'bad.yaml');
  assert.ok(!r.ok);
  const lines = r.ok ? [] : r.problems.map(formatProblem);
  for (const want of [
    'bad.yaml: name: expected lowercase letters, digits, ".", "_" or "-" (at most 64) (line 1)',
    'bad.yaml: sources: required: where every number comes from (a list) (line 3)',
    'bad.yaml: down.rate: expected a rate like "750kbit", "5mbit" or "100kbps" (line 5)',
    'bad.yaml: down.delay_ms: expected a number of milliseconds >= 0 (line 6)',
    'bad.yaml: up.colour: unknown field (line 10)',
  ]) assert.ok(lines.includes(want), `${want}\n  in:\n${lines.join('\n')}`);
  assert.ok(lines.some((l) => l.startsWith('bad.yaml: up.loss') && l.endsWith('(line 9)')), lines.join('\n'));
});

test('a loopback target is reached at the link\'s host address', () => {
  assert.is(retarget('http://127.0.0.1:8080', '198.18.4.1'), 'http://198.18.4.1:8080');
  assert.is(retarget('https://localhost:8443/', '198.18.4.1'), 'https://198.18.4.1:8443');
  assert.is(retarget('http://10.0.0.5:80', '198.18.4.1'), 'http://10.0.0.5');
});

test('a client profile gives its link: by network profile name (3g), or its own numbers the same both ways (bursty-wifi)', async () => {
  const byName = await resolveLink('profiles/3g.yaml');
  assert.equal(byName.down, { bitsPerSecond: 1.6e6, delayMs: 150 });
  const own = await resolveLink('bursty-wifi');
  assert.is(own.name, 'bursty-wifi');
  assert.equal(own.down, { delayMs: 5, jitterMs: 3, loss: { model: 'random', pct: 0.1 } });
  assert.equal(own.up, own.down);
  try {
    await resolveLink('stalled');
    assert.unreachable('a client profile without network');
  } catch (e) {
    assert.match((e as Error).message, /stalled.yaml: network: this client profile has no network section/);
  }
});

test.run();
