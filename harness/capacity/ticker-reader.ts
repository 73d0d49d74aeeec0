// Reads the /ticker stream (server-under-test/demo-sites.ts) as it arrives and measures how stale
// it is: each update is a line `U <seq> <unix ms> ....\n`. An update counts as received when its
// line ends; a torn update (its write timed out part way, so the next header follows on the same
// line) does not count, and its seq shows as a gap like an update never sent.
//
// Per update received: age at receipt (now - the update's time), version lag (how many newer
// updates existed by then: floor(age / interval)); per connection: gaps in seq (drops); and the
// time-average age of information: the area under age(t) = t - (time of the newest update held),
// between receipts, over the time covered.
import { type Histogram, recordUs } from './histogram.ts';

export interface StalenessCounters {
  ages: Histogram;
  lags: Histogram;
  received: number;
  dropped: number;
  /** Sum of age(t) dt over the time covered (ms * ms) and that time (ms). */
  aoiArea: number;
  aoiTime: number;
}

const U = 0x55;
const DOT = 0x2e;
const LF = 0x0a;

/** One per connection: feed it body pieces; it adds to `counters` (shared by a worker's clients). */
export class TickerReader {
  #hdr = '';
  #capturing = false;
  #complete: string | null = null;
  #prevSeq = -1;
  #lastGen = NaN;
  #lastRecv = NaN;

  constructor(
    private readonly counters: () => StalenessCounters,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
    /** Each update received whole, as it is counted. */
    private readonly onUpdate?: (seq: number, madeAt: number, receivedAt: number) => void,
  ) {}

  push(piece: Uint8Array): void {
    for (let i = 0; i < piece.length; i++) {
      const b = piece[i]!;
      if (b === U) {
        this.#capturing = true;
        this.#hdr = '';
        this.#complete = null;
      } else if (b === DOT) {
        if (this.#capturing) this.#complete = this.#hdr;
        this.#capturing = false;
      } else if (b === LF) {
        if (this.#capturing) this.#complete = this.#hdr;
        this.#capturing = false;
        if (this.#complete !== null) this.#received(this.#complete);
        this.#complete = null;
      } else if (this.#capturing && this.#hdr.length < 48) {
        this.#hdr += String.fromCharCode(b);
      }
    }
  }

  #received(hdr: string): void {
    const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(hdr);
    if (!m) return;
    const seq = Number(m[1]);
    const gen = Number(m[2]);
    const now = this.now();
    const c = this.counters();
    const age = Math.max(0, now - gen);
    recordUs(c.ages, age * 1000);
    c.lags.recordValue(Math.floor(age / this.intervalMs));
    c.received++;
    if (this.#prevSeq >= 0 && seq > this.#prevSeq) c.dropped += seq - this.#prevSeq - 1;
    this.#prevSeq = seq;
    if (Number.isFinite(this.#lastRecv)) {
      const dt = now - this.#lastRecv;
      c.aoiArea += dt * (this.#lastRecv - this.#lastGen + dt / 2);
      c.aoiTime += dt;
    }
    this.#lastGen = gen;
    this.#lastRecv = now;
    this.onUpdate?.(seq, gen, now);
  }
}
