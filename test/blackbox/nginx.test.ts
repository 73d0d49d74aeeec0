// The BB catalogue against nginx 1.22.1 (Debian nginx-light) with send_timeout,
// client_header_timeout and client_body_timeout 2 s: every check on h1 with those expectations,
// and the ones that differ on TLS on h1tls (the same listen block, ssl http2).
//
// @test alone
// @test weight 21
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseExpect } from '../../harness/blackbox/expect.ts';
import { runBlackbox } from '../../harness/blackbox/runner.ts';
import type { CheckResult } from '../../harness/conformance/runner.ts';
import { startNginx, type RealServer } from './real-servers.ts';

let nginx: RealServer;
const byId = (rs: CheckResult[]) => new Map(rs.map((r) => [r.id, r] as const));
const EXPECT = parseExpect(['send_timeout=2s,header_timeout=2s,body_timeout=2s']);

test.before(async () => {
  nginx = await startNginx();
});
test.after(async () => {
  await nginx?.stop();
});

test('nginx h1: every BB check of HTTP/1.1 passes against its configured 2 s timeouts, with the evidence nginx is known for', async () => {
  const r = await runBlackbox({ url: nginx.http, path: '/big', bodyPath: '/upload', options: { expect: EXPECT, strict: true, crowd: 8 } });
  const v = byId(r.results);
  assert.ok(r.pids.length >= 2, `master and worker found by the listening port: ${r.pids.join(',')}`);
  for (const x of r.results) assert.is(x.verdict.status, x.id.startsWith('BB-H2-') ? 'skip' : 'pass', `${x.id}: ${JSON.stringify(x.verdict)}`);
  // send_timeout: the time between two successive writes; closed with the unsent data queued (FIN_WAIT1).
  const stl = v.get('BB-STL-01')!.verdict.evidence!;
  assert.ok(Math.abs((stl.s_last_write_to_close as number) - 2) < 0.8, `closed ${stl.s_last_write_to_close} s after the last write`);
  assert.is(stl.server_state, 'FIN_WAIT1');
  // sendfile: a stalled client costs nginx next to nothing.
  assert.ok((v.get('BB-STL-02')!.verdict.evidence!.rss_growth_per_client as number) < 512 * 1024);
  // A timed-out request is "terminated with 408" in the docs' words, but nothing is sent: a silent close.
  for (const id of ['BB-REQ-01', 'BB-REQ-02']) {
    const e = v.get(id)!.verdict.evidence!;
    assert.is(e.answer_status, null, `${id} answered nothing`);
    assert.is(e.how, 'fin');
    assert.ok(Math.abs((e.s_held as number) - 2) < 0.8, `${id} held ${e.s_held} s`);
  }
});

test('nginx h1tls (the ssl http2 listener): stalled reader cut at send_timeout, a reset request released', async () => {
  const r = await runBlackbox({ url: nginx.https!, path: '/big', only: 'BB-STL-01,BB-CXL-02', options: { expect: EXPECT, strict: true, crowd: 8 } });
  assert.is(r.targets[0]!.transport, 'h1tls');
  for (const x of r.results) assert.is(x.verdict.status, 'pass', `${x.id}: ${JSON.stringify(x.verdict)}`);
});

test('nginx h2 (ALPN h2 on the ssl http2 listener): windows kept, a held stream stalls no sibling, held streams cheap, a rapid reset burst ended with GOAWAY(NO_ERROR); h2c on the h1 listener: skipped, not HTTP/2 there', async () => {
  const h2 = await runBlackbox({ url: nginx.https!, path: '/big', transports: ['h2'], only: 'BB-H2-*', options: { expect: EXPECT, strict: true, crowd: 8 } });
  const v = byId(h2.results);
  for (const x of h2.results) assert.is(x.verdict.status, 'pass', `${x.id}: ${JSON.stringify(x.verdict)}`);
  assert.is(v.get('BB-H2-01')!.verdict.evidence!.stream_received, 65535, 'it filled the stream window exactly');
  assert.is(v.get('BB-H2-02')!.verdict.evidence!.held_stream_received, 65535, 'the held stream got its window and no more');
  const held = v.get('BB-H2-03')!.verdict.evidence!;
  assert.is(held.streams_held, 200);
  assert.ok((held.rss_growth_per_held_stream as number) < 512 * 1024, `${held.rss_growth_per_held_stream} B per held stream`);
  assert.ok((held.fds_per_held_stream as number) >= 0.9, 'one open file per held stream');
  // keepalive_requests (1000 requests) ends the connection with GOAWAY(NO_ERROR); Debian's backport
  // of the 1.25.3 per-iteration limit refuses streams past 2 x 128 in one read (REFUSED_STREAM: 0 to
  // 129 of them, as the reads fall) and past 129 refusals ends it the same way.
  const rr = v.get('BB-H2-04')!.verdict.evidence!;
  assert.is(rr.goaway, 'NO_ERROR', JSON.stringify(rr));
  assert.ok((rr.pairs_sent as number) < 4000, `stopped by the GOAWAY: ${rr.pairs_sent} pairs`);
  const h2c = await runBlackbox({ url: nginx.http, path: '/big', transports: ['h2c'], only: 'BB-H2-*', options: { expect: EXPECT, strict: true, crowd: 8 } });
  for (const x of h2c.results) assert.is(x.verdict.status, 'skip', `${x.id}: ${JSON.stringify(x.verdict)}`);
});

test.run();
