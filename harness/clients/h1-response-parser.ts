// Incremental, strict HTTP/1.1 response parser.
//
// Why our own parser rather than llhttp (node:http) or undici: the harness tests servers that may
// frame responses wrongly after a partial write (PWR-02). A library parser either throws a generic
// error and drops the connection state, or quietly tolerates the fault; either way the evidence is
// gone. This one never throws on wire input: it records, per response, what arrived (head, body
// bytes, chunk layout, trailers) and how it ended, and for broken framing the byte offset in the
// connection stream and what was wrong there. It also tells a truncated body (the server closed
// early) from a complete one, which is the whole point of the checks.
//
// Body bytes are never copied except the stored prefix (up to `storeBodyCap` per response), so
// the parser keeps up with hundreds of MB/s; counting continues beyond the cap.
import { excerpt, parseChunkLine, parseHeaderLine, parseStatusLine } from './h1-syntax.ts';
import {
  type BodyFraming, type Completion, type FramingError, type ParsedResponse, decideFraming, newResponse,
} from './h1-response.ts';
import { wallNow } from './timeline.ts';

export * from './h1-response.ts';

export interface ParserOptions {
  /** Body bytes stored per response (default 1 MiB). Counting continues beyond. */
  storeBodyCap?: number;
  /** Longest status line + header section (default 64 KiB). */
  maxHeadBytes?: number;
  /** Longest chunk-size line or trailer line (default 4 KiB). */
  maxLineBytes?: number;
  now?: () => number;
  onHead?: (r: ParsedResponse) => void;
  /** Every body piece as it arrives; `chunk` is only valid during the call. */
  onBody?: (r: ParsedResponse, chunk: Buffer, bodyOffset: number) => void;
  onEnd?: (r: ParsedResponse) => void;
}

type State =
  | 'status-line' | 'header-line' | 'body-length' | 'body-close' | 'chunk-size' | 'chunk-data'
  | 'chunk-cr' | 'chunk-lf' | 'trailer-line' | 'failed' | 'upgraded' | 'ended';

const CR = 13;
const LF = 10;
const STATUS_PREFIX = Buffer.from('HTTP/');

export class H1ResponseParser {
  readonly responses: ParsedResponse[] = [];
  /** Bytes after a framing error, an upgrade or the end, which were not parsed. */
  ignoredBytes = 0;
  private readonly opts: Required<Pick<ParserOptions, 'storeBodyCap' | 'maxHeadBytes' | 'maxLineBytes' | 'now'>> & ParserOptions;
  private readonly methods: string[] = [];
  private state: State = 'status-line';
  private cur: ParsedResponse | null = null;
  private offset = 0;
  private remaining = 0;
  private headBytes = 0;
  private lineParts: Buffer[] = [];
  private lineLen = 0;
  private lineStart = 0;

  constructor(options: ParserOptions = {}) {
    this.opts = {
      storeBodyCap: 1 << 20, maxHeadBytes: 64 * 1024, maxLineBytes: 4096, now: wallNow, ...options,
    };
  }

  /** Announces a request sent: the next unanswered response answers `method`. */
  expectResponse(method: string): void {
    this.methods.push(method.toUpperCase());
  }

  /** Bytes consumed so far (the offset of the next byte). */
  get bytesParsed(): number {
    return this.offset;
  }

  /** The framing error that stopped parsing, if any. */
  get error(): FramingError | null {
    return this.state === 'failed' ? this.responses[this.responses.length - 1]?.error ?? null : null;
  }

  get finished(): boolean {
    return this.state === 'failed' || this.state === 'upgraded' || this.state === 'ended';
  }

  push(chunk: Buffer, t: number = this.opts.now()): void {
    let pos = 0;
    const base = this.offset;
    this.offset += chunk.length;
    while (pos < chunk.length) {
      switch (this.state) {
        case 'failed': case 'upgraded': case 'ended':
          this.ignoredBytes += chunk.length - pos;
          return;
        case 'status-line': case 'header-line': case 'chunk-size': case 'trailer-line': {
          if (this.cur === null) this.begin(base + pos);
          const next = this.takeLine(chunk, pos, base);
          if (next < 0) return;
          pos = next;
          if ((this.state as State) !== 'failed') this.onLine(this.finishLine(), t, base + pos);
          break;
        }
        case 'body-length': case 'chunk-data': {
          const n = Math.min(this.remaining, chunk.length - pos);
          this.deliver(chunk.subarray(pos, pos + n));
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            if (this.state === 'chunk-data') this.state = 'chunk-cr';
            else this.complete('complete', t);
          }
          break;
        }
        case 'body-close':
          this.deliver(pos === 0 ? chunk : chunk.subarray(pos));
          pos = chunk.length;
          break;
        case 'chunk-cr': case 'chunk-lf': {
          const want = this.state === 'chunk-cr' ? CR : LF;
          if (chunk[pos] !== want) {
            const got = chunk[pos]!;
            this.fail(base + pos, `expected CRLF after chunk data, got byte 0x${got.toString(16).padStart(2, '0')} ${excerpt(String.fromCharCode(got))}`, t);
            break;
          }
          pos += 1;
          this.state = this.state === 'chunk-cr' ? 'chunk-lf' : 'chunk-size';
          break;
        }
      }
    }
  }

  /** The peer closed its side (FIN or RST): whatever is in progress ends here. */
  end(t: number = this.opts.now()): void {
    this.finish(this.state === 'body-close' ? 'complete' : 'truncated-by-close', t);
  }

  /** The client closed the connection itself: whatever is in progress is abandoned. */
  abandon(t: number = this.opts.now()): void {
    this.finish('abandoned', t);
  }

  private finish(how: Completion, t: number): void {
    if (this.state === 'failed' || this.state === 'upgraded' || this.state === 'ended') return;
    if (this.cur !== null) this.complete(how, t);
    this.state = 'ended';
  }

  private begin(offset: number): void {
    this.cur = newResponse(this.responses.length, this.methods.shift(), offset);
    if (this.cur.method === undefined) this.cur.anomalies.push('response without an outstanding request');
    this.responses.push(this.cur);
    this.headBytes = 0;
  }

  /** Collects one line; returns the position after its LF, or -1 when the line continues. */
  private takeLine(chunk: Buffer, pos: number, base: number): number {
    if (this.lineLen === 0) this.lineStart = base + pos;
    const inHead = this.state === 'status-line' || this.state === 'header-line';
    const lf = chunk.indexOf(LF, pos);
    const end = lf < 0 ? chunk.length : lf + 1;
    const tooLong = inHead
      ? this.headBytes + (end - pos) > this.opts.maxHeadBytes
      : this.lineLen + (end - pos) > this.opts.maxLineBytes;
    if (tooLong) {
      const what = inHead
        ? `response head longer than ${this.opts.maxHeadBytes} bytes`
        : `line longer than ${this.opts.maxLineBytes} bytes`;
      this.ignoredBytes += chunk.length - pos;
      this.fail(this.lineStart, what, this.opts.now());
      return chunk.length;
    }
    if (this.state === 'status-line' && this.lineLen < STATUS_PREFIX.length) {
      // Fail at the first byte that cannot start a status line, not only once a whole line is in:
      // bytes beyond a too-short Content-Length often end without a line break.
      for (let i = pos; i < end && this.lineLen + (i - pos) < STATUS_PREFIX.length; i++) {
        if (chunk[i] !== STATUS_PREFIX[this.lineLen + (i - pos)]) {
          const got = chunk[i]!;
          this.ignoredBytes += chunk.length - i;
          this.fail(base + i, `expected a status line ("HTTP/..."), got byte 0x${got.toString(16).padStart(2, '0')} ${excerpt(String.fromCharCode(got))}`, this.opts.now());
          return chunk.length;
        }
      }
    }
    // A line that continues in the next read is copied: the caller may reuse `chunk` (onread).
    this.lineParts.push(lf < 0 ? Buffer.from(chunk.subarray(pos, end)) : chunk.subarray(pos, end));
    this.lineLen += end - pos;
    if (inHead) this.headBytes += end - pos;
    return lf < 0 ? -1 : end;
  }

  /** The collected line without its CRLF, as latin1; fails on a bare LF or CR. */
  private finishLine(): string {
    const raw = this.lineParts.length === 1 ? this.lineParts[0]! : Buffer.concat(this.lineParts, this.lineLen);
    this.lineParts = [];
    this.lineLen = 0;
    const line = raw.toString('latin1', 0, raw.length - 1);
    if (line.length === 0 || line.charCodeAt(line.length - 1) !== CR) {
      this.fail(this.lineStart + raw.length - 1, 'bare LF (line not ended by CRLF)', this.opts.now());
      return '';
    }
    const cr = line.indexOf('\r');
    if (cr < line.length - 1) {
      this.fail(this.lineStart + cr, 'bare CR inside a line', this.opts.now());
      return '';
    }
    return line.slice(0, -1);
  }

  private onLine(line: string, t: number, nextOffset: number): void {
    if (this.state === 'failed') return;
    const r = this.cur!;
    switch (this.state) {
      case 'status-line': {
        const p = parseStatusLine(line);
        if (!p.ok) return this.fail(this.lineStart + p.at, p.message, t);
        r.httpVersion = p.value.version;
        r.status = p.value.status;
        r.reason = p.value.reason;
        r.headers = [];
        this.state = 'header-line';
        return;
      }
      case 'header-line': case 'trailer-line': {
        if (line === '') return this.state === 'header-line' ? this.onHeadEnd(t, nextOffset) : this.complete('complete', t);
        const p = parseHeaderLine(line);
        if (!p.ok) return this.fail(this.lineStart + p.at, p.message, t);
        (this.state === 'header-line' ? r.headers : r.trailers).push(p.value);
        return;
      }
      case 'chunk-size': {
        const p = parseChunkLine(line);
        if (!p.ok) return this.fail(this.lineStart + p.at, p.message, t);
        if (p.value.extensions !== '') r.chunkExtensions.push({ chunk: r.chunks, raw: p.value.extensions });
        if (p.value.size === 0) {
          this.state = 'trailer-line';
        } else {
          r.chunks += 1;
          this.remaining = p.value.size;
          this.state = 'chunk-data';
        }
        return;
      }
      default:
        return;
    }
  }

  private onHeadEnd(t: number, bodyOffset: number): void {
    const r = this.cur!;
    if (r.status < 200) {
      if (r.status === 101) {
        this.announceHead(r, t, bodyOffset, 'upgraded');
        this.complete('complete', t);
        this.state = 'upgraded';
        return;
      }
      r.interim.push({ status: r.status, reason: r.reason, headers: r.headers, at: t });
      r.status = 0;
      r.reason = '';
      r.headers = [];
      this.state = 'status-line';
      return;
    }
    const decided = decideFraming(r);
    if ('error' in decided) return this.fail(r.startOffset, decided.error, t);
    const framing = decided.framing;
    this.announceHead(r, t, bodyOffset, framing);
    if (framing === 'none' || (framing === 'content-length' && r.contentLength === 0)) {
      this.complete('complete', t);
    } else if (framing === 'content-length') {
      this.remaining = r.contentLength!;
      this.state = 'body-length';
    } else if (framing === 'chunked') {
      this.state = 'chunk-size';
    } else if (framing === 'upgraded') {
      this.complete('complete', t);
      this.state = 'upgraded';
    } else {
      this.state = 'body-close';
    }
  }

  private announceHead(r: ParsedResponse, t: number, bodyOffset: number, framing: BodyFraming): void {
    r.headAt = t;
    r.bodyOffset = bodyOffset;
    r.framing = framing;
    this.opts.onHead?.(r);
  }

  private deliver(piece: Buffer): void {
    const r = this.cur!;
    const at = r.bodyBytes;
    r.bodyBytes += piece.length;
    const room = this.opts.storeBodyCap - r.storedBytes;
    if (room > 0) {
      const keep = Math.min(room, piece.length);
      r.body.push(Buffer.from(piece.subarray(0, keep)));
      r.storedBytes += keep;
    }
    this.opts.onBody?.(r, piece, at);
  }

  private complete(how: Completion, t: number): void {
    const r = this.cur!;
    this.cur = null;
    r.completion = how;
    r.endAt = t;
    if (how === 'complete' || how === 'framing-error') this.state = 'status-line';
    this.opts.onEnd?.(r);
  }

  private fail(offset: number, message: string, t: number): void {
    if (this.cur === null) this.begin(offset);
    this.cur!.error = { offset, message };
    this.complete('framing-error', t);
    this.state = 'failed';
    this.lineParts = [];
    this.lineLen = 0;
  }
}

