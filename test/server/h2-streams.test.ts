// HTTP/2 stream states and request validation of the reference server, frame by frame (RFC 9113):
// frames on a stream the server reset are ignored (5.1) with the HPACK table kept in step;
// trailers cannot dodge the content-length check (8.1.1); header lookups match names, never
// values; and a stream's error is answered with RST_STREAM on that stream, so a sibling stream on
// the same connection still completes (5.4.2).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startServer, type RunningServer } from '../../server-under-test/server.ts';
import { dataFrame, rstStreamFrame } from '../../harness/clients/h2/index.ts';
import { ErrorCode, Flag, FrameType, RawH2, indexed, indexedLiteral, rawFrame } from './raw-h2.ts';

let s: RunningServer;
let port: number;

test.before(async () => {
  s = await startServer({
    listen: [{ host: '127.0.0.1', port: 0 }], shutdown_grace: 1,
    sites: [
      {
        path: '/echo',
        handler: (req) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ headers: req.headers, bodyLength: req.body.length }) }),
      },
      {
        // A response that is still going when the test misbehaves on a sibling stream.
        path: '/slow',
        handler: async (_req, io) => {
          await io.writeHeader(200, { 'content-type': 'text/plain' });
          await new Promise((r) => setTimeout(r, 1500));
          await io.write('done');
          await io.close();
        },
      },
    ],
  });
  port = s.addresses[0]!.port;
});
test.after(async () => {
  await s.close();
});

const CL_OVER = 'request body longer than its content-length';

/** Asserts that the connection is still usable, and that the HPACK entry `x-sync: yes` (dynamic index 62) is in the server's table. */
async function assertAliveAndInSync(c: RawH2, stream: number): Promise<void> {
  c.send(c.headers(stream, c.request('/echo', [], 'GET', indexed(62)), true));
  const r = await c.response(stream);
  assert.is(r.status, '200', c.describe());
  const echo = JSON.parse(r.body.toString()) as { headers: Record<string, string> };
  assert.is(echo.headers['x-sync'], 'yes', 'the server decoded the block that added x-sync to its HPACK table');
  assert.is(c.goaway, undefined, c.describe());
}

// ---- 1. frames after our RST_STREAM are ignored; their field blocks are still decoded ----

test('trailers on a stream the server reset (body over content-length) are ignored, and their block still feeds HPACK', async () => {
  const c = await RawH2.open(port);
  c.send(c.headers(1, c.request('/echo', [['content-length', '1']], 'POST'), false), dataFrame(1, Buffer.from('hello')));
  assert.is(await c.reset(1), ErrorCode.PROTOCOL_ERROR, CL_OVER);
  // The client had these in flight: trailers (adding x-sync to the HPACK table) ending the stream.
  c.send(c.headers(1, c.block([['x-trailer', '1']], indexedLiteral('x-sync', 'yes')), true));
  await assertAliveAndInSync(c, 3);
  c.close();
});

test('trailers on a stream the server reset for malformed request headers are ignored', async () => {
  const c = await RawH2.open(port);
  // An upper-case field name makes the request malformed (RFC 9113 8.2.1): RST_STREAM(PROTOCOL_ERROR).
  c.send(c.headers(1, c.request('/echo', [['X-Upper', '1']], 'POST'), false));
  assert.is(await c.reset(1), ErrorCode.PROTOCOL_ERROR);
  c.send(dataFrame(1, Buffer.from('body')), c.headers(1, c.block([['x-trailer', '1']], indexedLiteral('x-sync', 'yes')), true));
  await assertAliveAndInSync(c, 3);
  assert.not.ok(c.frames.some((f) => f.type === FrameType.RST_STREAM && f.stream === 1 && f.payload.readUInt32BE(0) === ErrorCode.STREAM_CLOSED),
    `DATA after our reset is ignored, not answered: ${c.describe()}`);
  c.close();
});

test('a HEADERS that depends on itself is reset, and its field block still feeds HPACK (CONTINUATION and all)', async () => {
  const c = await RawH2.open(port);
  const block = c.request('/echo', [], 'GET', indexedLiteral('x-sync', 'yes'));
  const prio = Buffer.from([0, 0, 0, 1, 15]); // depends on stream 1 (itself), weight 16
  // HEADERS (PRIORITY, no END_HEADERS) + CONTINUATION (END_HEADERS).
  const cut = 3;
  c.send(
    rawFrame(FrameType.HEADERS, Flag.PRIORITY | Flag.END_STREAM, 1, Buffer.concat([prio, block.subarray(0, cut)])),
    rawFrame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, block.subarray(cut)),
  );
  assert.is(await c.reset(1), ErrorCode.PROTOCOL_ERROR);
  await assertAliveAndInSync(c, 3);
  c.close();
});

// ---- 2. trailers do not bypass content-length ----

test('a request ending with trailers is checked against its content-length like one ending with DATA', async () => {
  const c = await RawH2.open(port);
  // Declared 10, sent 3, then trailers with END_STREAM: malformed (RFC 9113 8.1.1).
  c.send(c.headers(1, c.request('/echo', [['content-length', '10']], 'POST'), false), dataFrame(1, Buffer.from('abc')),
    c.headers(1, c.block([['x-trailer', '1']]), true));
  assert.is(await c.reset(1), ErrorCode.PROTOCOL_ERROR);
  assert.not.ok(c.frames.some((f) => f.type === FrameType.HEADERS && f.stream === 1), `no response on stream 1: ${c.describe()}`);
  // Declared 3, sent 3, trailers: a good request, served.
  c.send(c.headers(3, c.request('/echo', [['content-length', '3']], 'POST'), false), dataFrame(3, Buffer.from('abc')),
    c.headers(3, c.block([['x-trailer', '1']]), true));
  const r = await c.response(3);
  assert.is(r.status, '200');
  assert.is((JSON.parse(r.body.toString()) as { bodyLength: number }).bodyLength, 3);
  assert.is(c.goaway, undefined, c.describe());
  c.close();
});

// ---- 3. header lookups match names, never values ----

test('a field VALUE "content-length" does not hide the real content-length', async () => {
  const c = await RawH2.open(port);
  // Declares 5 bytes, sends none: malformed, whatever field comes before the declaration.
  c.send(c.headers(1, c.request('/echo', [['x-foo', 'content-length'], ['content-length', '5']], 'POST'), true));
  assert.is(await c.reset(1), ErrorCode.PROTOCOL_ERROR);
  c.close();
});

test('two content-length fields that differ make the request malformed', async () => {
  const c = await RawH2.open(port);
  c.send(c.headers(1, c.request('/echo', [['content-length', '0'], ['content-length', '5']], 'POST'), true));
  assert.is(await c.reset(1), ErrorCode.PROTOCOL_ERROR);
  // Repeated with one value: the same declaration, fine.
  c.send(c.headers(3, c.request('/echo', [['content-length', '2'], ['content-length', '2']], 'POST'), false), dataFrame(3, Buffer.from('ab'), { endStream: true }));
  assert.is((await c.response(3)).status, '200');
  c.close();
});

test('a field VALUE "host" does not stand in for the Host that :authority supplies', async () => {
  const c = await RawH2.open(port);
  c.send(c.headers(1, c.block([[':method', 'GET'], [':scheme', 'http'], [':path', '/echo'], [':authority', 'a.example'], ['x-foo', 'host']]), true));
  const r = await c.response(1);
  const echo = JSON.parse(r.body.toString()) as { headers: Record<string, string> };
  assert.is(echo.headers.host, 'a.example');
  assert.is(echo.headers['x-foo'], 'host');
  c.close();
});

// ---- 4. stream errors are RST_STREAM on that stream; the siblings go on ----

const SIBLING_CASES: Array<{ name: string; code: number; misbehave: (c: RawH2) => void }> = [
  {
    name: 'malformed request headers (upper-case name)',
    code: ErrorCode.PROTOCOL_ERROR,
    misbehave: (c) => c.send(c.headers(3, c.request('/echo', [['X-Upper', '1']]), true)),
  },
  {
    name: 'a pseudo-header after a regular field',
    code: ErrorCode.PROTOCOL_ERROR,
    misbehave: (c) => c.send(c.headers(3, c.block([[':method', 'GET'], [':scheme', 'http'], ['x-a', '1'], [':path', '/echo']]), true)),
  },
  {
    name: 'a pseudo-header in trailers',
    code: ErrorCode.PROTOCOL_ERROR,
    misbehave: (c) => c.send(c.headers(3, c.request('/echo', [], 'POST'), false), c.headers(3, c.block([[':method', 'POST']]), true)),
  },
  {
    name: 'a content-length mismatch',
    code: ErrorCode.PROTOCOL_ERROR,
    misbehave: (c) => c.send(c.headers(3, c.request('/echo', [['content-length', '4']], 'POST'), false), dataFrame(3, Buffer.from('ab'), { endStream: true })),
  },
  {
    name: 'DATA on a half-closed (remote) stream',
    code: ErrorCode.STREAM_CLOSED,
    misbehave: (c) => c.send(c.headers(3, c.request('/slow'), true), dataFrame(3, Buffer.from('late'))),
  },
  {
    name: 'HEADERS on a half-closed (remote) stream',
    code: ErrorCode.STREAM_CLOSED,
    misbehave: (c) => c.send(c.headers(3, c.request('/slow'), true), c.headers(3, c.block([['x-late', '1']]), true)),
  },
  {
    name: 'HEADERS on a stream the client reset',
    code: ErrorCode.STREAM_CLOSED,
    misbehave: (c) => c.send(c.headers(3, c.request('/slow'), true), rstStreamFrame(3, ErrorCode.CANCEL), c.headers(3, c.block([['x-late', '1']]), true)),
  },
];

for (const k of SIBLING_CASES) {
  test(`stream error, sibling survives: ${k.name} -> RST_STREAM(${Object.entries(ErrorCode).find(([, v]) => v === k.code)![0]})`, async () => {
    const c = await RawH2.open(port);
    c.send(c.headers(1, c.request('/slow'), true));
    await c.waitFor((f) => f.type === FrameType.HEADERS && f.stream === 1, 'the head of stream 1');
    k.misbehave(c);
    assert.is(await c.reset(3), k.code, c.describe());
    const r = await c.response(1);
    assert.is(r.status, '200');
    assert.is(r.body.toString(), 'done');
    assert.is(c.goaway, undefined, c.describe());
    c.close();
  });
}

test.run();
