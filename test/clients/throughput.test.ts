// A reading client keeps up with a fast local server. Only correctness is asserted (every byte
// arrives, in order, matching the pattern); the rate is printed, never checked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H1Connection, type ReadMode } from '../../harness/clients/h1-connection.ts';
import { firstMismatch } from '../../protocol/index.ts';
import { Cleanup, PATTERN_BLOCK, readRequestHead, startServer, streamPattern } from './servers.ts';

const cleanup = new Cleanup();
test.after.each(() => cleanup.run());

async function readAll(label: string, total: number, opts: { tls: boolean; readMode?: ReadMode; check: boolean }) {
  const srv = cleanup.add(await startServer(async (s) => {
    await readRequestHead(s);
    s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
    streamPattern(s, total, { respectBackpressure: true });
  }, { tls: opts.tls }));
  let mismatch = -1;
  const c = cleanup.add(await H1Connection.open({
    host: '127.0.0.1', port: srv.port, tls: opts.tls, storeBodyCap: 0, ...(opts.readMode ? { readMode: opts.readMode } : {}),
    ...(opts.check ? {
      onBody: (_r, chunk: Buffer, offset: number) => {
        if (mismatch < 0) {
          const m = firstMismatch(0, offset, chunk);
          if (m >= 0) mismatch = offset + m;
        }
      },
    } : {}),
  }));
  const t0 = performance.now();
  c.send({ method: 'GET', path: '/' });
  const r = await c.waitForResponse(0, 120_000);
  const s = (performance.now() - t0) / 1000;
  const reads = c.timeline.filter((e) => e.type === 'bytes').length;
  console.log(`  ${label}: ${(total / 1e6).toFixed(0)} MB in ${s.toFixed(2)} s = ${(total / 1e6 / s).toFixed(0)} MB/s (${reads} reads, server in the same process${opts.check ? ', pattern checked' : ''})`);
  assert.is(r.completion, 'complete');
  assert.is(r.bodyBytes, total);
  assert.is(mismatch, -1, 'pattern intact');
}

const BIG = PATTERN_BLOCK.length * 800; // ~205 MB, whole pattern blocks

test('reading client, plain TCP (onread): ~200 MB intact', () => readAll('tcp/onread', BIG, { tls: false, check: true }));
test('reading client, plain TCP (stream): ~200 MB intact', () => readAll('tcp/stream', BIG, { tls: false, readMode: 'stream', check: true }));
test('reading client, plain TCP, no pattern check: ~200 MB', () => readAll('tcp/onread unchecked', BIG, { tls: false, check: false }));
test('reading client, TLS: ~50 MB intact', () => readAll('tls', PATTERN_BLOCK.length * 200, { tls: true, check: true }));

test.run();
