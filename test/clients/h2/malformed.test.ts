// Malformed frames from a raw server over a real connection are evidence, not crashes: each is a
// violation on the timeline, answered as RFC 9113 says (GOAWAY with the named error, then the
// connection closes; or RST_STREAM on that stream alone while its siblings go on).
//
// @test weight 5
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H2Connection } from '../../../harness/clients/h2/connection.ts';
import { ErrorCode, Flag, FrameType } from '../../../harness/clients/h2/constants.ts';
import {
  dataFrame, headersFrames, pushPromiseFrames, rawFrame, settingsAckFrame, windowUpdateFrame,
} from '../../../harness/clients/h2/frame-serializer.ts';
import type { Frame } from '../../../harness/clients/h2/frames.ts';
import { eventsOfType } from '../../../harness/clients/h2/timeline.ts';
import type { ViolationCode } from '../../../harness/clients/h2/violations.ts';
import { mulberry32 } from '../../../harness/clients/behaviours/prng.ts';
import { Cleanup } from '../servers.ts';
import { type RawPeer, startRaw, until } from './h2-servers.ts';

const cleanup = new Cleanup();
test.after.each(() => cleanup.run());

const isHeaders = (f: Frame) => f.type === 'HEADERS';
const ok = (peer: RawPeer, id: number, opts: { endStream?: boolean; extra?: Array<[string, string]> } = {}) =>
  headersFrames(id, peer.encoder.encode([[':status', '200'], ...(opts.extra ?? [])]), { endStream: opts.endStream ?? false });

interface ConnCase {
  name: string;
  /** Bytes the server writes after the client's first HEADERS (or at once with `atOnce`). */
  crafted: (peer: RawPeer, streamId: number) => Buffer[];
  code: ViolationCode;
  errorCode: keyof typeof ErrorCode;
  atOnce?: boolean;
  sendSettings?: boolean;
}

const CONNECTION_ERRORS: ConnCase[] = [
  { name: 'DATA on stream 0', crafted: () => [dataFrame(0, Buffer.from('x'))], code: 'STREAM_ID_ZERO', errorCode: 'PROTOCOL_ERROR' },
  { name: 'SETTINGS with a 5-byte payload', crafted: () => [rawFrame(FrameType.SETTINGS, 0, 0, Buffer.alloc(5))], code: 'BAD_FRAME_LENGTH', errorCode: 'FRAME_SIZE_ERROR' },
  { name: 'a frame over SETTINGS_MAX_FRAME_SIZE', crafted: (p, id) => [ok(p, id), dataFrame(id, Buffer.alloc(16_385))], code: 'FRAME_TOO_LARGE', errorCode: 'FRAME_SIZE_ERROR' },
  { name: 'PING of 7 bytes', crafted: () => [rawFrame(FrameType.PING, 0, 0, Buffer.alloc(7))], code: 'BAD_FRAME_LENGTH', errorCode: 'FRAME_SIZE_ERROR' },
  { name: 'DATA padding past the payload', crafted: (p, id) => [ok(p, id), rawFrame(FrameType.DATA, Flag.PADDED, id, Buffer.from([9, 1]))], code: 'PADDING_OVERFLOW', errorCode: 'PROTOCOL_ERROR' },
  { name: 'DATA on an idle stream', crafted: (p, id) => [ok(p, id), dataFrame(id + 4, Buffer.from('x'))], code: 'IDLE_STREAM_FRAME', errorCode: 'PROTOCOL_ERROR' },
  { name: 'HEADERS on a server stream never promised', crafted: (p) => [ok(p, 2)], code: 'IDLE_STREAM_FRAME', errorCode: 'PROTOCOL_ERROR' },
  { name: 'RST_STREAM on an idle stream', crafted: () => [rawFrame(FrameType.RST_STREAM, 0, 99, Buffer.alloc(4))], code: 'IDLE_STREAM_FRAME', errorCode: 'PROTOCOL_ERROR' },
  { name: 'a field block HPACK cannot decode', crafted: (_p, id) => [headersFrames(id, Buffer.from([0xff, 0x80]))], code: 'COMPRESSION', errorCode: 'COMPRESSION_ERROR' },
  {
    name: 'DATA inside a field block', code: 'CONTINUATION_EXPECTED', errorCode: 'PROTOCOL_ERROR',
    crafted: (p, id) => [rawFrame(FrameType.HEADERS, 0, id, p.encoder.encode([[':status', '200']])), dataFrame(id, Buffer.from('x'))],
  },
  { name: 'CONTINUATION out of nowhere', crafted: (_p, id) => [rawFrame(FrameType.CONTINUATION, Flag.END_HEADERS, id, Buffer.alloc(1))], code: 'UNEXPECTED_CONTINUATION', errorCode: 'PROTOCOL_ERROR' },
  { name: 'SETTINGS_MAX_FRAME_SIZE 100', crafted: () => [rawFrame(FrameType.SETTINGS, 0, 0, Buffer.from([0, 5, 0, 0, 0, 100]))], code: 'BAD_SETTING_VALUE', errorCode: 'PROTOCOL_ERROR' },
  { name: 'a connection WINDOW_UPDATE past 2^31-1', crafted: () => [windowUpdateFrame(0, 0x7fffffff)], code: 'WINDOW_OVERFLOW', errorCode: 'FLOW_CONTROL_ERROR' },
  {
    name: 'PUSH_PROMISE after acknowledging ENABLE_PUSH 0', code: 'PUSH_DISABLED', errorCode: 'PROTOCOL_ERROR',
    crafted: (p, id) => [settingsAckFrame(), pushPromiseFrames(id, 2, p.encoder.encode([[':method', 'GET'], [':path', '/x']]))],
  },
  { name: 'an HTTP/1.1 answer to the preface', crafted: () => [Buffer.from('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n')], code: 'PREFACE_NOT_SETTINGS', errorCode: 'PROTOCOL_ERROR', atOnce: true, sendSettings: false },
];

for (const c of CONNECTION_ERRORS) {
  test(`connection error: ${c.name} -> ${c.code}, GOAWAY(${c.errorCode}), closed`, async () => {
    let peer: RawPeer | null = null;
    const srv = cleanup.add(await startRaw(async (p) => {
      peer = p;
      if (c.atOnce) {
        for (const b of c.crafted(p, 1)) p.socket.write(b);
        return;
      }
      const h = await p.waitFor(isHeaders);
      for (const b of c.crafted(p, h.streamId)) p.socket.write(b);
    }, { sendSettings: c.sendSettings ?? true }));
    const conn = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port, closeDrainMs: 300 }));
    const s = c.atOnce ? null : conn.request({ method: 'GET', path: '/' });
    await conn.waitForClose(5000);
    assert.is(conn.violations.length, 1, JSON.stringify(conn.violations));
    const v = conn.violations[0]!;
    assert.is(v.code, c.code);
    assert.is(v.action, 'connection-error');
    assert.is(v.errorCode, c.errorCode);
    assert.equal(conn.connectionError, v);
    assert.ok(eventsOfType(conn.timeline, 'violation').length === 1);
    const goaway = await peer!.waitFor((f) => f.type === 'GOAWAY');
    assert.ok(goaway.type === 'GOAWAY' && goaway.errorCode === ErrorCode[c.errorCode], `GOAWAY ${JSON.stringify(goaway)}`);
    assert.is(goaway.type === 'GOAWAY' && goaway.debug.toString(), v.message);
    assert.ok(await until(() => peer!.ended()), 'FIN after GOAWAY');
    if (s !== null) assert.is(s.completion, 'connection-error');
  });
}

interface StreamCase {
  name: string;
  crafted: (peer: RawPeer, id: number) => Buffer[];
  code: ViolationCode;
  errorCode: keyof typeof ErrorCode;
}

const STREAM_ERRORS: StreamCase[] = [
  { name: 'a response without :status', crafted: (p, id) => [headersFrames(id, p.encoder.encode([['x-a', 'b']]))], code: 'MALFORMED_RESPONSE', errorCode: 'PROTOCOL_ERROR' },
  { name: 'an uppercase field name', crafted: (p, id) => [headersFrames(id, p.encoder.encode([[':status', '200'], ['X-Upper', 'b']]))], code: 'MALFORMED_RESPONSE', errorCode: 'PROTOCOL_ERROR' },
  { name: 'a connection-specific field', crafted: (p, id) => [ok(p, id, { extra: [['transfer-encoding', 'chunked']] })], code: 'MALFORMED_RESPONSE', errorCode: 'PROTOCOL_ERROR' },
  { name: 'DATA before the response head', crafted: (_p, id) => [dataFrame(id, Buffer.from('x'))], code: 'MALFORMED_RESPONSE', errorCode: 'PROTOCOL_ERROR' },
  { name: 'a body shorter than content-length', crafted: (p, id) => [ok(p, id, { extra: [['content-length', '10']] }), dataFrame(id, Buffer.from('abc'), { endStream: true })], code: 'CONTENT_LENGTH_MISMATCH', errorCode: 'PROTOCOL_ERROR' },
  { name: 'DATA after END_STREAM', crafted: (p, id) => [ok(p, id, { endStream: true }), dataFrame(id, Buffer.from('late'))], code: 'CLOSED_STREAM_FRAME', errorCode: 'STREAM_CLOSED' },
  { name: 'a stream WINDOW_UPDATE past 2^31-1', crafted: (_p, id) => [windowUpdateFrame(id, 0x7fffffff)], code: 'WINDOW_OVERFLOW', errorCode: 'FLOW_CONTROL_ERROR' },
  { name: 'a stream WINDOW_UPDATE of 0', crafted: (_p, id) => [windowUpdateFrame(id, 0)], code: 'ZERO_WINDOW_INCREMENT', errorCode: 'PROTOCOL_ERROR' },
  { name: 'trailers without END_STREAM', crafted: (p, id) => [ok(p, id), headersFrames(id, p.encoder.encode([['x-t', '1']]))], code: 'MALFORMED_RESPONSE', errorCode: 'PROTOCOL_ERROR' },
];

for (const c of STREAM_ERRORS) {
  test(`stream error: ${c.name} -> ${c.code}, RST_STREAM(${c.errorCode}) on that stream only`, async () => {
    let peer: RawPeer | null = null;
    const srv = cleanup.add(await startRaw(async (p) => {
      peer = p;
      const first = await p.waitFor(isHeaders);
      const second = await p.waitFor((f) => isHeaders(f) && f.streamId !== first.streamId);
      for (const b of c.crafted(p, first.streamId)) p.socket.write(b);
      p.socket.write(ok(p, second.streamId));
      p.socket.write(dataFrame(second.streamId, Buffer.from('sibling'), { endStream: true }));
    }));
    const conn = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port }));
    const bad = conn.request({ method: 'GET', path: '/bad' });
    const sibling = conn.request({ method: 'GET', path: '/sibling' });
    await Promise.all([bad.waitForEnd(5000), sibling.waitForEnd(5000)]);
    const rst = await peer!.waitFor((f) => f.type === 'RST_STREAM');
    assert.ok(rst.type === 'RST_STREAM' && rst.streamId === bad.id && rst.errorCode === ErrorCode[c.errorCode], JSON.stringify(rst));
    assert.is(conn.violations.length, 1, JSON.stringify(conn.violations));
    assert.is(conn.violations[0]!.code, c.code);
    assert.is(conn.violations[0]!.action, 'stream-error');
    assert.equal(bad.violations, conn.violations);
    assert.ok(['stream-error', 'complete'].includes(bad.completion), bad.completion);
    assert.is(sibling.completion, 'complete');
    assert.is(sibling.body.toString(), 'sibling');
    assert.is(conn.connectionError, null);
    assert.ok(!conn.closed);
    assert.ok(!peer!.frames.some((f) => f.type === 'GOAWAY'));
  });
}

test('random bytes after a valid start: recorded, answered, and the process carries on', async () => {
  const random = mulberry32(7);
  for (let run = 0; run < 20; run++) {
    const srv = cleanup.add(await startRaw(async (p) => {
      const h = await p.waitFor(isHeaders);
      p.socket.write(ok(p, h.streamId));
      const junk = Buffer.alloc(64 + Math.floor(random() * 512));
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(random() * 256);
      p.socket.end(junk);
    }));
    const conn = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port, closeDrainMs: 100 }));
    const s = conn.request({ method: 'GET', path: '/' });
    await conn.waitForClose(5000);
    assert.ok(s.ended);
    assert.ok(conn.closed);
  }
});

test.run();
