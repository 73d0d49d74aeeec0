// The fast clients' results of one step, as they stream in from vegeta: those sent inside the
// measured window go into one HDR histogram and the error counts; every result (warm-up too) goes
// into per-second buckets for the step's timeline. Nothing per request is kept.
import type { FastResult } from '../load/vegeta.ts';
import { newHistogram, recordUs, summarise, type Histogram } from './histogram.ts';

interface Second { n: number; errors: number; h: Histogram }

export class FastWindow {
  readonly histogram = newHistogram();
  requests = 0;
  errors = 0;
  readonly errorKinds = new Map<string, number>();
  #seconds = new Map<number, Second>();

  /** `start` (Unix ms): when the step began; the window is [windowStart, windowEnd). */
  constructor(readonly start: number, readonly windowStart: number, readonly windowEnd: number) {}

  add(r: FastResult): void {
    const failed = r.error !== '' || r.code < 200 || r.code > 399;
    const sec = Math.floor((r.t - this.start) / 1000);
    let s = this.#seconds.get(sec);
    if (!s) this.#seconds.set(sec, (s = { n: 0, errors: 0, h: newHistogram(2) }));
    s.n++;
    if (failed) s.errors++;
    else recordUs(s.h, r.latencyUs);
    if (r.t < this.windowStart || r.t >= this.windowEnd) return;
    this.requests++;
    if (failed) {
      this.errors++;
      const kind = errorKind(r);
      this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
    } else {
      // Only answered requests have a latency worth ranking; failures count in the error rate
      // (a timeout's latency is the timeout).
      recordUs(this.histogram, r.latencyUs);
    }
  }

  /** Requests, errors and p99 (ms) per second of the step. */
  perSecond(seconds: number): Array<{ n: number; errors: number; p99: number | null }> {
    return Array.from({ length: seconds }, (_, i) => {
      const s = this.#seconds.get(i);
      return s ? { n: s.n, errors: s.errors, p99: summarise(s.h).p99 } : { n: 0, errors: 0, p99: null };
    });
  }
}

/** A short name for a failure: the HTTP status, or the gist of vegeta's error text. */
export function errorKind(r: FastResult): string {
  if (r.error === '') return `HTTP ${r.code}`;
  const e = r.error;
  if (/timeout|deadline/i.test(e)) return 'timeout';
  if (/connection refused/i.test(e)) return 'connection refused';
  if (/connection reset/i.test(e)) return 'connection reset';
  if (/EOF/.test(e)) return 'EOF (server closed)';
  if (/too many open files/i.test(e)) return 'too many open files (vegeta)';
  return e.replace(/^\w+ "[^"]*": /, '').slice(0, 80);
}
