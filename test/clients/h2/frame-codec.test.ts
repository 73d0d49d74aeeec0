// The frame codec: every frame type round-trips (split at every byte), field blocks are joined
// across CONTINUATION, and each RFC 9113 frame-layer breach is a violation with the error the
// RFC names, never an exception (random bytes included).
//
// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCode, Flag, FrameType, SettingId } from '../../../harness/clients/h2/constants.ts';
import { FrameParser } from '../../../harness/clients/h2/frame-parser.ts';
import {
  dataFrame, goawayFrame, headersFrames, pingFrame, priorityFrame, pushPromiseFrames, rawFrame, rstStreamFrame,
  serializeFrame, settingsAckFrame, settingsFrame, windowUpdateFrame,
} from '../../../harness/clients/h2/frame-serializer.ts';
import type { Frame } from '../../../harness/clients/h2/frames.ts';
import type { Violation } from '../../../harness/clients/h2/violations.ts';
import { mulberry32 } from '../../../harness/clients/behaviours/prng.ts';

interface Parsed { frames: Frame[]; violations: Violation[]; parser: FrameParser }

function parse(bytes: Buffer | Buffer[], opts: { maxFrameSize?: number; preface?: boolean; split?: number } = {}): Parsed {
  const frames: Frame[] = [];
  const violations: Violation[] = [];
  const parser = new FrameParser({ frame: (f) => frames.push(f), violation: (v) => violations.push(v) }, {
    maxFrameSize: opts.maxFrameSize ?? 16_384, expectServerPreface: opts.preface ?? false,
  });
  const all = Buffer.isBuffer(bytes) ? bytes : Buffer.concat(bytes);
  const step = opts.split ?? all.length;
  for (let i = 0; i < all.length; i += step) parser.push(all.subarray(i, i + step));
  return { frames, violations, parser };
}

/** Frames without offsets and with plain arrays, to compare. */
const plain = (fs: Frame[]) => fs.map((f) => JSON.parse(JSON.stringify({ ...f, offset: 0 })));

const SAMPLES: Buffer[] = [
  settingsFrame([[SettingId.MAX_CONCURRENT_STREAMS, 100], [SettingId.INITIAL_WINDOW_SIZE, 1 << 20], [0x99, 7]]),
  settingsAckFrame(),
  headersFrames(1, Buffer.from('header block bytes'), { endStream: false, priority: { exclusive: true, dependsOn: 0, weight: 16 }, pad: 3 }),
  dataFrame(1, Buffer.from('hello'), { pad: 10 }),
  dataFrame(1, Buffer.from('world'), { endStream: true }),
  priorityFrame(3, { exclusive: false, dependsOn: 1, weight: 256 }),
  rstStreamFrame(3, ErrorCode.CANCEL),
  pushPromiseFrames(1, 2, Buffer.from('promised block')),
  pingFrame(Buffer.from('12345678')),
  pingFrame(Buffer.from('abcdefgh'), true),
  windowUpdateFrame(0, 1000),
  windowUpdateFrame(5, 0x7fffffff),
  goawayFrame(7, ErrorCode.ENHANCE_YOUR_CALM, 'slow down'),
  rawFrame(0xfa, 0xff, 9, Buffer.from('an extension frame')),
];

test('every frame type round-trips, whole and split at every byte', () => {
  const whole = parse(SAMPLES);
  assert.equal(whole.violations, []);
  assert.equal(whole.frames.map((f) => f.type), [
    'SETTINGS', 'SETTINGS', 'HEADERS', 'DATA', 'DATA', 'PRIORITY', 'RST_STREAM', 'PUSH_PROMISE', 'PING', 'PING',
    'WINDOW_UPDATE', 'WINDOW_UPDATE', 'GOAWAY', 'UNKNOWN',
  ]);
  for (let split = 1; split <= 17; split++) {
    assert.equal(plain(parse(SAMPLES, { split }).frames), plain(whole.frames), `split ${split}`);
  }
  whole.frames.forEach((f, i) => {
    if (i === 2) return; // parsed HEADERS do not keep their padding
    assert.ok(serializeFrame(f).equals(SAMPLES[i]!), `serialize(parse(x)) = x for ${f.type}`);
  });
  const [settings, , headers, padded] = whole.frames;
  assert.equal(settings!.type === 'SETTINGS' && settings.settings, [[3, 100], [4, 1 << 20], [0x99, 7]]);
  assert.ok(headers!.type === 'HEADERS' && headers.priority!.exclusive && headers.block.toString() === 'header block bytes');
  assert.ok(padded!.type === 'DATA' && padded.data.toString() === 'hello' && padded.flowBytes === 16 && padded.paddingBytes === 11);
  assert.equal(whole.frames.map((f) => f.offset).slice(0, 3), [0, 27, 27 + SAMPLES[1]!.length]);
});

test('a field block over max frame size travels in CONTINUATION frames and comes out joined', () => {
  const block = Buffer.alloc(40_000, 7);
  const bytes = headersFrames(1, block, { endStream: true, maxFrameSize: 16_384 });
  const whole = parse(bytes);
  assert.equal(whole.violations, []);
  assert.is(whole.frames.length, 1);
  const f = whole.frames[0]!;
  assert.ok(f.type === 'HEADERS' && f.frames === 3 && f.endStream && f.block.equals(block));
  assert.equal(plain(parse(bytes, { split: 1000 }).frames), plain(whole.frames));
});

test('the reserved bit of the stream id and unknown flags are ignored', () => {
  const f = rawFrame(FrameType.WINDOW_UPDATE, 0xf0, 0x80000003, Buffer.from([0x80, 0, 0, 9]));
  const r = parse(f);
  assert.equal(r.violations, []);
  assert.ok(r.frames[0]!.type === 'WINDOW_UPDATE' && r.frames[0]!.streamId === 3 && r.frames[0]!.increment === 9);
});

interface Case {
  name: string;
  bytes: Buffer;
  code: Violation['code'];
  errorCode: Violation['errorCode'];
  action?: Violation['action'];
  maxFrameSize?: number;
  preface?: boolean;
  /** Offset of the offending frame (default 0). */
  offset?: number;
}

const CASES: Case[] = [
  { name: 'DATA on stream 0', bytes: dataFrame(0, Buffer.from('x')), code: 'STREAM_ID_ZERO', errorCode: 'PROTOCOL_ERROR' },
  { name: 'HEADERS on stream 0', bytes: headersFrames(0, Buffer.from('x')), code: 'STREAM_ID_ZERO', errorCode: 'PROTOCOL_ERROR' },
  { name: 'RST_STREAM on stream 0', bytes: rstStreamFrame(0, 8), code: 'STREAM_ID_ZERO', errorCode: 'PROTOCOL_ERROR' },
  { name: 'SETTINGS on stream 1', bytes: rawFrame(FrameType.SETTINGS, 0, 1), code: 'STREAM_ID_NONZERO', errorCode: 'PROTOCOL_ERROR' },
  { name: 'PING on stream 1', bytes: rawFrame(FrameType.PING, 0, 1, Buffer.alloc(8)), code: 'STREAM_ID_NONZERO', errorCode: 'PROTOCOL_ERROR' },
  { name: 'GOAWAY on stream 1', bytes: rawFrame(FrameType.GOAWAY, 0, 1, Buffer.alloc(8)), code: 'STREAM_ID_NONZERO', errorCode: 'PROTOCOL_ERROR' },
  { name: 'SETTINGS of 5 bytes', bytes: rawFrame(FrameType.SETTINGS, 0, 0, Buffer.alloc(5)), code: 'BAD_FRAME_LENGTH', errorCode: 'FRAME_SIZE_ERROR' },
  { name: 'SETTINGS ACK with a payload', bytes: rawFrame(FrameType.SETTINGS, Flag.ACK, 0, Buffer.alloc(6)), code: 'BAD_FRAME_LENGTH', errorCode: 'FRAME_SIZE_ERROR' },
  { name: 'PING of 7 bytes', bytes: rawFrame(FrameType.PING, 0, 0, Buffer.alloc(7)), code: 'BAD_FRAME_LENGTH', errorCode: 'FRAME_SIZE_ERROR' },
  { name: 'RST_STREAM of 3 bytes', bytes: rawFrame(FrameType.RST_STREAM, 0, 1, Buffer.alloc(3)), code: 'BAD_FRAME_LENGTH', errorCode: 'FRAME_SIZE_ERROR' },
  { name: 'WINDOW_UPDATE of 5 bytes', bytes: rawFrame(FrameType.WINDOW_UPDATE, 0, 1, Buffer.alloc(5)), code: 'BAD_FRAME_LENGTH', errorCode: 'FRAME_SIZE_ERROR' },
  { name: 'GOAWAY of 7 bytes', bytes: rawFrame(FrameType.GOAWAY, 0, 0, Buffer.alloc(7)), code: 'BAD_FRAME_LENGTH', errorCode: 'FRAME_SIZE_ERROR' },
  { name: 'PADDED DATA without the Pad Length byte', bytes: rawFrame(FrameType.DATA, Flag.PADDED, 1), code: 'BAD_FRAME_LENGTH', errorCode: 'FRAME_SIZE_ERROR' },
  { name: 'HEADERS with PRIORITY in 4 bytes', bytes: rawFrame(FrameType.HEADERS, Flag.PRIORITY | Flag.END_HEADERS, 1, Buffer.alloc(4)), code: 'BAD_FRAME_LENGTH', errorCode: 'FRAME_SIZE_ERROR' },
  { name: 'PRIORITY of 4 bytes (a stream error)', bytes: rawFrame(FrameType.PRIORITY, 0, 1, Buffer.alloc(4)), code: 'BAD_FRAME_LENGTH', errorCode: 'FRAME_SIZE_ERROR', action: 'stream-error' },
  { name: 'a frame over SETTINGS_MAX_FRAME_SIZE', bytes: dataFrame(1, Buffer.alloc(16_385)), code: 'FRAME_TOO_LARGE', errorCode: 'FRAME_SIZE_ERROR' },
  { name: 'a frame over a larger max frame size', bytes: dataFrame(1, Buffer.alloc(100_001)), code: 'FRAME_TOO_LARGE', errorCode: 'FRAME_SIZE_ERROR', maxFrameSize: 100_000 },
  { name: 'DATA padding as long as the payload', bytes: rawFrame(FrameType.DATA, Flag.PADDED, 1, Buffer.from([5, 1, 2, 3, 4])), code: 'PADDING_OVERFLOW', errorCode: 'PROTOCOL_ERROR' },
  { name: 'HEADERS padding past the payload', bytes: rawFrame(FrameType.HEADERS, Flag.PADDED | Flag.END_HEADERS, 1, Buffer.from([9, 1, 2])), code: 'PADDING_OVERFLOW', errorCode: 'PROTOCOL_ERROR' },
  { name: 'CONTINUATION with no field block open', bytes: rawFrame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, Buffer.from('x')), code: 'UNEXPECTED_CONTINUATION', errorCode: 'PROTOCOL_ERROR' },
  {
    name: 'DATA inside a field block', code: 'CONTINUATION_EXPECTED', errorCode: 'PROTOCOL_ERROR', offset: 10,
    bytes: Buffer.concat([rawFrame(FrameType.HEADERS, 0, 1, Buffer.from('x')), dataFrame(1, Buffer.from('y'))]),
  },
  {
    name: 'CONTINUATION on another stream', code: 'UNEXPECTED_CONTINUATION', errorCode: 'PROTOCOL_ERROR', offset: 10,
    bytes: Buffer.concat([rawFrame(FrameType.HEADERS, 0, 1, Buffer.from('x')), rawFrame(FrameType.CONTINUATION, Flag.END_HEADERS, 3, Buffer.from('y'))]),
  },
  {
    name: 'an unknown frame inside a field block', code: 'CONTINUATION_EXPECTED', errorCode: 'PROTOCOL_ERROR', offset: 10,
    bytes: Buffer.concat([rawFrame(FrameType.HEADERS, 0, 1, Buffer.from('x')), rawFrame(0xfa, 0, 0)]),
  },
  { name: 'WINDOW_UPDATE of 0 on the connection', bytes: windowUpdateFrame(0, 0), code: 'ZERO_WINDOW_INCREMENT', errorCode: 'PROTOCOL_ERROR' },
  { name: 'WINDOW_UPDATE of 0 on a stream', bytes: windowUpdateFrame(3, 0), code: 'ZERO_WINDOW_INCREMENT', errorCode: 'PROTOCOL_ERROR', action: 'stream-error' },
  { name: 'ENABLE_PUSH 2', bytes: settingsFrame([[SettingId.ENABLE_PUSH, 2]]), code: 'BAD_SETTING_VALUE', errorCode: 'PROTOCOL_ERROR' },
  { name: 'ENABLE_PUSH 1 from a server', bytes: settingsFrame([[SettingId.ENABLE_PUSH, 1]]), code: 'BAD_SETTING_VALUE', errorCode: 'PROTOCOL_ERROR' },
  { name: 'INITIAL_WINDOW_SIZE 2^31', bytes: settingsFrame([[SettingId.INITIAL_WINDOW_SIZE, 2 ** 31]]), code: 'BAD_SETTING_VALUE', errorCode: 'FLOW_CONTROL_ERROR' },
  { name: 'MAX_FRAME_SIZE 100', bytes: settingsFrame([[SettingId.MAX_FRAME_SIZE, 100]]), code: 'BAD_SETTING_VALUE', errorCode: 'PROTOCOL_ERROR' },
  { name: 'MAX_FRAME_SIZE 2^24', bytes: settingsFrame([[SettingId.MAX_FRAME_SIZE, 2 ** 24]]), code: 'BAD_SETTING_VALUE', errorCode: 'PROTOCOL_ERROR' },
  {
    name: 'HEADERS that depend on their own stream (a stream error)', code: 'SELF_DEPENDENCY', errorCode: 'PROTOCOL_ERROR', action: 'stream-error',
    bytes: headersFrames(5, Buffer.from('x'), { priority: { exclusive: false, dependsOn: 5, weight: 1 } }),
  },
  { name: 'PRIORITY on its own stream', bytes: priorityFrame(5, { exclusive: false, dependsOn: 5, weight: 1 }), code: 'SELF_DEPENDENCY', errorCode: 'PROTOCOL_ERROR', action: 'stream-error' },
  { name: 'a first frame that is not SETTINGS', bytes: pingFrame(Buffer.alloc(8)), code: 'PREFACE_NOT_SETTINGS', errorCode: 'PROTOCOL_ERROR', preface: true },
  { name: 'a SETTINGS ACK as the first frame', bytes: settingsAckFrame(), code: 'PREFACE_NOT_SETTINGS', errorCode: 'PROTOCOL_ERROR', preface: true },
  { name: 'an HTTP/1.1 answer to the preface', bytes: Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), code: 'PREFACE_NOT_SETTINGS', errorCode: 'PROTOCOL_ERROR', preface: true },
];

for (const c of CASES) {
  test(`violation: ${c.name} -> ${c.code} (${c.errorCode})`, () => {
    const trailer = pingFrame(Buffer.from('after...'));
    for (const split of [undefined, 1]) {
      const r = parse([c.bytes, trailer], {
        ...(c.maxFrameSize !== undefined ? { maxFrameSize: c.maxFrameSize } : {}),
        ...(c.preface ? { preface: true } : {}),
        ...(split !== undefined ? { split } : {}),
      });
      assert.is(r.violations.length, 1, JSON.stringify(r.violations));
      const v = r.violations[0]!;
      assert.is(v.code, c.code);
      assert.is(v.errorCode, c.errorCode);
      assert.is(v.action, c.action ?? 'connection-error');
      assert.ok(v.rule.startsWith('RFC 9113'), v.rule);
      assert.is(v.offset, c.offset ?? 0);
      if (v.action === 'connection-error') {
        assert.equal(r.parser.stopped, v);
        assert.ok(r.parser.ignoredBytes >= trailer.length, 'later bytes are only counted');
        assert.ok(!r.frames.some((f) => f.type === 'PING'), 'nothing parsed after a connection error');
      } else {
        assert.is(r.parser.stopped, null);
        assert.ok(r.frames.some((f) => f.type === 'PING'), 'parsing goes on after a stream error');
      }
    }
  });
}

test('a stream error in HEADERS still delivers the block (HPACK must stay in step), after the violation', () => {
  const events: string[] = [];
  const p = new FrameParser({ frame: (f) => events.push(`frame ${f.type}`), violation: (v) => events.push(`violation ${v.code}`) }, { maxFrameSize: 16_384, expectServerPreface: false });
  p.push(headersFrames(5, Buffer.from('x'), { priority: { exclusive: false, dependsOn: 5, weight: 1 } }));
  assert.equal(events, ['violation SELF_DEPENDENCY', 'frame HEADERS']);
});

test('an oversized frame is reported from its header alone, before its payload arrives', () => {
  const r = parse(dataFrame(1, Buffer.alloc(20_000)).subarray(0, 9));
  assert.is(r.violations[0]?.code, 'FRAME_TOO_LARGE');
});

test('random bytes never throw: each run ends in frames, violations, or bytes waiting', () => {
  const random = mulberry32(42);
  let violations = 0;
  for (let run = 0; run < 3000; run++) {
    const len = Math.floor(random() * 200);
    const bytes = Buffer.alloc(len);
    for (let i = 0; i < len; i++) bytes[i] = Math.floor(random() * 256);
    // Often start from a valid-looking header so the per-type checks are reached.
    if (run % 2 === 0 && len >= 9) {
      bytes.writeUIntBE(Math.floor(random() * 24), 0, 3);
      bytes[3] = Math.floor(random() * 11);
      bytes[4] = Math.floor(random() * 256);
    }
    const split = 1 + Math.floor(random() * 20);
    const r = parse(bytes, { split, preface: run % 3 === 0 });
    violations += r.violations.length;
    assert.ok(r.parser.stopped === null || r.violations.includes(r.parser.stopped));
  }
  assert.ok(violations > 100, `random input finds violations (${violations})`);
});

test.run();
