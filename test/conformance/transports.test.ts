// Transports: what a target URL offers, and how the runner treats a transport it cannot run (no
// target for it, or an HTTP/2 transport against a target that does not claim h2): every check of
// it is skipped with the reason, never failed, and the other transports run as before.
//
// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Check } from '../../harness/conformance/check.ts';
import type { ProbeClient } from '../../harness/conformance/probe-client.ts';
import { runConformance, type PreparedTarget } from '../../harness/conformance/runner.ts';
import { isHttp2, isTransportName, transportsFor, TRANSPORT_NAMES } from '../../harness/conformance/transports.ts';
import { pass } from '../../harness/conformance/verdict.ts';
import type { Info } from '../../protocol/index.ts';

test('an http:// target offers h1 and h2c on its port, an https:// target h1tls and h2', () => {
  const plain = transportsFor('http://127.0.0.1:8080/ignored/path');
  assert.equal(plain.map((t) => [t.name, t.http, t.tls, t.url]), [['h1', '1.1', false, 'http://127.0.0.1:8080'], ['h2c', '2', false, 'http://127.0.0.1:8080']]);
  const tls = transportsFor('https://[::1]:8443');
  assert.equal(tls.map((t) => [t.name, t.http, t.tls, t.url]), [['h1tls', '1.1', true, 'https://[::1]:8443'], ['h2', '2', true, 'https://[::1]:8443']]);
  assert.throws(() => transportsFor('ftp://x'), /unsupported URL scheme ftp:/);
  assert.equal([...TRANSPORT_NAMES], ['h1', 'h1tls', 'h2', 'h2c']);
  assert.ok(isTransportName('h2c') && isTransportName('h2') && !isTransportName('h3') && !isTransportName('H2'));
  assert.equal(TRANSPORT_NAMES.filter(isHttp2), ['h2', 'h2c']);
});

function info(features: string[]): Info {
  return { protocol: 1, server: 'fake', features, defaults: { send_window: 1048576, send_timeout: 30 }, active_requests: 0 };
}

/** A target whose probe is never called: the only check here does not use it. */
function prepared(url: string, features: string[]): PreparedTarget[] {
  const probe = { close: async () => {} } as unknown as ProbeClient;
  return transportsFor(url).map((transport) => ({ transport, probe, info: info(features), warnings: [] }));
}

function probeCheck(ran: string[]): Check {
  return {
    id: 'CFG-01', group: 'CFG', level: 'MUST', text: 'a requirement of the test', method: 'records the transport it ran on', interpretations: [], features: [],
    async run(ctx) {
      ran.push(ctx.transport.name);
      return pass();
    },
  };
}

test('HTTP/2 transports against a target without the h2 feature: every check skipped with that reason; h1 runs', async () => {
  const ran: string[] = [];
  const r = await runConformance({ targets: [], checks: [probeCheck(ran)], options: { strict: false, slow: false, fillBytes: 1 << 20 } },
    prepared('http://127.0.0.1:1', ['send_window']));
  assert.equal(ran, ['h1']);
  assert.equal(r.results.map((x) => [x.transport, x.verdict.status]), [['h1', 'pass'], ['h2c', 'skip']]);
  const why = r.results[1]!.verdict;
  assert.ok(why.status === 'skip' && /target does not claim h2 in \/__probe\/info features \(needed by the HTTP\/2 transport h2c\)/.test(why.reason));
  assert.equal(r.targets.map((t) => t.transport), ['h1', 'h2c']);
});

test('with the h2 feature the HTTP/2 transport runs; a transport without a target says which URL to give', async () => {
  const ran: string[] = [];
  const r = await runConformance({ targets: [], transports: ['h2c', 'h2'], checks: [probeCheck(ran)], options: { strict: false, slow: false, fillBytes: 1 << 20 } },
    prepared('http://127.0.0.1:1', ['h2']));
  assert.equal(ran, ['h2c']);
  assert.equal(r.results.map((x) => [x.transport, x.verdict.status]), [['h2c', 'pass'], ['h2', 'skip']], 'in the order asked for');
  const why = r.results[1]!.verdict;
  assert.ok(why.status === 'skip' && /no target for transport h2 \(give an https:\/\/ --target\)/.test(why.reason));
});

test('a check restricted to some transports is skipped elsewhere with its reason', async () => {
  const ran: string[] = [];
  const check = { ...probeCheck(ran), transports: ['h2', 'h2c'] as Check['transports'], notApplicable: 'HTTP/2 only (test)' };
  const r = await runConformance({ targets: [], checks: [check], options: { strict: false, slow: false, fillBytes: 1 << 20 } },
    [...prepared('http://127.0.0.1:1', ['h2']), ...prepared('https://127.0.0.1:2', ['h2'])]);
  assert.equal(ran.sort(), ['h2', 'h2c']);
  const h1 = r.results.find((x) => x.transport === 'h1')!.verdict;
  assert.ok(h1.status === 'skip' && h1.reason === 'does not apply to h1: HTTP/2 only (test)');
  assert.equal(r.results.map((x) => x.transport), ['h1', 'h1tls', 'h2', 'h2c']);
});

test.run();
