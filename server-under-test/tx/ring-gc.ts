// Dropped response rings, freed deterministically. A SharedArrayBuffer's pages are resident until
// every thread that saw it has collected its object, and V8 does not count that memory towards
// its GC heuristics (body-ring.ts): after 5,000 stalled /stream clients were reset the pool let
// ~2 GB of rings go and RSS stayed there for tens of seconds (issue 15, 11), until unrelated
// allocation triggered a collection. So each thread counts the ring bytes it dropped and, past
// RING_GC_BYTES, runs a full collection itself (at most one a second), and the rest of a burst
// once drops have stopped for a second if it is RING_GC_QUIET_BYTES or more; never for the
// ordinary trickle of drops a pool under its byte budget makes.
import v8 from 'node:v8';
import vm from 'node:vm';

/** Dropped ring bytes that make a collection worth its pause (high enough that ordinary runs never pay one). */
export const RING_GC_BYTES = 256 * 1024 * 1024;
const MIN_INTERVAL_MS = 1000;

let gc: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    } catch {
      gc = null; // not available: the rings wait for V8's own collection, as before
    }
  }
  return gc;
}

/** Less than RING_GC_BYTES but still worth a collection once the drops have stopped for QUIET_MS. */
export const RING_GC_QUIET_BYTES = 64 * 1024 * 1024;
const QUIET_MS = 1000;

export class DroppedRings {
  #bytes = 0;
  #last = 0;
  #timer: NodeJS.Timeout | null = null;
  #quiet: NodeJS.Timeout | null = null;

  /** `n` bytes of ring were let go on this thread. */
  add(n: number): void {
    this.#bytes += n;
    // The rest of a burst (under RING_GC_BYTES) is collected once the drops stop for a second.
    if (this.#bytes >= RING_GC_QUIET_BYTES) {
      if (this.#quiet !== null) clearTimeout(this.#quiet);
      this.#quiet = setTimeout(() => {
        this.#quiet = null;
        if (this.#bytes >= RING_GC_QUIET_BYTES && this.#timer === null) this.#collect();
      }, QUIET_MS);
      this.#quiet.unref();
    }
    if (this.#bytes < RING_GC_BYTES || this.#timer !== null) return;
    const wait = Math.max(0, this.#last + MIN_INTERVAL_MS - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#collect();
    }, wait);
    this.#timer.unref();
  }

  #collect(): void {
    this.#bytes = 0;
    this.#last = performance.now();
    collector()?.();
  }
}
