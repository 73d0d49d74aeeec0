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
  | { s: 'trailers'; req: ParsedRequest; parts: Buffer[]; total: number; trailers: number };

export class RequestParser {
  #buf: Buffer = Buffer.alloc(0);
  #state: State = { s: 'head' };
  /**
   * A head still incomplete, in the pieces it arrived in: joined once, when its end has come.
   * (Joining at every read made a head sent one byte per write cost quadratic time, issue 15.)
   */
  #parts: Buffer[] = [];
  #partsLen = 0;
  /** The last 3 bytes of #parts: a CRLFCRLF may straddle the next piece. */
  #tail: Buffer = Buffer.alloc(0);
  /**
   * A request that could not be parsed after others in the same read were: those are returned
   * and answered; this is for the caller to answer after them (then the connection closes).
   */
  failure: RequestParseError | null = null;

  constructor(private readonly limits: ParserLimits) {}

  /** True while part of a request has arrived but not all of it. */
  get midRequest(): boolean {
    return this.#buf.length > 0 || this.#partsLen > 0 || this.#state.s !== 'head';
  }

  /** True while part of a request head has arrived but not all of it. */
  get inHead(): boolean {
    return this.#state.s === 'head' && (this.#buf.length > 0 || this.#partsLen > 0);
  }

  /**
   * Feeds bytes; returns the requests completed by them, in order. A head is reported through
   * `onHead` as soon as it is complete (for Expect: 100-continue). Throws RequestParseError when
   * nothing before the error could be parsed; otherwise returns what was parsed and sets `failure`.
   */
  push(chunk: Buffer, onHead?: (req: ParsedRequest) => void): ParsedRequest[] {
    if (this.#partsLen > 0) {
      const probe = Buffer.concat([this.#tail, chunk.subarray(0, 3)]);
      this.#parts.push(chunk);
      this.#partsLen += chunk.length;
      if (probe.indexOf(CRLFCRLF) < 0 && chunk.indexOf(CRLFCRLF) < 0 && this.#partsLen <= this.limits.maxHeadBytes) {
        const t = Buffer.concat([this.#tail, chunk]);
        this.#tail = Buffer.from(t.subarray(Math.max(0, t.length - 3)));
        return [];
      }
      this.#buf = Buffer.concat(this.#parts, this.#partsLen);
      this.#parts = [];
      this.#partsLen = 0;
      this.#tail = Buffer.alloc(0);
    } else this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: ParsedRequest[] = [];
    try {
      this.#parse(out, onHead);
    } catch (err) {
      if (out.length === 0 || !(err instanceof RequestParseError)) throw err;
      this.failure = err;
    }
    return out;
  }

  #parse(out: ParsedRequest[], onHead?: (req: ParsedRequest) => void): void {
    for (;;) {
      const st = this.#state;
      if (st.s === 'head') {
        const end = this.#buf.indexOf(CRLFCRLF);
        if (end < 0) {
          if (this.#buf.length > this.limits.maxHeadBytes) throw new RequestParseError(431, 'request head too large');
          if (this.#buf.length > 0) {
            // Kept in pieces until its end arrives (see #parts).
            this.#parts = [this.#buf];
            this.#partsLen = this.#buf.length;
            this.#tail = Buffer.from(this.#buf.subarray(Math.max(0, this.#buf.length - 3)));
            this.#buf = Buffer.alloc(0);
          }
          return;
        }
        if (end + 4 > this.limits.maxHeadBytes) throw new RequestParseError(431, 'request head too large');
        const req = this.#parseHead(this.#buf.toString('latin1', 0, end));
        this.#buf = this.#buf.subarray(end + 4);
        const te = header(req.headers, 'transfer-encoding');
        const n = contentLength(req.headers);
        // More than one transfer-encoding field: two readers may disagree on which one frames the
        // body (a smuggling vector); RFC 9112 6.3 makes it unrecoverable: 400 and close.
        if (count(req.headers, 'transfer-encoding') > 1) throw new RequestParseError(400, 'more than one transfer-encoding field');
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
        if (!this.#takeBody(st)) return;
        st.req.body = Buffer.concat(st.parts);
        out.push(st.req);
        this.#state = { s: 'head' };
        continue;
      }
      if (st.s === 'chunk-size' || st.s === 'chunk-crlf' || st.s === 'trailers') {
        const eol = this.#buf.indexOf('\r\n');
        if (eol < 0) {
          if (this.#buf.length > 4096) throw new RequestParseError(400, 'chunk line too long');
          return;
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
          } else {
            // A trailer field is a field like a header (RFC 9112 7.1.2); anything else is a 400.
            const colon = line.indexOf(':');
            if (colon <= 0 || !TOKEN.test(line.slice(0, colon)) || !FIELD_VALUE.test(line.slice(colon + 1).trim())) {
              throw new RequestParseError(400, 'malformed trailer field');
            }
            if (++st.trailers > this.limits.maxHeaders) throw new RequestParseError(431, 'too many trailer fields');
          }
        } else {
          const m = /^([0-9A-Fa-f]{1,12})(;.*)?$/.exec(line);
          if (!m) throw new RequestParseError(400, 'bad chunk size');
          const size = parseInt(m[1]!, 16);
          if (size === 0) {
            this.#state = { s: 'trailers', req: st.req, parts: st.parts, total: st.total, trailers: 0 };
          } else {
            if (st.total + size > this.limits.maxBodyBytes) throw new RequestParseError(413, 'body exceeds max_body_len');
            this.#state = { s: 'chunk-data', req: st.req, parts: st.parts, total: st.total + size, remaining: size };
          }
        }
        continue;
      }
      // chunk-data
      if (!this.#takeBody(st)) return;
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
    // Visible ASCII only: no control characters (NUL, 0x01, DEL) and no obs-text (RFC 9112 3.2, RFC 3986).
    if (!/^[\x21-\x7e]+$/.test(m[2]!)) throw new RequestParseError(400, 'invalid character in the request target');
    let target = m[2]!;
    // Absolute form (RFC 9112 3.2.2): a server must accept it; the path (and query) is the target.
    const abs = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^#]*)/.exec(target);
    if (abs) target = abs[1]!.startsWith('/') ? abs[1]! : `/${abs[1]!}`;
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
    if (count(headers, 'host') > 1) throw new RequestParseError(400, 'more than one Host header'); // RFC 9112 3.2
    const expectContinue = (header(headers, 'expect') ?? '').toLowerCase() === '100-continue';
    return { method: m[1]!, target, version, headers, body: null, keepAlive, expectContinue };
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

/** How many fields named `name` a flat list has (names lower-case). */
function count(flat: readonly string[], name: string): number {
  let n = 0;
  for (let i = 0; i < flat.length; i += 2) if (flat[i] === name) n++;
  return n;
}

/** The first value of a header in a flat list (names lower-case). */
export function header(flat: readonly string[], name: string): string | undefined {
  for (let i = 0; i < flat.length; i += 2) if (flat[i] === name) return flat[i + 1];
  return undefined;
}
