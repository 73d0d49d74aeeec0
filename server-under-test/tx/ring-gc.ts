// Dropped response rings, freed deterministically. A SharedArrayBuffer's pages are resident until
// every thread that saw it has collected its object, and V8 does not count that memory towards
// its GC heuristics (body-ring.ts): after 5,000 stalled /stream clients were reset the pool let
// ~2 GB of rings go and RSS stayed there for tens of seconds (issue 15, 11), until unrelated
// allocation triggered a collection. So each thread counts the ring bytes it dropped and, past
// RING_GC_BYTES, runs a full collection itself: at most one a second, batched, and never for the
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

export class DroppedRings {
  #bytes = 0;
  #last = 0;
  #timer: NodeJS.Timeout | null = null;

  /** `n` bytes of ring were let go on this thread. */
  add(n: number): void {
    this.#bytes += n;
    if (this.#bytes < RING_GC_BYTES || this.#timer !== null) return;
    const wait = Math.max(0, this.#last + MIN_INTERVAL_MS - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#bytes = 0;
      this.#last = performance.now();
      collector()?.();
    }, wait);
    this.#timer.unref();
  }
}
