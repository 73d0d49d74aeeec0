// The BB catalogue against node:http (the running Node): default settings, server.timeout set, and
// a handler that streams with .pipe() (which leaves the file open when the client goes away); and
// python3's single-threaded http.server, which a stalled reader blocks for everyone.
//
// @test alone
// @test weight 36
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseExpect } from '../../harness/blackbox/expect.ts';
import { runBlackbox } from '../../harness/blackbox/runner.ts';
import type { CheckResult } from '../../harness/conformance/runner.ts';
import { startBlockingPython, startNode, startNodeH2, type RealServer } from './real-servers.ts';

const byId = (rs: CheckResult[]) => new Map(rs.map((r) => [r.id, r] as const));

async function withNode<T>(timeoutMs: number | undefined, o: { pipe?: boolean }, f: (s: RealServer) => Promise<T>): Promise<T> {
  const s = await startNode(timeoutMs, o);
  try {
    return await f(s);
  } finally {
    await s.stop();
  }
}

test('node:http defaults: never cuts a stalled reader (a SHOULD finding, failed under --strict); releases cancelled requests', async () => {
  await withNode(undefined, {}, async (s) => {
    const r = await runBlackbox({ url: s.http, path: '/big', only: 'BB-STL-01,BB-CXL-*,BB-ISO-01', options: { expect: {}, strict: true, crowd: 8 } });
    const v = byId(r.results);
    assert.equal(r.pids, [s.pid]);
    const stl = v.get('BB-STL-01')!.verdict;
    assert.is(stl.status, 'fail', JSON.stringify(stl));
    assert.is(stl.evidence!.closed_by_server, false);
    assert.ok((stl.evidence!.bytes_pushed as number) > 1_000_000, 'the kernel buffers filled');
    assert.is(v.get('BB-CXL-01')!.verdict.status, 'pass', JSON.stringify(v.get('BB-CXL-01')!.verdict));
    assert.is(v.get('BB-CXL-02')!.verdict.status, 'pass', JSON.stringify(v.get('BB-CXL-02')!.verdict));
    assert.is(v.get('BB-ISO-01')!.verdict.status, 'pass', JSON.stringify(v.get('BB-ISO-01')!.verdict));
  });
});

test('node:http server.timeout=2000: an idle timeout (a stalled reader cut in [T, 2T] after its last write, a stalled body cut at T), a progressing reader kept', async () => {
  await withNode(2000, {}, async (s) => {
    // net.Socket#_onTimeout re-arms once when the write queue moved since the last check: the
    // stalled reader is cut 2 x server.timeout after the last write, hence send_timeout=4s.
    const r = await runBlackbox({
      url: s.http, path: '/big', only: 'BB-STL-01,BB-SLR-01,BB-REQ-02',
      options: { expect: parseExpect(['send_timeout=4s,body_timeout=2s']), strict: true, crowd: 8 },
    });
    for (const x of r.results) assert.is(x.verdict.status, 'pass', `${x.id}: ${JSON.stringify(x.verdict)}`);
    assert.is(byId(r.results).get('BB-REQ-02')!.verdict.evidence!.answer_status, null, 'a silent close, no 408');
  });
});

test('node:http streaming with .pipe(): a cancelled request leaves the file open (BB-CXL-01 fails on the fd count)', async () => {
  await withNode(undefined, { pipe: true }, async (s) => {
    const r = await runBlackbox({ url: s.http, path: '/big', only: 'BB-CXL-01', options: { expect: {}, strict: false, crowd: 8 } });
    const x = r.results[0]!.verdict;
    assert.is(x.status, 'fail', JSON.stringify(x));
    assert.is(x.evidence!.process_let_go_ms, 0, 'the socket itself was let go');
    assert.ok((x.evidence!.fds_after as number) > (x.evidence!.fds_before as number));
  });
});

test('node:http2 (nghttp2): a rapid reset burst ended by a GOAWAY; 2 MiB handed to res.end() per request is kept for each held stream (BB-H2-03 fails under --strict); responses one at a time stall a sibling (BB-H2-02 fails)', async () => {
  const s = await startNodeH2();
  try {
    // First, on the fresh process (memory freed by a run before is reused, and hides growth).
    const held = await runBlackbox({ url: s.https!, path: '/buffered', transports: ['h2'], only: 'BB-H2-03', options: { expect: {}, strict: true, crowd: 8, heldStreams: 16 } });
    const x = held.results[0]!.verdict;
    assert.is(x.status, 'fail', JSON.stringify(x));
    assert.ok((x.evidence!.rss_growth_per_held_stream as number) > 1024 * 1024, JSON.stringify(x.evidence));
    // nghttp2's stream reset rate limit (since Node 20.8.1) ends the attacker's session with a GOAWAY.
    const rr = (await runBlackbox({ url: s.https!, path: '/big', transports: ['h2'], only: 'BB-H2-04', options: { expect: {}, strict: true, crowd: 8 } })).results[0]!.verdict;
    assert.is(rr.status, 'pass', JSON.stringify(rr));
    assert.ok(rr.evidence!.goaway !== null, JSON.stringify(rr));
    // One response at a time: the held stream holds its sibling back (BB-H2-02 fails, once: far past the bound).
    const serial = await runBlackbox({ url: s.https!, path: '/serial', transports: ['h2'], only: 'BB-H2-02', options: { expect: {}, strict: true, crowd: 8 } });
    const y = serial.results[0]!.verdict;
    assert.is(y.status, 'fail', JSON.stringify(y));
    assert.is(y.evidence!.bytes_beside_held, 0, JSON.stringify(y.evidence));
  } finally {
    await s.stop();
  }
});

test('python3 http.server.HTTPServer (one request at a time, blocking writes): stalled readers starve a fast client (BB-ISO-01 fails)', async () => {
  const s = await startBlockingPython();
  try {
    const r = await runBlackbox({ url: s.http, path: '/big', only: 'BB-ISO-01', options: { expect: {}, strict: false, crowd: 4 } });
    const x = r.results[0]!.verdict;
    assert.is(x.status, 'fail', JSON.stringify(x));
    assert.ok((x.evidence!.p99_with_crowd_ms as number) >= 1000, JSON.stringify(x.evidence));
  } finally {
    await s.stop();
  }
});

test.run();
