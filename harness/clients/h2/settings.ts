// SETTINGS values: the defaults of RFC 9113 6.5.2, the range each value must be in, and the
// peer's settings as they stand after every SETTINGS frame received.
import {
  DEFAULT_HEADER_TABLE_SIZE, DEFAULT_MAX_FRAME_SIZE, DEFAULT_WINDOW, type ErrorCodeName, MAX_MAX_FRAME_SIZE, MAX_WINDOW,
  SettingId, settingName,
} from './constants.ts';

export interface PeerSettings {
  headerTableSize: number;
  enablePush: number;
  /** Infinity until the peer names a limit. */
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  /** Infinity until the peer names a limit. */
  maxHeaderListSize: number;
}

export function defaultSettings(): PeerSettings {
  return {
    headerTableSize: DEFAULT_HEADER_TABLE_SIZE,
    enablePush: 1,
    maxConcurrentStreams: Infinity,
    initialWindowSize: DEFAULT_WINDOW,
    maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
    maxHeaderListSize: Infinity,
  };
}

/** Why a received value is out of range, with the error code RFC 9113 6.5.2 names; null if fine. */
export function checkSetting(id: number, value: number, fromServer: boolean): { errorCode: ErrorCodeName; message: string } | null {
  const name = settingName(id);
  switch (id) {
    case SettingId.ENABLE_PUSH:
      if (value > 1) return { errorCode: 'PROTOCOL_ERROR', message: `${name} = ${value}: only 0 and 1 are allowed` };
      if (fromServer && value === 1) return { errorCode: 'PROTOCOL_ERROR', message: `${name} = 1 sent by a server` };
      return null;
    case SettingId.INITIAL_WINDOW_SIZE:
      return value > MAX_WINDOW ? { errorCode: 'FLOW_CONTROL_ERROR', message: `${name} = ${value}: above 2^31-1` } : null;
    case SettingId.MAX_FRAME_SIZE:
      return value < DEFAULT_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE
        ? { errorCode: 'PROTOCOL_ERROR', message: `${name} = ${value}: outside 16384..16777215` }
        : null;
    case SettingId.ENABLE_CONNECT_PROTOCOL:
    case SettingId.NO_RFC7540_PRIORITIES:
      return value > 1 ? { errorCode: 'PROTOCOL_ERROR', message: `${name} = ${value}: only 0 and 1 are allowed` } : null;
    default:
      return null; // unknown settings are ignored (6.5.2)
  }
}

/** Applies one (already checked) setting; returns the old INITIAL_WINDOW_SIZE delta if it changed. */
export function applySetting(s: PeerSettings, id: number, value: number): number {
  switch (id) {
    case SettingId.HEADER_TABLE_SIZE: s.headerTableSize = value; return 0;
    case SettingId.ENABLE_PUSH: s.enablePush = value; return 0;
    case SettingId.MAX_CONCURRENT_STREAMS: s.maxConcurrentStreams = value; return 0;
    case SettingId.INITIAL_WINDOW_SIZE: {
      const delta = value - s.initialWindowSize;
      s.initialWindowSize = value;
      return delta;
    }
    case SettingId.MAX_FRAME_SIZE: s.maxFrameSize = value; return 0;
    case SettingId.MAX_HEADER_LIST_SIZE: s.maxHeaderListSize = value; return 0;
    default: return 0;
  }
}

/** What the simulator advertises in its preface SETTINGS. */
export interface LocalSettings {
  /** SETTINGS_INITIAL_WINDOW_SIZE: each stream's receive window (default 65535). */
  initialWindowSize?: number;
  /** SETTINGS_MAX_FRAME_SIZE (default 16384): larger frames are violations. */
  maxFrameSize?: number;
  /** SETTINGS_HEADER_TABLE_SIZE for the HPACK decoder (default 4096). */
  headerTableSize?: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS for streams the server would open (pushes); omitted if unset. */
  maxConcurrentStreams?: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE, advisory; omitted if unset. */
  maxHeaderListSize?: number;
}

/** The preface SETTINGS as (id, value) pairs; ENABLE_PUSH is always 0. */
export function localSettingsList(l: LocalSettings): Array<[number, number]> {
  const out: Array<[number, number]> = [[SettingId.ENABLE_PUSH, 0]];
  if (l.headerTableSize !== undefined) out.push([SettingId.HEADER_TABLE_SIZE, l.headerTableSize]);
  if (l.initialWindowSize !== undefined) out.push([SettingId.INITIAL_WINDOW_SIZE, l.initialWindowSize]);
  if (l.maxFrameSize !== undefined) out.push([SettingId.MAX_FRAME_SIZE, l.maxFrameSize]);
  if (l.maxConcurrentStreams !== undefined) out.push([SettingId.MAX_CONCURRENT_STREAMS, l.maxConcurrentStreams]);
  if (l.maxHeaderListSize !== undefined) out.push([SettingId.MAX_HEADER_LIST_SIZE, l.maxHeaderListSize]);
  return out;
}
