// HTTP/2 numbers from RFC 9113: frame types, flags, error codes, settings, limits. Data only.

/** The client connection preface (RFC 9113 3.4), sent before the first SETTINGS frame. */
export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FRAME_HEADER_BYTES = 9;

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;
export type FrameTypeName = keyof typeof FrameType;

const TYPE_NAMES = new Map<number, FrameTypeName>(
  Object.entries(FrameType).map(([k, v]) => [v, k as FrameTypeName]),
);

/** "DATA", "HEADERS"... or "UNKNOWN(0x2a)". */
export function frameTypeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `UNKNOWN(0x${type.toString(16)})`;
}

export const Flag = {
  ACK: 0x1, // SETTINGS, PING
  END_STREAM: 0x1, // DATA, HEADERS
  END_HEADERS: 0x4, // HEADERS, PUSH_PROMISE, CONTINUATION
  PADDED: 0x8, // DATA, HEADERS, PUSH_PROMISE
  PRIORITY: 0x20, // HEADERS
} as const;

export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;
export type ErrorCodeName = keyof typeof ErrorCode;

const ERROR_NAMES = new Map<number, ErrorCodeName>(
  Object.entries(ErrorCode).map(([k, v]) => [v, k as ErrorCodeName]),
);

/** "CANCEL", ... or "UNKNOWN(0x42)" (unknown codes are legal and mean INTERNAL_ERROR-ish). */
export function errorCodeName(code: number): string {
  return ERROR_NAMES.get(code) ?? `UNKNOWN(0x${code.toString(16)})`;
}

export const SettingId = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
  ENABLE_CONNECT_PROTOCOL: 0x8, // RFC 8441
  NO_RFC7540_PRIORITIES: 0x9, // RFC 9218
} as const;
export type SettingName = keyof typeof SettingId;

const SETTING_NAMES = new Map<number, SettingName>(
  Object.entries(SettingId).map(([k, v]) => [v, k as SettingName]),
);

export function settingName(id: number): string {
  return SETTING_NAMES.get(id) ?? `UNKNOWN(0x${id.toString(16)})`;
}

/** Largest window (and stream id): 2^31 - 1. */
export const MAX_WINDOW = 0x7fffffff;
export const MAX_STREAM_ID = 0x7fffffff;
/** Initial stream and connection window before any SETTINGS or WINDOW_UPDATE. */
export const DEFAULT_WINDOW = 65_535;
export const DEFAULT_MAX_FRAME_SIZE = 16_384;
export const MAX_MAX_FRAME_SIZE = 16_777_215;
export const DEFAULT_HEADER_TABLE_SIZE = 4096;
