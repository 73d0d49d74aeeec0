// Throttled reading: the average rate follows bytes_per_second. Bounds are wide on purpose (a
// noisy 2-core machine must never fail this); the measured rate is printed.
//
// @test weight 5
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H1Connection } from '../../harness/clients/h1-connection.ts';
import { createThrottled } from '../../harness/clients/behaviours/index.ts';
import { eventsOf } from '../../harness/clients/timeline.ts';
import { Cleanup, readRequestHead, sleep, startServer, streamPattern } from './servers.ts';

const cleanup = new Cleanup();
test.after.each(() => cleanup.run());

async function measure(label: string, opts: { rate: number; chunk: number; tls: boolean; ms: number }) {
  const srv = cleanup.add(await startServer(async (s) => {
    await readRequestHead(s);
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 50000000\r\n\r\n');
    streamPattern(s, 50_000_000, { respectBackpressure: true });
  }, { tls: opts.tls }));
  const c = cleanup.add(await H1Connection.open({
    host: '127.0.0.1', port: srv.port, tls: opts.tls,
    behaviour: createThrottled({ bytes_per_second: opts.rate, chunk_bytes: opts.chunk }),
  }));
  c.send({ method: 'GET', path: '/' });
  await c.waitForBytes(1, 5000);
  await sleep(opts.ms);
  const reads = eventsOf(c.timeline, 'bytes');
  const first = reads[0]!;
  const last = reads[reads.length - 1]!;
  // Rate over the window: bytes after the first read, per ms between first and last read.
  const rate = ((last.total - first.total) / (last.t - first.t)) * 1000;
  console.log(`  ${label}: target ${opts.rate} B/s, measured ${rate.toFixed(0)} B/s (${((rate / opts.rate) * 100).toFixed(1)}%) over ${(last.t - first.t).toFixed(0)} ms, ${reads.length} reads, largest ${Math.max(...reads.map((r) => r.count))} B`);
  assert.ok(rate > opts.rate * 0.6 && rate < opts.rate * 1.15, `rate ${rate.toFixed(0)} B/s for a target of ${opts.rate}`);
  assert.ok(eventsOf(c.timeline, 'pause').length > 0, 'it paused');
  return reads;
}

test('throttled 1 MB/s with 16 KiB reads (plain TCP): average rate and exact read sizes', async () => {
  const reads = await measure('tcp 1 MB/s', { rate: 1_000_000, chunk: 16 * 1024, tls: false, ms: 2000 });
  assert.ok(reads.every((r) => r.count <= 16 * 1024), 'no read above chunk_bytes');
});

test('throttled 20 KB/s with 1400-byte reads (plain TCP)', async () => {
  const reads = await measure('tcp 20 KB/s', { rate: 20_000, chunk: 1400, tls: false, ms: 1500 });
  assert.ok(reads.every((r) => r.count <= 1400), 'no read above chunk_bytes');
});

test('throttled 500 KB/s over TLS (record-sized reads, same average)', async () => {
  await measure('tls 500 KB/s', { rate: 500_000, chunk: 16 * 1024, tls: true, ms: 1500 });
});

test('throttled parameters are validated', () => {
  assert.throws(() => createThrottled({ bytes_per_second: -1 }));
  assert.throws(() => createThrottled({ bytes_per_second: 1000, chunk_bytes: 2000, burst_bytes: 1000 }), /burst_bytes/);
});

test.run();
