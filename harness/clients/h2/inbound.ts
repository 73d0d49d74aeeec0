// The read loop's dispatch: each whole frame from the parser goes to its handler, stream frames
// through the shared stream map. Here live the rules that need connection state: stream states
// (RFC 9113 5.1), flow control and H2-01 (6.9), SETTINGS, PING, GOAWAY, PUSH_PROMISE, and
// well-formed responses (8.1). Every breach is a Violation handed to the core, which answers it.
import { wallNow } from '../timeline.ts';
import { ErrorCode, SettingId, errorCodeName, settingName } from './constants.ts';
import type { ConnectionCore } from './core.ts';
import type { FrameSink } from './frame-parser.ts';
import { pingFrame, rstStreamFrame, settingsAckFrame } from './frame-serializer.ts';
import type { FrameOf } from './frames.ts';
import { applySetting } from './settings.ts';
import type { H2Stream } from './stream.ts';
import { type Violation, connectionError, streamError } from './violations.ts';

export function inboundSink(core: ConnectionCore): FrameSink {
  return {
    frame(f) {
      if (core.closed) return;
      switch (f.type) {
        case 'DATA': return onData(core, f);
        case 'HEADERS': return onHeaders(core, f);
        case 'RST_STREAM': return onRstStream(core, f);
        case 'SETTINGS': return onSettings(core, f);
        case 'PUSH_PROMISE': return onPushPromise(core, f);
        case 'PING': return onPing(core, f);
        case 'GOAWAY': return onGoaway(core, f);
        case 'WINDOW_UPDATE': return onWindowUpdate(core, f);
        case 'PRIORITY': return; // advisory, deprecated (RFC 9113 5.3.2)
        case 'UNKNOWN': return; // ignored (5.5)
      }
    },
    violation(v) {
      if (!core.closed) core.violation(v);
    },
  };
}

type At = { streamId: number; frameType: string; offset: number };
const at = (f: { streamId: number; offset: number }, frameType: string): At => ({ streamId: f.streamId, frameType, offset: f.offset });

function idle(core: ConnectionCore, f: { streamId: number; offset: number }, type: string): boolean {
  if (!core.isIdle(f.streamId)) return false;
  const why = f.streamId % 2 === 0 ? 'no PUSH_PROMISE reserved it' : 'the client never opened it';
  core.violation(connectionError('IDLE_STREAM_FRAME', 'PROTOCOL_ERROR', 'RFC 9113 5.1', `${type} on idle stream ${f.streamId}: ${why}`, at(f, type)));
  return true;
}

/** Did we reset this stream (so frames still in flight on it are ignored, 5.1)? */
function resetByUs(s: H2Stream): boolean {
  return s.completion === 'cancelled' || s.completion === 'stream-error' || s.completion === 'connection-error';
}

/**
 * A frame on a stream that is over, or half-closed (remote): ignored if we reset the stream,
 * otherwise a stream error STREAM_CLOSED. Returns true when the frame must not be processed.
 */
function closedStream(core: ConnectionCore, s: H2Stream, f: { streamId: number; offset: number }, type: string): boolean {
  if (s.ended && resetByUs(s)) return true;
  if (!s.ended && !s.remoteEnded) return false;
  const state = s.ended ? `closed (${s.completion})` : 'half-closed (remote): END_STREAM was received';
  core.violation(streamError('CLOSED_STREAM_FRAME', 'STREAM_CLOSED', 'RFC 9113 5.1', `${type} on stream ${f.streamId}, which is ${state}`, at(f, type)));
  return true;
}

function onData(core: ConnectionCore, f: FrameOf<'DATA'>): void {
  const t = wallNow();
  if (idle(core, f, 'DATA')) return;
  // Every DATA frame counts against the connection window, whatever its stream's state (6.9).
  const connBefore = core.window.available;
  const connOver = core.window.receive(f.flowBytes);
  core.connReader?.offer(f.flowBytes);
  if (connOver > 0) exceeded(core, f, connOver, 'connection', connBefore);
  if (core.parser.stopped !== null) return; // the excess was a connection error
  const s = core.byId.get(f.streamId);
  if (s === undefined) { // a refused pushed stream
    core.released(f.flowBytes);
    return;
  }
  const before = s.window.available;
  const over = s.window.receive(f.flowBytes);
  if (over > 0) exceeded(core, f, over, 'stream', before);
  if (s.ended || s.remoteEnded) {
    core.released(f.flowBytes); // nobody will read it: the connection gets it back
    closedStream(core, s, f, 'DATA');
    return;
  }
  const bad = s.onData(f.data, f.flowBytes, t);
  if (bad !== null) {
    core.released(f.flowBytes);
    core.violation(streamError(bad.code, 'PROTOCOL_ERROR', 'RFC 9113 8.1.1', bad.message, at(f, 'DATA')));
    return;
  }
  // END_STREAM first: once it is in, no stream WINDOW_UPDATE is worth sending.
  if (f.endStream) endOfStream(core, s, f, 'DATA', t);
  if (!s.reader.offer(f.flowBytes)) core.released(f.flowBytes);
  core.changed();
}

function exceeded(core: ConnectionCore, f: FrameOf<'DATA'>, bytes: number, scope: 'stream' | 'connection', window: number): void {
  const mode = core.opts.onWindowExceeded;
  const action: Violation['action'] = mode === 'record' ? 'recorded' : scope === 'connection' || mode === 'connection-error' ? 'connection-error' : 'stream-error';
  core.violation({
    code: 'H2-01',
    rule: 'H2-01; RFC 9113 6.9.1',
    message: `DATA of ${f.flowBytes} bytes on stream ${f.streamId} when the ${scope} window granted ${Math.max(0, window)}: ${bytes} bytes over`,
    streamId: f.streamId,
    frameType: 'DATA',
    offset: f.offset,
    action,
    errorCode: 'FLOW_CONTROL_ERROR',
    excess: { bytes, scope, window },
  });
}

function endOfStream(core: ConnectionCore, s: H2Stream, f: { streamId: number; offset: number }, type: string, t: number): void {
  const bad = s.onEndStream(t);
  if (bad !== null) {
    core.violation(streamError(bad.code, 'PROTOCOL_ERROR', 'RFC 9113 8.1.1', bad.message, at(f, type)));
    return;
  }
  if (s.localEnded) core.endStream(s, 'complete', t);
}

function onHeaders(core: ConnectionCore, f: FrameOf<'HEADERS'>): void {
  const t = wallNow();
  // Decode first, whatever happens to the stream: the HPACK table must stay in step (4.3).
  const decoded = core.decoder.decode(f.block);
  if (!decoded.ok) {
    core.violation(connectionError('COMPRESSION', 'COMPRESSION_ERROR', 'RFC 9113 4.3',
      `field block on stream ${f.streamId} cannot be decoded: ${decoded.message}`, at(f, 'HEADERS')));
    return;
  }
  if (idle(core, f, 'HEADERS')) return;
  const s = core.byId.get(f.streamId);
  if (s === undefined || closedStream(core, s, f, 'HEADERS')) return;
  const bad = s.onHeaders(decoded.headers, f.endStream, t);
  if (bad !== null) {
    core.violation(streamError('MALFORMED_RESPONSE', 'PROTOCOL_ERROR', 'RFC 9113 8.1.1', bad, at(f, 'HEADERS')));
    return;
  }
  if (f.endStream) endOfStream(core, s, f, 'HEADERS', t);
  core.changed();
}

function onRstStream(core: ConnectionCore, f: FrameOf<'RST_STREAM'>): void {
  if (idle(core, f, 'RST_STREAM')) return;
  const s = core.byId.get(f.streamId);
  if (s === undefined || s.ended) return; // closed: ignored
  const t = wallNow();
  s.record({ type: 'rst-stream', t, direction: 'received', errorCode: errorCodeName(f.errorCode) });
  // After a whole response, RST_STREAM(NO_ERROR) only asks us to stop sending (8.1).
  const completion = s.remoteEnded ? 'complete' : f.errorCode === ErrorCode.REFUSED_STREAM ? 'refused' : 'reset-by-peer';
  if (completion === 'complete') core.framer.cancelStream(s.id);
  core.endStream(s, completion, t, f.errorCode);
}

function onSettings(core: ConnectionCore, f: FrameOf<'SETTINGS'>): void {
  const t = wallNow();
  core.record({ type: 'settings', t, direction: 'received', ack: f.ack, settings: f.settings.map(([id, v]) => [settingName(id), v]) });
  if (f.ack) {
    core.localSettingsAcked = true;
    core.changed();
    return;
  }
  for (const [id, value] of f.settings) {
    if (id === SettingId.INITIAL_WINDOW_SIZE) {
      const delta = value - core.peer.initialWindowSize;
      for (const s of core.active.values()) {
        if (!s.sendWindow.adjust(delta)) {
          core.violation(connectionError('WINDOW_OVERFLOW', 'FLOW_CONTROL_ERROR', 'RFC 9113 6.9.2',
            `SETTINGS_INITIAL_WINDOW_SIZE ${value} takes stream ${s.id}'s window past 2^31-1`, at(f, 'SETTINGS')));
          return;
        }
      }
    }
    applySetting(core.peer, id, value);
  }
  core.peerSettingsSeen = true;
  core.framer.enqueueControl({
    bytes: settingsAckFrame(), label: 'SETTINGS_ACK', streamId: 0,
    onWritten: () => core.record({ type: 'settings', t: wallNow(), direction: 'sent', ack: true, settings: [] }),
  });
  core.framer.kick();
  core.changed();
}

function onPushPromise(core: ConnectionCore, f: FrameOf<'PUSH_PROMISE'>): void {
  const decoded = core.decoder.decode(f.block);
  if (!decoded.ok) {
    core.violation(connectionError('COMPRESSION', 'COMPRESSION_ERROR', 'RFC 9113 4.3',
      `field block of PUSH_PROMISE on stream ${f.streamId} cannot be decoded: ${decoded.message}`, at(f, 'PUSH_PROMISE')));
    return;
  }
  if (core.localSettingsAcked) {
    core.violation(connectionError('PUSH_DISABLED', 'PROTOCOL_ERROR', 'RFC 9113 6.6',
      `PUSH_PROMISE on stream ${f.streamId} after the server acknowledged SETTINGS_ENABLE_PUSH 0`, at(f, 'PUSH_PROMISE')));
    return;
  }
  const p = f.promisedStreamId;
  const s = core.byId.get(f.streamId);
  if (p === 0 || p % 2 === 1 || core.promised.has(p) || s === undefined || s.ended) {
    core.violation(connectionError('IDLE_STREAM_FRAME', 'PROTOCOL_ERROR', 'RFC 9113 6.6',
      `PUSH_PROMISE on stream ${f.streamId} promising stream ${p}: not an open client stream and a new even id`, at(f, 'PUSH_PROMISE')));
    return;
  }
  // Sent before our SETTINGS arrived: legal, refused at once.
  core.promised.add(p);
  core.framer.enqueueControl({ bytes: rstStreamFrame(p, ErrorCode.CANCEL), label: 'RST_STREAM', streamId: p });
}

function onPing(core: ConnectionCore, f: FrameOf<'PING'>): void {
  const t = wallNow();
  const opaque = f.opaque.toString('hex');
  core.record({ type: 'ping', t, direction: 'received', ack: f.ack, opaque });
  if (f.ack) {
    const mine = core.pings.get(opaque);
    if (mine !== undefined) {
      core.pings.delete(opaque);
      mine.resolve(t - mine.sentAt);
    }
    return;
  }
  core.framer.enqueueControl({
    bytes: pingFrame(f.opaque, true), label: 'PING_ACK', streamId: 0,
    onWritten: () => core.record({ type: 'ping', t: wallNow(), direction: 'sent', ack: true, opaque }),
  });
}

function onGoaway(core: ConnectionCore, f: FrameOf<'GOAWAY'>): void {
  const t = wallNow();
  const errorCode = errorCodeName(f.errorCode);
  core.record({ type: 'goaway', t, direction: 'received', lastStreamId: f.lastStreamId, errorCode, debug: f.debug.toString('latin1') });
  const prev = core.goawayReceived;
  if (prev !== null && f.lastStreamId > prev.lastStreamId) {
    core.violation({
      code: 'GOAWAY_ID_INCREASED', rule: 'RFC 9113 6.8', action: 'recorded', errorCode: 'PROTOCOL_ERROR',
      message: `GOAWAY raised the last stream id from ${prev.lastStreamId} to ${f.lastStreamId}`, ...at(f, 'GOAWAY'),
    });
  }
  const lastStreamId = prev === null ? f.lastStreamId : Math.min(prev.lastStreamId, f.lastStreamId);
  core.goawayReceived = { lastStreamId, errorCode: f.errorCode };
  for (const s of [...core.active.values()]) {
    const refused = s.id > lastStreamId;
    s.record({ type: 'goaway', t, lastStreamId, errorCode, refused });
    if (refused) {
      core.framer.cancelStream(s.id);
      core.endStream(s, 'refused', t, f.errorCode);
    }
  }
  if (core.active.size === 0) core.goAway('NO_ERROR', 'GOAWAY received, no stream left');
  core.changed();
}

function onWindowUpdate(core: ConnectionCore, f: FrameOf<'WINDOW_UPDATE'>): void {
  const t = wallNow();
  if (f.streamId === 0) {
    if (!core.sendWindow.update(f.increment)) {
      core.violation(connectionError('WINDOW_OVERFLOW', 'FLOW_CONTROL_ERROR', 'RFC 9113 6.9.1',
        `connection WINDOW_UPDATE of ${f.increment} takes our send window past 2^31-1`, at(f, 'WINDOW_UPDATE')));
      return;
    }
    core.record({ type: 'window-update', t, direction: 'received', increment: f.increment, window: core.sendWindow.window });
    core.framer.kick();
    return;
  }
  if (idle(core, f, 'WINDOW_UPDATE')) return;
  const s = core.byId.get(f.streamId);
  if (s === undefined || s.ended) return; // closed: ignored
  if (!s.sendWindow.update(f.increment)) {
    core.violation(streamError('WINDOW_OVERFLOW', 'FLOW_CONTROL_ERROR', 'RFC 9113 6.9.1',
      `WINDOW_UPDATE of ${f.increment} takes stream ${s.id}'s send window past 2^31-1`, at(f, 'WINDOW_UPDATE')));
    return;
  }
  s.record({ type: 'window-update', t, direction: 'received', increment: f.increment, window: s.sendWindow.window });
  core.framer.kick();
}
