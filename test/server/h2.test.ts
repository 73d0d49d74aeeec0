// The reference server's HTTP/2: h2c with prior knowledge beside HTTP/1.1 on the plain port, h2 by
// ALPN on TLS, the HTTP/2 meaning of `sent` (bytes in DATA frames the client's windows allowed),
// stream-level cancellation, stream limits and response endings. The client is the harness's
// frame-level simulator, which keeps flow control in the test's hands and records every RFC 9113
// breach as a violation; node:http2 checks interoperability with a common client.
//
// @test weight 24
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http2 from 'node:http2';
import { request } from 'undici';
import net from 'node:net';
import { CLIENT_PREFACE, H2Connection, HeaderEncoder, headersFrames, settingsFrame, type H2Stream } from '../../harness/clients/h2/index.ts';
import { createReading, createStalled } from '../../harness/clients/behaviours/index.ts';
import { firstMismatch } from '../../protocol/index.ts';
import { startServer, type RunningServer } from '../../server-under-test/server.ts';
import type { Journal } from '../../protocol/index.ts';

let s: RunningServer;
let plain: { host: string; port: number; url: string };
let secure: { host: string; port: number; url: string };

test.before(async () => {
  s = await startServer({
    listen: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0, tls: true }],
    probe: true, max_concurrent_streams: 4, linger_timeout: 2, shutdown_grace: 1,
    sites: [{ path: '/hello', handler: () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'hello world\n' }) }],
  });
  plain = s.addresses.find((a) => !a.tls)!;
  secure = s.addresses.find((a) => a.tls)!;
});
test.after(async () => {
  await s.close();
});

let seq = 0;
async function putScript(ops: unknown[]): Promise<string> {
  const id = `h2t-${process.pid}-${++seq}`;
  const r = await request(`${plain.url}/__probe/scripts/${id}`, { method: 'PUT', body: JSON.stringify({ v: 1, ops }) });
  assert.is(r.statusCode, 201, await r.body.text());
  return id;
}
async function journal(id: string): Promise<Journal> {
  const r = await request(`${plain.url}/__probe/journal/${id}?wait=20`);
  return (await r.body.json()) as Journal;
}
function writes(j: Journal): Array<{ bytes: number; result: { cancelled: boolean | null; body_bytes_sent: number } | null }> {
  return j.entries.filter((e) => e.op === 'write') as never;
}
async function activeRequests(): Promise<number> {
  const r = await request(`${plain.url}/__probe/info`);
  return ((await r.body.json()) as { active_requests: number }).active_requests;
}
async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('h2c (prior knowledge) and h2 (ALPN) serve the same sites; HTTP/1.1 still works on both ports; info lists h2', async () => {
  for (const a of [plain, secure]) {
    const c = await H2Connection.open({ host: a.host, port: a.port, tls: a === secure });
    const st = c.request({ method: 'GET', path: '/hello', authority: 'x' });
    await st.waitForEnd(10_000);
    assert.is(st.status, 200);
    assert.is(st.body.toString(), 'hello world\n');
    assert.equal(c.violations, []);
    c.close();
    const h1 = await request(`${a.url}/hello`, a === secure ? { dispatcher: new (await import('undici')).Agent({ connect: { rejectUnauthorized: false } }) } : {});
    assert.is(await h1.body.text(), 'hello world\n');
  }
  const info = (await (await request(`${plain.url}/__probe/info`)).body.json()) as { features: string[] };
  assert.ok(info.features.includes('h2'));
});

test('node:http2 client interoperates (h2c and h2)', async () => {
  for (const a of [plain, secure]) {
    const c = http2.connect(a.url, { rejectUnauthorized: false });
    const body = await new Promise<string>((resolve, reject) => {
      const r = c.request({ ':path': '/hello' });
      let b = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => { b += d; });
      r.on('end', () => resolve(b));
      r.on('error', reject);
      r.end();
    });
    assert.is(body, 'hello world\n');
    c.close();
  }
});

test('sent counts exactly the bytes the stream window let into DATA frames; a timed-out write reports exactly them', async () => {
  for (const w of [1000, 65_535]) {
    const id = await putScript([
      { op: 'write_header', status: 200 }, { op: 'write', bytes: 2_000_000, timeout: 0.5 }, { op: 'stats' }, { op: 'close' },
    ]);
    // Stream window w, never granted; the connection window is wide open, so only the stream's holds.
    const c = await H2Connection.open({ host: plain.host, port: plain.port, tls: false, settings: { initialWindowSize: w }, connectionWindow: 1 << 30 });
    const st = c.request({ method: 'GET', path: `/__probe/run/${id}`, authority: 'x' }, { behaviour: createStalled() });
    const j = await journal(id);
    const [wr] = writes(j);
    assert.ok(wr!.result !== null, 'the write must time out');
    assert.is(wr!.result!.body_bytes_sent, w, `window ${w}`);
    const stats = j.entries.find((e) => e.op === 'stats')!.stats!;
    assert.is(stats.sent, w);
    assert.is(stats.current, w);
    // The stream ends (no content-length: END_STREAM) once the client reads; exactly w bytes, pattern-exact.
    st.setBehaviour(createReading());
    await st.waitForEnd(10_000);
    assert.is(st.bodyBytes, w);
    assert.is(firstMismatch(0, 0, st.body), -1, 'pattern');
    assert.equal(c.violations, []);
    c.close();
  }
});

test('RST_STREAM cancels only its stream; its sibling on the same connection completes', async () => {
  const big = [{ op: 'write_header', status: 200 }, { op: 'write', bytes: 2_000_000, timeout: 10 }, { op: 'write', bytes: 2_000_000, timeout: 10 }, { op: 'close' }];
  const a = await putScript(big);
  const b = await putScript(big);
  const c = await H2Connection.open({ host: plain.host, port: plain.port, tls: false });
  const sa = c.request({ method: 'GET', path: `/__probe/run/${a}`, authority: 'x' }, { behaviour: createStalled() });
  const sb = c.request({ method: 'GET', path: `/__probe/run/${b}`, authority: 'x' }, { behaviour: createReading() });
  await sa.waitForHead(10_000);
  sa.cancel();
  await sb.waitForEnd(20_000);
  assert.is(sb.bodyBytes, 4_000_000);
  // Two writes (k = 0, 1) of 2 MB each, back to back.
  assert.is(firstMismatch(0, 0, sb.body.subarray(0, 2_000_000)), -1);
  assert.is(firstMismatch(1, 0, sb.body.subarray(2_000_000)), -1);
  const ja = await journal(a);
  const jb = await journal(b);
  assert.ok(writes(ja).some((w) => w.result?.cancelled === true), 'cancelled stream reports cancelled');
  assert.ok(writes(jb).every((w) => w.result === null), 'the sibling is not disturbed');
  assert.equal(c.violations, []);
  c.close();
  await until(async () => (await activeRequests()) === 0);
});

test('losing the connection cancels every stream', async () => {
  const script = [{ op: 'write_header', status: 200 }, { op: 'write', bytes: 1_000_000, timeout: 20 }, { op: 'write', bytes: 1_000_000, timeout: 20 }, { op: 'close' }];
  const ids = [await putScript(script), await putScript(script)];
  const c = await H2Connection.open({ host: plain.host, port: plain.port, tls: false });
  const streams: H2Stream[] = ids.map((id) => c.request({ method: 'GET', path: `/__probe/run/${id}`, authority: 'x' }, { behaviour: createStalled() }));
  await Promise.all(streams.map((st) => st.waitForHead(10_000)));
  const t0 = performance.now();
  c.reset();
  for (const id of ids) {
    const j = await journal(id);
    assert.ok(writes(j).some((w) => w.result?.cancelled === true), id);
  }
  assert.ok(performance.now() - t0 < 15_000, 'woken by the loss, not by the timeout');
  await until(async () => (await activeRequests()) === 0);
});

test('SETTINGS_MAX_CONCURRENT_STREAMS is advertised and enforced with REFUSED_STREAM', async () => {
  const script = [{ op: 'write_header', status: 200 }, { op: 'sleep', seconds: 1.5 }, { op: 'close' }];
  const ids = await Promise.all([1, 2, 3, 4, 5].map(() => putScript(script)));
  const c = await H2Connection.open({ host: plain.host, port: plain.port, tls: false });
  await until(() => c.settingsAcked && c.peerSettings.maxConcurrentStreams === 4);
  // Our simulator respects the limit itself (a fifth stream waits in its pool, never sent).
  const streams = ids.slice(0, 4).map((id) => c.request({ method: 'GET', path: `/__probe/run/${id}`, authority: 'x' }));
  assert.is(c.canOpenStream, false);
  for (const st of streams) await st.waitForEnd(10_000);
  assert.ok(streams.every((st) => st.status === 200));
  c.close();

  // A client that ignores the limit: the fifth stream's HEADERS, written by hand, is refused.
  const raw = net.connect(plain.port, plain.host);
  const got: Buffer[] = [];
  raw.on('data', (d) => got.push(d));
  await new Promise((r) => raw.once('connect', r));
  const enc = new HeaderEncoder();
  const frames = [CLIENT_PREFACE, settingsFrame([])];
  for (let i = 0; i < 5; i++) {
    const block = enc.encode([[':method', 'GET'], [':scheme', 'http'], [':path', `/__probe/run/${await putScript(script)}`], [':authority', 'x']]);
    frames.push(headersFrames(1 + 2 * i, block, { endStream: true }));
  }
  raw.write(Buffer.concat(frames));
  await until(() => serverFrames(Buffer.concat(got)).some((f) => f.type === 3 && f.stream === 9));
  const rst = serverFrames(Buffer.concat(got)).find((f) => f.type === 3 && f.stream === 9)!;
  assert.is(rst.payload.readUInt32BE(0), 7, 'REFUSED_STREAM');
  raw.destroy();
});

function serverFrames(all: Buffer): Array<{ type: number; stream: number; payload: Buffer }> {
  const out = [];
  let off = 0;
  while (off + 9 <= all.length) {
    const len = all.readUIntBE(off, 3);
    if (off + 9 + len > all.length) break;
    out.push({ type: all[off + 3]!, stream: all.readUInt32BE(off + 5) & 0x7fffffff, payload: all.subarray(off + 9, off + 9 + len) });
    off += 9 + len;
  }
  return out;
}

test('a declared content-length that cannot be honoured ends the stream with RST_STREAM, not END_STREAM', async () => {
  const id = await putScript([
    { op: 'write_header', status: 200, headers: { 'content-length': '2000000' } }, { op: 'write', bytes: 2_000_000, timeout: 0.3 }, { op: 'close' },
  ]);
  const c = await H2Connection.open({ host: plain.host, port: plain.port, tls: false, settings: { initialWindowSize: 5000 } });
  const st = c.request({ method: 'GET', path: `/__probe/run/${id}`, authority: 'x' }, { behaviour: createStalled() });
  const j = await journal(id);
  assert.is(writes(j)[0]!.result!.body_bytes_sent, 5000);
  await st.waitForEnd(10_000).catch(() => st);
  await until(() => st.ended);
  assert.is(st.bodyBytes, 5000);
  assert.ok(st.timeline.some((e) => e.type === 'rst-stream' && e.direction === 'received' && e.errorCode === 'INTERNAL_ERROR'), JSON.stringify(st.timeline.map((e) => e.type)));
  assert.ok(!st.timeline.some((e) => e.type === 'end-stream'));
  c.close();
});

test('a bad preface gets GOAWAY(PROTOCOL_ERROR) and the connection closes; the server goes on', async () => {
  const sock = net.connect(plain.port, plain.host);
  const got: Buffer[] = [];
  sock.on('data', (d) => got.push(d));
  await new Promise((r) => sock.once('connect', r));
  // The preface, then a PING where SETTINGS must come.
  sock.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 8, 6, 0, 0, 0, 0, 0]), Buffer.alloc(8)]));
  await new Promise((r) => sock.once('close', r));
  // Server SETTINGS, WINDOW_UPDATE, then GOAWAY (type 7) with PROTOCOL_ERROR (1).
  const goaway = serverFrames(Buffer.concat(got)).find((f) => f.type === 7);
  assert.is(goaway?.payload.readUInt32BE(4), 1);
  const r = await request(`${plain.url}/hello`);
  assert.is(await r.body.text(), 'hello world\n');
});

test.run();
