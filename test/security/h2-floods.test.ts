// Issue 15, items 1-3 and 6: one HTTP/2 client must not take the reference server down. Each
// attack is bounded in count and time; during it a canary HTTP/1.1 client must still be served,
// and afterwards the server's RSS and descriptors return near where they were, active_requests
// to 0, and every refusal is a GOAWAY or RST_STREAM code.
// @test weight 20
// @test alone
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCode, FrameType, Flag, pingFrame, rawFrame, rstStreamFrame, settingsFrame } from '../../harness/clients/h2/index.ts';
import { FloodClient } from './h2raw.ts';
import { MB, canary, fds, info, rss, startTarget, until, type Target } from './lib.ts';

let t: Target;
let baseFds = 0;
let baseRss = 0;

test.before(async () => {
  t = await startTarget();
  await canary(t.port);
  await new Promise((r) => setTimeout(r, 300));
  baseFds = fds(t.pid);
  baseRss = rss(t.pid);
});
test.after(async () => t.stop());

async function settled(what: string): Promise<void> {
  await until(() => fds(t.pid) <= baseFds + 2, `${what}: descriptors back near ${baseFds} (now ${fds(t.pid)})`, 15_000);
  await until(async () => (await info(t.port)).active_requests === 0, `${what}: active_requests back to 0`, 15_000);
  const grown = rss(t.pid) - baseRss;
  assert.ok(grown < 150 * MB, `${what}: RSS grew ${Math.round(grown / MB)} MB`);
  console.log(`  ${what}: afterwards RSS +${Math.round(grown / MB)} MB over the start, descriptors ${fds(t.pid)} (start ${baseFds})`);
}

for (const overTls of [false, true]) {
  test(`CONTINUATION flood (empty frames${overTls ? ', over TLS' : ''}) -> GOAWAY ENHANCE_YOUR_CALM, canary served`, async () => {
    const a = await FloodClient.open(overTls ? t.tlsPort : t.port, { tls: overTls });
    const block = a.request('/hello');
    // HEADERS without END_HEADERS, then empty CONTINUATIONs (bounded: 200k frames, 1.8 MB, 10 s).
    await a.write(rawFrame(FrameType.HEADERS, Flag.END_STREAM, 1, block));
    const empty = rawFrame(FrameType.CONTINUATION, 0, 1);
    const batch = Buffer.concat(Array.from({ length: 2000 }, () => empty));
    const end = performance.now() + 10_000;
    for (let i = 0; i < 100 && !a.closed && a.goaways.length === 0 && performance.now() < end; i++) await a.write(batch);
    const code = await a.waitGoaway(5000);
    assert.is(code, ErrorCode.ENHANCE_YOUR_CALM, 'GOAWAY(ENHANCE_YOUR_CALM)');
    assert.ok((await canary(t.port)) < 3000);
    a.close();
    await settled('CONTINUATION flood');
  });
}

for (const [name, frame] of [['PING', pingFrame(Buffer.alloc(8))], ['SETTINGS', settingsFrame([[4, 65535]])]] as const) {
  test(`${name} flood from a client that never reads: the connection is closed, memory bounded`, async () => {
    const c = await FloodClient.open(t.port, { read: false });
    const batch = Buffer.concat(Array.from({ length: 5000 }, () => frame));
    const end = performance.now() + 10_000;
    // Up to 400k frames; the server closes the connection once its answers pile up.
    for (let i = 0; i < 80 && !c.closed && performance.now() < end; i++) {
      await Promise.race([c.write(batch), new Promise((r) => setTimeout(r, 1000))]);
    }
    await until(() => c.closed || c.sock.writableLength > 0 && fds(t.pid) <= baseFds, `${name} flood: connection closed by the server`, 10_000);
    assert.ok((await canary(t.port)) < 3000);
    c.close();
    await settled(`${name} flood`);
  });
}

test('rapid reset (CVE-2023-44487): HEADERS+RST_STREAM loop -> GOAWAY ENHANCE_YOUR_CALM, canary served', async () => {
  const c = await FloodClient.open(t.port);
  const block = c.request('/hello');
  let id = 1;
  const end = performance.now() + 10_000;
  let worst = 0;
  // Up to 20k pairs in batches of 500; the canary asks in between.
  for (let b = 0; b < 40 && c.goaways.length === 0 && !c.closed && performance.now() < end; b++) {
    const out: Buffer[] = [];
    for (let i = 0; i < 500; i++, id += 2) out.push(c.headersFrames(id, block, true), rstStreamFrame(id, ErrorCode.CANCEL));
    await c.write(Buffer.concat(out));
    if (b % 5 === 0) worst = Math.max(worst, await canary(t.port));
  }
  const code = await c.waitGoaway(5000);
  assert.is(code, ErrorCode.ENHANCE_YOUR_CALM, 'GOAWAY(ENHANCE_YOUR_CALM)');
  assert.ok(worst < 3000, `canary took ${Math.round(worst)} ms`);
  console.log(`  rapid reset: GOAWAY after ${(id - 1) / 2} HEADERS+RST pairs sent; slowest canary ${Math.round(worst)} ms`);
  c.close();
  await settled('rapid reset');
});

test('HPACK bomb: 1-byte references to a 4 KB table entry stop decoding at 4x max_head_bytes (GOAWAY ENHANCE_YOUR_CALM), CPU bounded', async () => {
  const c = await FloodClient.open(t.port);
  const lit = (s: string): Buffer => Buffer.concat([Buffer.from([s.length < 127 ? s.length : 127, ...(s.length < 127 ? [] : intTail(s.length - 127))]), Buffer.from(s)]);
  // Literal with incremental indexing (new name): dynamic entry 62 of ~4 KB; then 100,000
  // indexed references to it (0x80 | 62): ~400 MB once decoded, in a ~104 KB block.
  const block = Buffer.concat([c.request('/hello'), Buffer.from([0x40]), lit('x-big'), lit('a'.repeat(4000)), Buffer.alloc(100_000, 0x80 | 62)]);
  const t0 = performance.now();
  await c.write(c.headersFrames(1, block, true));
  assert.is(await c.waitGoaway(5000), ErrorCode.ENHANCE_YOUR_CALM);
  assert.ok(performance.now() - t0 < 3000, `took ${Math.round(performance.now() - t0)} ms`);
  assert.ok((await canary(t.port)) < 3000);
  c.close();
  await settled('HPACK bomb');
});

/** The continuation bytes of an HPACK integer whose prefix is full (RFC 7541 5.1). */
function intTail(v: number): number[] {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

test('max_concurrent_streams holds with window 0: finished responses waiting for window count (REFUSED_STREAM past 100)', async () => {
  const c = await FloodClient.open(t.port, { settings: [[4, 0]] }); // SETTINGS_INITIAL_WINDOW_SIZE 0
  const block = c.request('/stream', []);
  const out: Buffer[] = [];
  for (let i = 0, id = 1; i < 600; i++, id += 2) out.push(c.headersFrames(id, block, true));
  await c.write(Buffer.concat(out));
  await until(() => c.resets.size >= 500, `REFUSED_STREAM for the streams past 100 (got ${c.resets.size})`, 10_000);
  const refused = [...c.resets.values()].filter((v) => v === ErrorCode.REFUSED_STREAM).length;
  assert.ok(refused >= 500, `${refused} REFUSED_STREAM`);
  // The server still answers everyone else, info included.
  const i = await info(t.port);
  assert.ok(i.active_requests <= 100, `active_requests ${i.active_requests}`);
  assert.ok((await canary(t.port)) < 3000);
  c.close();
  await settled('window-0 streams');
});

test.run();
