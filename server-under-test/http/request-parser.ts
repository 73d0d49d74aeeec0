// Incremental HTTP/1.1 request parser for the HTTP worker thread.
//
// Why our own and not node:http: the reference server must decide itself, byte for byte, what
// is committed to the socket (I-3), keep serving after a client half-closes (CXL-08), and answer
// pipelined requests concurrently; node:http owns the socket and does none of that. Node's
// llhttp binding is internal, so the request side is parsed here: strict, bounded, and small.

export interface ParsedRequest {
  method: string;
  target: string;
  version: '1.0' | '1.1';
  /** Flat [name, value, ...] with lower-cased names. */
  headers: string[];
  body: Buffer | null;
  keepAlive: boolean;
  expectContinue: boolean;
}

export class RequestParseError extends Error {
  constructor(readonly status: 400 | 413 | 414 | 431 | 501 | 505, message: string) {
    super(message);
  }
}

export interface ParserLimits {
  maxHeadBytes: number;
  maxHeaders: number;
  maxBodyBytes: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Header values: visible ASCII, space, tab and obs-text; no CR/LF/NUL.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

type State =
  | { s: 'head' }
  | { s: 'length'; req: ParsedRequest; remaining: number; parts: Buffer[] }
  | { s: 'chunk-size'; req: ParsedRequest; parts: Buffer[]; total: number }
  | { s: 'chunk-data'; req: ParsedRequest; parts: Buffer[]; total: number; remaining: number }
  | { s: 'chunk-crlf'; req: ParsedRequest; parts: Buffer[]; total: number }
  | { s: 'trailers'; req: ParsedRequest; parts: Buffer[]; total: number };

export class RequestParser {
  #buf: Buffer = Buffer.alloc(0);
  #state: State = { s: 'head' };

  constructor(private readonly limits: ParserLimits) {}

  /** True while part of a request has arrived but not all of it. */
  get midRequest(): boolean {
    return this.#buf.length > 0 || this.#state.s !== 'head';
  }

  /**
   * Feeds bytes; returns the requests completed by them, in order. A head is reported through
   * `onHead` as soon as it is complete (for Expect: 100-continue). Throws RequestParseError.
   */
  push(chunk: Buffer, onHead?: (req: ParsedRequest) => void): ParsedRequest[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: ParsedRequest[] = [];
    for (;;) {
      const st = this.#state;
      if (st.s === 'head') {
        const end = this.#buf.indexOf(CRLFCRLF);
        if (end < 0) {
          if (this.#buf.length > this.limits.maxHeadBytes) throw new RequestParseError(431, 'request head too large');
          return out;
        }
        if (end + 4 > this.limits.maxHeadBytes) throw new RequestParseError(431, 'request head too large');
        const req = this.#parseHead(this.#buf.toString('latin1', 0, end));
        this.#buf = this.#buf.subarray(end + 4);
        const te = header(req.headers, 'transfer-encoding');
        const n = contentLength(req.headers);
        if (te !== undefined) {
          if (n !== undefined) throw new RequestParseError(400, 'both content-length and transfer-encoding');
          if (te.trim().toLowerCase() !== 'chunked') throw new RequestParseError(501, `unsupported transfer-encoding "${te}"`);
          onHead?.(req);
          this.#state = { s: 'chunk-size', req, parts: [], total: 0 };
        } else if (n !== undefined) {
          if (n > this.limits.maxBodyBytes) throw new RequestParseError(413, `body of ${n} bytes exceeds max_body_len`);
          if (n === 0) {
            out.push(req);
            continue;
          }
          onHead?.(req);
          this.#state = { s: 'length', req, remaining: n, parts: [] };
        } else {
          out.push(req);
        }
        continue;
      }
      if (st.s === 'length') {
        if (!this.#takeBody(st)) return out;
        st.req.body = Buffer.concat(st.parts);
        out.push(st.req);
        this.#state = { s: 'head' };
        continue;
      }
      if (st.s === 'chunk-size' || st.s === 'chunk-crlf' || st.s === 'trailers') {
        const eol = this.#buf.indexOf('\r\n');
        if (eol < 0) {
          if (this.#buf.length > 4096) throw new RequestParseError(400, 'chunk line too long');
          return out;
        }
        const line = this.#buf.toString('latin1', 0, eol);
        this.#buf = this.#buf.subarray(eol + 2);
        if (st.s === 'chunk-crlf') {
          if (line !== '') throw new RequestParseError(400, 'missing CRLF after chunk data');
          this.#state = { s: 'chunk-size', req: st.req, parts: st.parts, total: st.total };
        } else if (st.s === 'trailers') {
          if (line === '') {
            st.req.body = Buffer.concat(st.parts);
            out.push(st.req);
            this.#state = { s: 'head' };
          }
        } else {
          const m = /^([0-9A-Fa-f]{1,12})(;.*)?$/.exec(line);
          if (!m) throw new RequestParseError(400, 'bad chunk size');
          const size = parseInt(m[1]!, 16);
          if (size === 0) {
            this.#state = { s: 'trailers', req: st.req, parts: st.parts, total: st.total };
          } else {
            if (st.total + size > this.limits.maxBodyBytes) throw new RequestParseError(413, 'body exceeds max_body_len');
            this.#state = { s: 'chunk-data', req: st.req, parts: st.parts, total: st.total + size, remaining: size };
          }
        }
        continue;
      }
      // chunk-data
      if (!this.#takeBody(st)) return out;
      this.#state = { s: 'chunk-crlf', req: st.req, parts: st.parts, total: st.total };
    }
  }

  /** Moves up to `st.remaining` buffered bytes into `st.parts`; true once none remain. */
  #takeBody(st: { parts: Buffer[]; remaining: number }): boolean {
    const take = Math.min(st.remaining, this.#buf.length);
    st.parts.push(this.#buf.subarray(0, take));
    this.#buf = this.#buf.subarray(take);
    st.remaining -= take;
    return st.remaining === 0;
  }

  #parseHead(text: string): ParsedRequest {
    const lines = text.split('\r\n');
    // Tolerate (and skip) empty lines before the request line, as RFC 9112 2.2 allows.
    while (lines.length > 0 && lines[0] === '') lines.shift();
    const first = lines.shift() ?? '';
    const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/(\d)\.(\d)$/.exec(first);
    if (!m) throw new RequestParseError(400, 'malformed request line');
    if (m[2]!.length > 8192) throw new RequestParseError(414, 'request target too long');
    const version = `${m[3]}.${m[4]}`;
    if (version !== '1.1' && version !== '1.0') throw new RequestParseError(505, `HTTP/${version} not supported`);
    if (lines.length > this.limits.maxHeaders) throw new RequestParseError(431, 'too many header fields');
    const headers: string[] = [];
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new RequestParseError(400, 'malformed header field');
      const name = line.slice(0, colon);
      if (!TOKEN.test(name)) throw new RequestParseError(400, 'malformed header name');
      const value = line.slice(colon + 1).trim();
      if (!FIELD_VALUE.test(value)) throw new RequestParseError(400, 'malformed header value');
      headers.push(name.toLowerCase(), value);
    }
    const conn = (header(headers, 'connection') ?? '').toLowerCase();
    const keepAlive = version === '1.1' ? !/\bclose\b/.test(conn) : /\bkeep-alive\b/.test(conn);
    if (version === '1.1' && header(headers, 'host') === undefined) throw new RequestParseError(400, 'missing Host header');
    const expectContinue = (header(headers, 'expect') ?? '').toLowerCase() === '100-continue';
    return { method: m[1]!, target: m[2]!, version, headers, body: null, keepAlive, expectContinue };
  }
}

/**
 * The request's content-length, undefined when it has none. Every content-length field must be a
 * decimal number and all of them the same one: fields that disagree would let two readers of this
 * request find its end in different places (RFC 9112 6.3, RFC 9110 8.6), so that is a 400.
 */
function contentLength(flat: readonly string[]): number | undefined {
  let n: number | undefined;
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i] !== 'content-length') continue;
    const v = flat[i + 1]!.trim();
    if (!/^\d{1,15}$/.test(v)) throw new RequestParseError(400, 'bad content-length');
    if (n !== undefined && Number(v) !== n) throw new RequestParseError(400, 'content-length fields disagree');
    n = Number(v);
  }
  return n;
}

/** The first value of a header in a flat list (names lower-case). */
export function header(flat: readonly string[], name: string): string | undefined {
  for (let i = 0; i < flat.length; i += 2) if (flat[i] === name) return flat[i + 1];
  return undefined;
}
