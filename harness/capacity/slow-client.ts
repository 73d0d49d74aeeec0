// One slow client of a capacity run: requests the slow path with a profile's reading behaviour
// (the project's H1Connection and behaviours) and, when the response ends, opens a new
// connection and asks again, until stopped. It counts bytes delivered, responses completed,
// errors, and the connections the server closed (before the response was complete) with how long
// they had lived. Lean on purpose (no wire timeline, a shared read buffer, no stored body): a
// worker holds thousands of them.
import { H1Connection } from '../clients/h1-connection.ts';
import { behaviourFromProfile, type Profile } from '../clients/profiles.ts';
import { TickerReader, type StalenessCounters } from './ticker-reader.ts';

export interface SlowTarget {
  host: string;
  port: number;
  /** HTTPS (certificates are not verified: a test server's are self-signed). */
  tls?: boolean;
  /** Path and query, e.g. /stream?bytes=100000000 */
  path: string;
  profile: Profile;
  /** The ticker's interval when the path is /ticker (staleness is measured), else null. */
  tickerIntervalMs: number | null;
  /** The server's clock minus this host's (ms): added to the receipt time, so ages are in the server's time. */
  clockOffsetMs?: number;
  /**
   * Ask again on the same connection when a response ends (keep-alive) instead of on a new one.
   * The capacity run reconnects (each response a new client); the harness bench reuses, so short
   * responses bound what the kernel buffers per connection without a connection churn.
   */
  reuse?: boolean;
}

export interface SlowCounters {
  connects: number;
  completions: number;
  /** Responses the client's own behaviour cut short (a cancelling profile). */
  clientCloses: number;
  serverClosures: number;
  errors: number;
  errorKinds: Map<string, number>;
  /** Lifetimes (ms) of connections the server closed (a bounded sample). */
  closureLifetimes: number[];
  staleness: StalenessCounters | null;
}

const MAX_LIFETIMES = 1000;
const RETRY_MS = 200;
const WAIT_MS = 3_600_000;

export function noteError(c: SlowCounters, kind: string): void {
  c.errors++;
  c.errorKinds.set(kind, (c.errorKinds.get(kind) ?? 0) + 1);
}

export class SlowClient {
  #conn: H1Connection | null = null;
  #closedBytes = 0;
  #stopped = false;
  #retry: NodeJS.Timeout | null = null;

  constructor(private readonly target: SlowTarget, private readonly counters: () => SlowCounters, private readonly readBuffer: Buffer) {}

  /** Bytes received on every connection so far (headers and framing included). */
  get bytes(): number {
    return this.#closedBytes + (this.#conn?.bytesReceived ?? 0);
  }

  start(): void {
    void this.#loop();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#conn?.destroy();
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      const ok = await this.#once().catch((err: unknown) => {
        if (this.#stopped) return true; // our own stop() cut it short
        noteError(this.counters(), (err as { code?: string }).code ?? 'ERR_CLIENT');
        return false;
      });
      if (!ok && !this.#stopped) await new Promise<void>((r) => { this.#retry = setTimeout(r, RETRY_MS); });
    }
  }

  /** One connection, one request; true if it went as a slow client's should. */
  async #once(): Promise<boolean> {
    const t = this.target;
    const ticker = t.tickerIntervalMs !== null && this.counters().staleness !== null
      ? new TickerReader(() => this.counters().staleness!, t.tickerIntervalMs, t.clockOffsetMs ? () => Date.now() + t.clockOffsetMs! : Date.now)
      : null;
    const conn = await H1Connection.open({
      host: t.host, port: t.port, ...(t.tls ? { tls: { alpn: ['http/1.1'] } } : {}), behaviour: behaviourFromProfile(t.profile),
      recordTimeline: false, sharedReadBuffer: this.readBuffer, storeBodyCap: 0, connectTimeoutMs: 10_000,
      ...(ticker ? { onBody: (_r, piece: Buffer) => ticker.push(piece) } : {}),
    });
    if (this.#stopped) {
      conn.destroy();
      return true;
    }
    this.#conn = conn;
    const opened = Date.now();
    this.counters().connects++;
    try {
      let r;
      for (;;) {
        const index = conn.send({ method: 'GET', path: t.path, headers: { 'user-agent': 'dawdle-capacity' } });
        r = await conn.waitForResponse(index, WAIT_MS);
        if (this.#stopped) return true;
        if (!t.reuse || r.completion !== 'complete' || conn.closed || r.status !== 200) break;
        this.counters().completions++;
      }
      const c = this.counters();
      if (r.status !== null && (r.status < 200 || r.status > 299)) {
        noteError(c, `HTTP ${r.status}`);
        return false;
      }
      if (r.completion === 'complete') {
        c.completions++;
        return true;
      }
      if (r.completion === 'abandoned') {
        // The profile's behaviour gave up (cancel-midway, cancel-rst ...): the client's doing.
        c.clientCloses++;
        return true;
      }
      if (r.completion === 'framing-error') {
        noteError(c, 'framing error');
        return false;
      }
      // Ended before it was complete, and not by us: the server closed it (FIN or RST).
      c.serverClosures++;
      if (c.closureLifetimes.length < MAX_LIFETIMES) c.closureLifetimes.push(Date.now() - opened);
      return true;
    } finally {
      this.#closedBytes += conn.bytesReceived;
      this.#conn = null;
      conn.destroy();
    }
  }
}
