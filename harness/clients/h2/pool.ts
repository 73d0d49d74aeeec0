// A per-host pool of 0..N HTTP/2 connections (seed 002). A request goes to the first connection
// that can open one more stream; a new connection opens only when there is none yet, or every
// existing one is at its server's SETTINGS_MAX_CONCURRENT_STREAMS (or going away); with N open,
// requests wait in FIFO order until a stream ends somewhere. One connection opens at a time,
// and only once its server's SETTINGS are in is its capacity known.
import { ClientError } from '../errors.ts';
import type { ReadBehaviour } from '../read-behaviour.ts';
import { wallNow } from '../timeline.ts';
import { H2Connection, type H2ConnectionOptions } from './connection.ts';
import type { H2Request, H2Stream, StreamOptions } from './stream.ts';

export interface H2PoolOptions extends Omit<H2ConnectionOptions, 'connectionBehaviour'> {
  /** Most connections open at once (default 16). */
  maxConnections?: number;
  /** A fresh connection-level behaviour per connection (behaviours keep per-connection state). */
  connectionBehaviour?: () => ReadBehaviour;
}

export type PoolEvent =
  /** A connection was opened; `busy` = active streams on each existing connection at that moment. */
  | { type: 'open'; t: number; index: number; busy: number[] }
  | { type: 'open-failed'; t: number; message: string }
  /** A connection left the pool (closed, or it can never open a stream again). */
  | { type: 'retired'; t: number; index: number };

interface Waiting {
  req: H2Request;
  opts: StreamOptions;
  resolve: (s: H2Stream) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class H2Pool {
  /** Every connection the pool opened, in order (retired ones included). */
  readonly opened: H2Connection[] = [];
  readonly events: PoolEvent[] = [];
  private readonly live: H2Connection[] = [];
  private readonly queue: Waiting[] = [];
  private opening = false;
  private closing = false;
  private readonly max: number;

  constructor(private readonly opts: H2PoolOptions) {
    this.max = opts.maxConnections ?? 16;
    if (!(this.max >= 1)) throw new RangeError('maxConnections must be at least 1');
  }

  /** Connections still in use by the pool. */
  get connections(): readonly H2Connection[] { return this.live; }
  /** Requests waiting for a stream slot. */
  get waiting(): number { return this.queue.length; }

  /** Resolves with the stream once a connection took the request (HEADERS queued). */
  request(req: H2Request, streamOpts: StreamOptions = {}, timeoutMs = 30_000): Promise<H2Stream> {
    if (this.closing) return Promise.reject(new ClientError('ERR_NOT_WRITABLE', 'request() on a closed pool'));
    return new Promise<H2Stream>((resolve, reject) => {
      const w: Waiting = {
        req, opts: streamOpts, resolve, reject,
        timer: setTimeout(() => {
          const i = this.queue.indexOf(w);
          if (i >= 0) this.queue.splice(i, 1);
          reject(new ClientError('ERR_WAIT_TIMEOUT', `no stream slot within ${timeoutMs} ms (${this.live.length} connections, all busy)`));
        }, timeoutMs),
      };
      this.queue.push(w);
      this.dispatch();
    });
  }

  /** Closes every connection (GOAWAY, FIN) and rejects waiting requests. */
  async close(timeoutMs = 5000): Promise<void> {
    this.closing = true;
    for (const w of this.queue.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new ClientError('ERR_CONNECTION_CLOSED', 'the pool closed'));
    }
    await Promise.all(this.opened.map((c) => {
      c.close();
      return c.waitForClose(timeoutMs).catch(() => c.destroy());
    }));
  }

  /** Ends every connection at once (tests' cleanup). */
  destroy(): void {
    this.closing = true;
    for (const w of this.queue.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new ClientError('ERR_CONNECTION_CLOSED', 'the pool was destroyed'));
    }
    for (const c of this.opened) c.destroy();
  }

  private dispatch(): void {
    this.retire();
    while (this.queue.length > 0 && !this.closing) {
      const conn = this.live.find((c) => c.canOpenStream);
      if (conn === undefined) {
        if (!this.opening && this.live.length < this.max) this.openOne();
        return;
      }
      const w = this.queue.shift()!;
      clearTimeout(w.timer);
      try {
        w.resolve(conn.request(w.req, w.opts));
      } catch (err) {
        w.reject(err as Error);
      }
    }
  }

  /** Drops connections that are closed or can never open a stream again. */
  private retire(): void {
    for (let i = this.live.length - 1; i >= 0; i--) {
      const c = this.live[i]!;
      if (c.closed || c.goawayReceived !== null || c.connectionError !== null) {
        this.live.splice(i, 1);
        this.events.push({ type: 'retired', t: wallNow(), index: this.opened.indexOf(c) });
      }
    }
  }

  private openOne(): void {
    this.opening = true;
    const busy = this.live.map((c) => c.activeStreams);
    const { maxConnections: _max, connectionBehaviour, ...rest } = this.opts;
    const opts: H2ConnectionOptions = { ...rest, ...(connectionBehaviour ? { connectionBehaviour: connectionBehaviour() } : {}) };
    H2Connection.open(opts).then((c) => {
      this.opened.push(c);
      this.events.push({ type: 'open', t: wallNow(), index: this.opened.length - 1, busy });
      if (this.closing) {
        c.destroy();
        return;
      }
      this.live.push(c);
      c.onChange(() => this.dispatch());
    }, (err: Error) => {
      this.events.push({ type: 'open-failed', t: wallNow(), message: err.message });
      const w = this.queue.shift();
      if (w !== undefined) {
        clearTimeout(w.timer);
        w.reject(err);
      }
    }).finally(() => {
      this.opening = false;
      this.dispatch();
    });
  }
}
