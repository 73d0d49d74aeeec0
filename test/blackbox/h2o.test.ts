// The BB catalogue against h2o 2.2.5 (Debian) with http1-request-timeout 2 s. In 2.2.5's
// lib/http1.c the request timeout runs from the start of reading a request (headers and body: a
// deadline, not reset by each byte) and is unset once the request is handed to a handler: no
// timeout covers writing the response, so a stalled reader is kept.
//
// @test alone
// @test weight 20
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseExpect } from '../../harness/blackbox/expect.ts';
import { runBlackbox } from '../../harness/blackbox/runner.ts';
import { startH2o, type RealServer } from './real-servers.ts';

let h2o: RealServer;

test.before(async () => {
  h2o = await startH2o({ requestTimeoutS: 2 });
});
test.after(async () => {
  await h2o?.stop();
});

test('h2o 2.2.5 h1: slow requests cut at http1-request-timeout (silent close), a stalled reader never; cancellation released', async () => {
  const r = await runBlackbox({
    url: h2o.http, path: '/big', only: 'BB-STL-01,BB-CXL-*,BB-REQ-*',
    options: { expect: parseExpect(['header_timeout=2s,body_timeout=2s']), strict: false, crowd: 8 },
  });
  const v = new Map(r.results.map((x) => [x.id, x.verdict] as const));
  const stl = v.get('BB-STL-01')!;
  assert.is(stl.status, 'skip', `no send timeout: a SHOULD finding, skipped without --strict: ${JSON.stringify(stl)}`);
  assert.is(stl.evidence!.closed_by_server, false);
  for (const id of ['BB-CXL-01', 'BB-CXL-02', 'BB-REQ-01', 'BB-REQ-02']) assert.is(v.get(id)!.status, 'pass', `${id}: ${JSON.stringify(v.get(id))}`);
  assert.is(v.get('BB-REQ-01')!.evidence!.answer_status, null);
});

test('h2o 2.2.5 h1tls: the same request deadline over TLS', async () => {
  const r = await runBlackbox({ url: h2o.https!, path: '/big', only: 'BB-REQ-01', options: { expect: parseExpect(['header_timeout=2s']), strict: true, crowd: 8 } });
  assert.is(r.results[0]!.transport, 'h1tls');
  assert.is(r.results[0]!.verdict.status, 'pass', JSON.stringify(r.results[0]!.verdict));
});

test('h2o 2.2.5 h2 and h2c (prior knowledge on the plain port): windows kept, a held stream stalls no sibling; h2c: held streams cheap, a rapid reset burst taken whole and survived', async () => {
  for (const [url, t, only] of [[h2o.https!, 'h2', 'BB-H2-01,BB-H2-02'], [h2o.http, 'h2c', 'BB-H2-*']] as const) {
    const r = await runBlackbox({ url, path: '/big', transports: [t], only, options: { expect: {}, strict: true, crowd: 8 } });
    const v = new Map(r.results.map((x) => [x.id, x.verdict] as const));
    for (const x of r.results) {
      assert.is(x.transport, t);
      assert.is(x.verdict.status, 'pass', `${t} ${x.id}: ${JSON.stringify(x.verdict)}`);
    }
    assert.is(v.get('BB-H2-01')!.evidence!.stream_excess, 0);
    assert.is(v.get('BB-H2-02')!.evidence!.held_stream_received, 65535);
    if (t === 'h2c') {
      assert.ok((v.get('BB-H2-03')!.evidence!.rss_growth_per_held_stream as number) < 256 * 1024, JSON.stringify(v.get('BB-H2-03')));
      // 2.2.5 has no budget for resets (its 2019 fixes bound what it queues, not what a client resets):
      // every pair is taken, every request started, and no GOAWAY; the canaries are served regardless.
      const rr = v.get('BB-H2-04')!.evidence!;
      assert.is(rr.goaway, null, JSON.stringify(rr));
      assert.is(rr.pairs_sent, 4000);
    }
  }
});

test.run();
