// How the harness reads /__probe/info: strict on protocol, features and defaults; lenient on the
// rest (one warning line each); unknown fields ignored. And a journal that is 404 for a moment.
// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ASSUMED_LIMITS, limitsOf, readInfo } from '../../harness/conformance/info-reader.ts';
import { ProbeClient, TargetError } from '../../harness/conformance/probe-client.ts';

const good = { protocol: 1, server: 's', features: ['send_window'], defaults: { send_window: 65536, send_timeout: 30 }, active_requests: 0 };

test('a complete info is read as it is, unknown fields dropped, no warning', () => {
  const r = readInfo({ ...good, limits: ASSUMED_LIMITS, memory: { rss_bytes: 1 }, vendor: { x: 1 } });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.warnings, []);
  assert.equal(r.info.limits, ASSUMED_LIMITS);
  assert.not.ok('vendor' in r.info);
});

test('limits with fields missing: accepted, the missing ones assumed, one warning', () => {
  const r = readInfo({ ...good, limits: { max_ops: 10 } });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /limits lack max_script_bytes, max_run_seconds, max_scripts, script_ttl_seconds: assuming max_script_bytes 1073741824/);
  assert.equal(limitsOf(r.info), { ...ASSUMED_LIMITS, max_ops: 10 });
});

test('malformed optional parts are dropped with a warning each; missing server and active_requests too', () => {
  const r = readInfo({ protocol: 1, features: [], defaults: { send_window: null, send_timeout: null }, limits: 'none', memory: { rss_bytes: -1 } });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.info.limits, undefined);
  assert.is(r.info.memory, undefined);
  assert.is(r.info.active_requests, undefined);
  assert.is(r.info.server, 'unknown');
  assert.equal(r.info.defaults, { send_window: null, send_timeout: null });
  assert.is(r.warnings.length, 4, r.warnings.join('\n'));
  assert.ok(r.warnings.some((w) => /active_requests \(checks that count active requests are skipped\)/.test(w)));
});

test('protocol, features and defaults must be right', () => {
  for (const [what, body, where] of [
    ['no protocol', { ...good, protocol: undefined }, /^protocol:/],
    ['protocol 2', { ...good, protocol: 2 }, /^protocol:/],
    ['features not a list', { ...good, features: 'all' }, /^features:/],
    ['no defaults', { ...good, defaults: undefined }, /^defaults:/],
    ['a window of 0', { ...good, defaults: { send_window: 0, send_timeout: 1 } }, /^defaults\.send_window:/],
    ['not an object', 'hello', /^\(body\):/],
  ] as const) {
    const r = readInfo(body);
    assert.not.ok(r.ok, what);
    if (!r.ok) assert.match(r.problem, where, what);
  }
});

test('a journal answering 404 right after its run was sent is asked again (up to 2 s), then it is ERR_JOURNAL 404', async () => {
  let asks = 0;
  const journal = { id: 'x', v: 1, done: true, transport: { http: '1.1', tls: false }, effective: { send_window: null, send_timeout: null }, entries: [], samples: [] };
  const server = createServer((req, res) => {
    asks++;
    const late = req.url!.includes('/journal/late') && asks >= 3;
    res.writeHead(late ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(late ? journal : { error: 'no', code: 'ERR_NO_SCRIPT' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const probe = new ProbeClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  try {
    const j = await probe.journal('late');
    assert.is(j.done, true);
    assert.is(asks, 3);
    asks = -1000;
    const t0 = performance.now();
    const err = await probe.journal('never').catch((e: unknown) => e);
    assert.instance(err, TargetError);
    assert.is((err as TargetError).status, 404);
    const ms = performance.now() - t0;
    assert.ok(ms >= 1000 && ms < 5000, `gave up after ${ms} ms`);
  } finally {
    await probe.close();
    server.close();
  }
});

test.run();
