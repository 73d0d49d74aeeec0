// `io`: the handler's side of one response (seed 001), one object per request on the TX side.
//
// Lua name                    TypeScript
// io:write_header(c, h, t)    await io.writeHeader(c, h?, t?)      -> SendResult | null
// io:write(body, t)           await io.write(body, t?)             -> SendResult | null
// io:close()                  await io.close()
// io.send_window              io.sendWindow   (null: cfg default_send_window)
// io.send_timeout             io.sendTimeout  (null: cfg default_send_timeout)
// io:get_send_stats()         io.getSendStats() -> { current, sent, cancelled, headersWereSent }
// io:wait(pos, t)             await io.wait(pos, t?)               -> SendResult | null
//
// Accounting (docs/api.md): `current` grows by len(body) when write() is called and shrinks only
// when a write times out, by the bytes it withdrew (I-2). `sent` is what the HTTP worker has
// committed to the socket (I-3), reported back in "continue" (progress) messages. The window
// holds bytes accepted but not yet committed; write() returns nil once its whole body is in the
// window (I-5). Calls on one io run one after another, in the order they were made.
//
// Body bytes are copied once, into the response's byte ring (body-ring.ts), made at the first
// write and shared with the worker; its space is reused once the worker reports it released
// (progress.released) or a timed-out write withdrew it. Bytes that do not fit the ring at its
// largest (a window raised past what it was made for, or window-ignored) go in pieces of their own.
import { NO_FAULTS, TIMEOUT_IGNORED_FACTOR, type FaultSet } from '../faults.ts';
import { COMMIT_MAX, type ToHttp } from '../shuttle/messages.ts';
import { RING_WINDOW_LIMIT, RingPool, type BodyRing } from './body-ring.ts';
import { SendResult } from './send-result.ts';
import type { Headers } from './types.ts';

export interface SendStats {
  current: number;
  sent: number;
  cancelled: boolean;
  headersWereSent: boolean;
}

export class IoError extends Error {
  constructor(
    readonly code: 'ERR_CLOSED' | 'ERR_HEADERS_ALREADY_SENT' | 'ERR_BAD_HEADER' | 'ERR_CONTENT_LENGTH' | 'ERR_BAD_ARGUMENT',
    message: string,
  ) {
    super(message);
  }
}

/** A body read in pieces (the probe's generated bodies): `read` returns up to `n` bytes from `offset`, at least 1. */
export interface BodySource {
  readonly length: number;
  read(offset: number, n: number): Uint8Array;
}

export interface IoDefaults {
  sendWindow: number;
  sendTimeout: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
type Post = (m: ToHttp, transfer?: ArrayBuffer) => void;

export class Io {
  /** Max body bytes in flight (accepted, not yet committed); null = default_send_window. */
  sendWindow: number | null = null;
  /** Seconds a write*() may take when no positional timeout is given; null = default_send_timeout. */
  sendTimeout: number | null = null;

  #current = 0;
  #sent = 0;
  /** Stream bytes handed to the worker (accepted into the window), net of withdrawals. */
  #accepted = 0;
  /** Body position before which the worker references no byte any more (progress.released). */
  #released = 0;
  #ring: BodyRing | null = null;
  #cancelled = false;
  #headersSent = false;
  #head: 'none' | 'pending' | 'failed' | 'sent' = 'none';
  #closed = false;
  /** The worker reported the exchange over ("request closed"). */
  #wireClosed = false;
  #declaredLength = -1;
  #wseq = 0;
  #hseq = 0;
  #wakers = new Set<() => void>();
  #cancelListeners = new Set<() => void>();
  #shutdownListeners = new Set<() => void>();
  #shutDown = false;
  #withdrawals = new Map<number, (sent: number) => void>();
  #headWithdrawals = new Map<number, (committed: boolean) => void>();
  #chain: Promise<unknown> = Promise.resolve();

  /** @internal */
  constructor(
    private readonly rid: number,
    private readonly post: Post,
    private readonly defaults: IoDefaults,
    /** Test-only faults (faults.ts); empty for a correct server. */
    private readonly faults: FaultSet = NO_FAULTS,
    /** Where the response's byte ring comes from, and goes back to. */
    private readonly rings: RingPool = new RingPool(() => {}),
  ) {}

  getSendStats(): SendStats {
    return { current: this.#current, sent: this.#reportedSent, cancelled: this.#cancelled, headersWereSent: this.#reportedHeadersSent };
  }

  writeHeader(status: number, headers?: Headers, timeout?: number): Promise<SendResult | null> {
    return this.#reported(this.#serial(() => this.#writeHeader(status, headers ?? {}, timeout)));
  }

  write(body: string | Uint8Array, timeout?: number): Promise<SendResult | null> {
    return this.#reported(this.#serial(() => this.#write(body, timeout)));
  }

  /**
   * @internal write() of a body that is never whole in memory: each piece is read from `src` when
   * the window takes it (the probe's multi-GiB writes cost a window, not the write's size).
   */
  writeFrom(src: BodySource, timeout?: number): Promise<SendResult | null> {
    return this.#reported(this.#serial(() => this.#write(src, timeout)));
  }

  wait(pos: number, timeout?: number): Promise<SendResult | null> {
    return this.#reported(this.#serial(() => this.#wait(pos, timeout)));
  }

  // ---- test-only faults (faults.ts); each is the identity for a correct server ----
  /** `sent` as the handler sees it; fault sent-early: bytes accepted into the window. */
  get #reportedSent(): number {
    return this.faults.has('sent-early') ? this.#accepted : this.#sent;
  }
  get #reportedHeadersSent(): boolean {
    return this.#headersSent || this.faults.has('headers-always-sent');
  }
  /** A call's result as the handler gets it; fault headers-always-sent: headers_were_sent true. */
  #reported(p: Promise<SendResult | null>): Promise<SendResult | null> {
    if (!this.faults.has('headers-always-sent')) return p;
    return p.then((r) => (r === null ? r : new SendResult(r.kind, r.isCancelled, true, r.bodyBytes)));
  }
  /** The deadline of a call with a timeout of `t` seconds; fault timeout-ignored stretches it. */
  #deadlineOf(t: number): number {
    return performance.now() + t * 1000 * (this.faults.has('timeout-ignored') ? TIMEOUT_IGNORED_FACTOR : 1);
  }

  close(): Promise<void> {
    return this.#serial(async () => this.#close(false));
  }

  /** @internal Whether the handler has put anything on the response yet. */
  get untouched(): boolean {
    return this.#head === 'none' && !this.#closed;
  }
  /** @internal */
  get closed(): boolean {
    return this.#closed;
  }
  /** @internal The dispatcher sent the whole response itself (a returned response table). */
  markResponded(): void {
    this.#closed = true;
    this.#head = 'pending';
  }
  /** @internal Ends the response after the handler returned or threw. */
  finish(abort: boolean): void {
    if (!this.#closed) this.#close(abort);
  }

  /** @internal "Continue" from the worker. */
  onProgress(sent: number, headersSent: boolean, released: number): void {
    if (sent > this.#sent) this.#sent = sent;
    if (released > this.#released) {
      this.#released = released;
      this.#ring?.release(released);
    }
    if (headersSent && !this.#headersSent) {
      this.#headersSent = true;
      if (this.#head === 'pending') this.#head = 'sent';
    }
    this.#wake();
  }
  /** @internal */
  onWithdrawn(wseq: number, sent: number): void {
    if (sent > this.#sent) this.#sent = sent;
    this.#withdrawals.get(wseq)?.(this.#sent);
  }
  /** @internal */
  onHeadWithdrawn(hseq: number, committed: boolean): void {
    this.#headWithdrawals.get(hseq)?.(committed);
  }
  /** @internal "Request closed" from the worker. */
  onClosed(cancelled: boolean, sent: number): void {
    this.#wireClosed = true;
    if (sent > this.#sent) this.#sent = sent;
    if (cancelled && !this.faults.has('cancel-unreported')) this.cancel();
    this.#wake();
  }
  /**
   * @internal The handler side gives up on the response (a probe run past max_run_seconds): the io
   * is cancelled (calls in progress return, later ones are ignored) and, unless nothing was put on
   * the response yet (the handler's error then answers 500), the response ends now as aborted, as
   * when a handler throws after its head: the worker closes the HTTP/1.1 connection after what was
   * committed, or resets the HTTP/2 stream.
   */
  abort(): void {
    const untouched = this.untouched;
    this.cancel();
    if (!untouched) this.#close(true);
  }
  /**
   * @internal Calls `fn` once when the io is cancelled (at once if it is already); returns the
   * unsubscribe. For handlers that wait on something else than io calls (the probe's sleeps and
   * journal long-polls), so that a cancellation or shutdown ends them too.
   */
  onCancel(fn: () => void): () => void {
    if (this.#cancelled) {
      fn();
      return () => {};
    }
    this.#cancelListeners.add(fn);
    return () => this.#cancelListeners.delete(fn);
  }
  /** @internal Like onCancel, but only for the server's shutdown (the probe's sleeps: a client's cancellation must not shorten them). */
  onShutdown(fn: () => void): () => void {
    if (this.#shutDown) {
      fn();
      return () => {};
    }
    this.#shutdownListeners.add(fn);
    return () => this.#shutdownListeners.delete(fn);
  }
  /** @internal The server is shutting down: the io is cancelled, and whatever waits on onShutdown ends. */
  shutdown(): void {
    this.#shutDown = true;
    for (const fn of [...this.#shutdownListeners]) fn();
    this.#shutdownListeners.clear();
    this.cancel();
  }
  /** @internal The client went away (or the server is shutting down). */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    for (const fn of [...this.#cancelListeners]) fn();
    this.#cancelListeners.clear();
    this.#ringDone();
    for (const resolve of this.#withdrawals.values()) resolve(this.#sent);
    for (const resolve of this.#headWithdrawals.values()) resolve(false);
    this.#wake();
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /**
   * The send window in force: io.sendWindow, or the cfg default when null. A value that is not a
   * positive integer makes the write raise ERR_BAD_ARGUMENT before it accepts anything; one set
   * to such a value while a write is blocked is ignored by that write (it keeps `fallback`).
   */
  #windowOf(fallback?: number): number {
    const w = this.sendWindow ?? this.defaults.sendWindow;
    if (Number.isSafeInteger(w) && w > 0) return w;
    if (fallback !== undefined) return fallback;
    throw new IoError('ERR_BAD_ARGUMENT', `send_window must be a positive integer number of bytes or null, got ${String(w)}`);
  }

  #timeoutOf(timeout: number | undefined): number {
    const t = timeout ?? this.sendTimeout ?? this.defaults.sendTimeout;
    if (typeof t !== 'number' || Number.isNaN(t) || t < 0) throw new IoError('ERR_BAD_ARGUMENT', `timeout must be a non-negative number of seconds, got ${String(t)}`);
    return t;
  }

  async #writeHeader(status: number, headers: Headers, timeout: number | undefined): Promise<SendResult | null> {
    if (this.#closed) throw new IoError('ERR_CLOSED', 'write_header() after close()');
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new IoError('ERR_BAD_ARGUMENT', `bad status ${status}`);
    // After cancellation every write*() returns at once, ignored, reporting it (CXL-05).
    if (this.#cancelled) return new SendResult('write_header', true, false, 0);
    if (this.#head === 'pending' || this.#head === 'sent') throw new IoError('ERR_HEADERS_ALREADY_SENT', 'write_header() called twice');
    const t = this.#timeoutOf(timeout);
    const flat = flattenHeaders(headers);
    const hseq = ++this.#hseq;
    this.#head = 'pending';
    this.post({ t: 'head', rid: this.rid, hseq, status, headers: flat.list });
    this.#declaredLength = flat.contentLength;
    const deadline = this.#deadlineOf(t);
    for (;;) {
      if (this.#headersSent) return null;
      if (this.#cancelled) return new SendResult('write_header', true, false, 0);
      if ((await this.#sleep(deadline)) === 'timeout') {
        const committed = this.#headersSent || (await this.#withdrawHead(hseq));
        if (committed) {
          this.#headersSent = true;
          this.#head = 'sent';
          return null;
        }
        this.#head = 'failed';
        this.#declaredLength = -1;
        return new SendResult('write_header', this.#cancelled, false, 0);
      }
    }
  }

  async #write(body: string | Uint8Array | BodySource, timeout: number | undefined): Promise<SendResult | null> {
    if (this.#closed) throw new IoError('ERR_CLOSED', 'write() after close()');
    if (typeof body !== 'string' && !(body instanceof Uint8Array) && !isSource(body)) throw new IoError('ERR_BAD_ARGUMENT', 'body must be a string or bytes');
    const t = this.#timeoutOf(timeout);
    let lastWindow = this.#windowOf(); // raises before anything is sent when io.sendWindow is not valid
    if (this.#cancelled) return new SendResult('write', true, this.#headersSent, 0);
    if (this.#head !== 'sent') {
      // No head yet: send the default one first, within the same timeout.
      const r = await this.#writeHeader(200, {}, t);
      if (r !== null) return new SendResult('write', r.isCancelled, false, 0);
    }
    const bytes: BodySource = isSource(body) ? body : wholeSource(typeof body === 'string' ? Buffer.from(body) : body);
    const len = bytes.length;
    if (len === 0) return null;
    if (this.#declaredLength >= 0 && this.#current + len > this.#declaredLength) {
      throw new IoError('ERR_CONTENT_LENGTH', `write() of ${len} bytes would exceed the declared content-length ${this.#declaredLength}`);
    }
    const start = this.#current;
    this.#current += len;
    const wseq = ++this.#wseq;
    const deadline = this.#deadlineOf(t);
    let off = 0;
    for (;;) {
      if (this.#cancelled) return this.#partial(start, len, off, true);
      lastWindow = this.#windowOf(lastWindow);
      const window = this.faults.has('window-ignored') ? Infinity : lastWindow;
      const room = window - (this.#accepted - this.#sent);
      if (room > 0) {
        const n = Math.min(room, len - off);
        this.#send(wseq, bytes, off, n, window);
        this.#accepted += n;
        off += n;
        if (off === len) return null;
      }
      if ((await this.#sleep(deadline)) === 'timeout') {
        await this.#withdraw(wseq);
        return this.#partial(start, len, off, this.#cancelled);
      }
    }
  }

  /**
   * Hands bytes [from, from + n) of `src` to the worker at body position #accepted: copied once
   * into the ring (made here at the first write), and whatever the ring cannot take at its
   * largest into a piece of its own.
   */
  #send(wseq: number, src: BodySource, from: number, n: number, window: number): void {
    if (this.#ring === null) {
      // Sized for the window it serves (at least the default one, so a handler raising its window
      // up to that still gets a ring big enough); only what live bytes need is ever committed.
      const max = Math.min(Math.max(window, this.defaults.sendWindow), RING_WINDOW_LIMIT) + COMMIT_MAX;
      const { ring, fresh } = this.rings.take(this.rid, n, max);
      this.#ring = ring;
      this.post({ t: 'ring', rid: this.rid, id: ring.id, ring: fresh ? ring.sab : null });
    }
    const ring = this.#ring;
    const end = from + n;
    let pos = this.#accepted;
    while (from < end) {
      const r = ring.reserve(pos, end - from);
      if (r === null) break;
      copyFrom(src, from, r.len, ring.bytes, r.off);
      this.post({ t: 'ring-body', rid: this.rid, wseq, off: r.off, len: r.len });
      from += r.len;
      pos += r.len;
    }
    if (from < end) {
      const piece = new Uint8Array(end - from);
      copyFrom(src, from, end - from, piece, 0);
      this.post({ t: 'body', rid: this.rid, wseq, data: piece }, piece.buffer);
    }
  }

  /** Settles a write that did not get its whole body out: `current` drops by what was withdrawn. */
  #partial(start: number, len: number, accepted: number, cancelled: boolean): SendResult {
    const bbs = Math.max(0, Math.min(this.#sent - start, accepted));
    if (!this.faults.has('current-not-reduced')) this.#current -= len - bbs;
    this.#accepted = start + bbs;
    // The worker dropped the rest (I-2): its ring space is free again. (A cancelled io has given
    // its ring up already; the worker may still send the rest at shutdown, from a ring nobody
    // writes into until the worker hands it back.)
    this.#ring?.rollback(this.#accepted);
    return new SendResult('write', cancelled, this.#headersSent, this.faults.has('bbs-off-by-one') ? bbs + 1 : bbs);
  }

  async #wait(pos: number, timeout: number | undefined): Promise<SendResult | null> {
    if (!Number.isInteger(pos)) throw new IoError('ERR_BAD_ARGUMENT', `wait() position must be an integer, got ${pos}`);
    const t = this.#timeoutOf(timeout);
    const deadline = this.#deadlineOf(t);
    // I-1: pos <= 0 waits until at most -pos bytes are still in flight (fault wait-literal: seed
    // 001's literal `>=`; fault sent-early: `sent` counts accepted bytes).
    const literal = this.faults.has('wait-literal');
    const met = (): boolean => {
      const sent = this.#reportedSent;
      if (pos > 0) return sent >= pos;
      return literal ? this.#current - sent >= -pos : this.#current - sent <= -pos;
    };
    for (;;) {
      if (this.#cancelled) return new SendResult('wait', true, this.#headersSent, 0);
      if (met()) return null;
      if ((await this.#sleep(deadline)) === 'timeout') {
        return met() ? null : new SendResult('wait', this.#cancelled, this.#headersSent, 0);
      }
    }
  }

  #close(abort: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ringDone();
    if (this.#cancelled) {
      // Cancelled on this side (probe watchdog, shutdown) while the worker still holds the
      // exchange: abort it there, or the response would never end and its connection would stay.
      if (!this.#wireClosed) this.post({ t: 'end', rid: this.rid, abort: true });
      return;
    }
    if (this.#head === 'none' && !abort) {
      this.#head = 'pending';
      this.post({ t: 'head', rid: this.rid, hseq: ++this.#hseq, status: 200, headers: [] });
    }
    this.post({ t: 'end', rid: this.rid, abort });
  }

  /** This io never writes again (closed, or cancelled): its ring may serve another response once the worker is done with it too. */
  #ringDone(): void {
    if (this.#ring === null) return;
    this.rings.txDone(this.#ring.id, this.rid);
    this.#ring = null;
  }

  #withdraw(wseq: number): Promise<number> {
    if (this.#cancelled) return Promise.resolve(this.#sent);
    return new Promise((resolve) => {
      this.#withdrawals.set(wseq, (sent) => {
        this.#withdrawals.delete(wseq);
        resolve(sent);
      });
      this.post({ t: 'withdraw', rid: this.rid, wseq });
    });
  }

  #withdrawHead(hseq: number): Promise<boolean> {
    if (this.#cancelled) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.#headWithdrawals.set(hseq, (committed) => {
        this.#headWithdrawals.delete(hseq);
        resolve(committed);
      });
      this.post({ t: 'withdraw-head', rid: this.rid, hseq });
    });
  }

  /** Resolves on the next progress/cancellation, or with 'timeout' once `deadline` has passed. */
  #sleep(deadline: number): Promise<'wake' | 'timeout'> {
    return new Promise((resolve) => {
      const ms = deadline - performance.now();
      if (ms <= 0) {
        resolve('timeout');
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const wake = (): void => {
        if (timer) clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve('wake');
      };
      this.#wakers.add(wake);
      // Timers may fire a little early; an early firing is just a wake, and the loop sleeps again.
      if (ms < MAX_TIMER_MS) timer = setTimeout(wake, Math.ceil(ms));
    });
  }

  #wake(): void {
    if (this.#wakers.size === 0) return;
    const ws = [...this.#wakers];
    for (const w of ws) w();
  }
}

function isSource(b: unknown): b is BodySource {
  return typeof b === 'object' && b !== null && !(b instanceof Uint8Array) && typeof (b as BodySource).read === 'function' && Number.isSafeInteger((b as BodySource).length);
}

function wholeSource(b: Uint8Array): BodySource {
  return { length: b.length, read: (off, n) => b.subarray(off, off + n) };
}

/** Copies bytes [from, from + n) of `src` into `out` at `at`, piece by piece. */
function copyFrom(src: BodySource, from: number, n: number, out: Uint8Array, at: number): void {
  let done = 0;
  while (done < n) {
    const v = src.read(from + done, n - done);
    if (v.length === 0) throw new IoError('ERR_BAD_ARGUMENT', 'body source ended early');
    out.set(v.length > n - done ? v.subarray(0, n - done) : v, at + done);
    done += v.length;
  }
}

/** Validates header names and values (no response splitting) and flattens them. */
export function flattenHeaders(headers: Headers): { list: string[]; contentLength: number } {
  const list: string[] = [];
  let contentLength = -1;
  for (const [name, v] of Object.entries(headers)) {
    if (!TOKEN.test(name)) throw new IoError('ERR_BAD_HEADER', `invalid header name ${JSON.stringify(name)}`);
    const values = Array.isArray(v) ? v : [String(v)];
    for (const value of values) {
      if (!FIELD_VALUE.test(value)) throw new IoError('ERR_BAD_HEADER', `invalid value for header ${name}`);
      if (name.toLowerCase() === 'content-length') {
        if (!/^\d{1,15}$/.test(value)) throw new IoError('ERR_BAD_HEADER', `invalid content-length ${JSON.stringify(value)}`);
        contentLength = Number(value);
      }
      list.push(name, value);
    }
  }
  return { list, contentLength };
}
