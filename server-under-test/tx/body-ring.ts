// The byte ring of one response: a growable SharedArrayBuffer that the TX side copies body bytes
// into once, and that the HTTP worker hands to socket.write() as views (shared once, in a `ring`
// message). This class is the TX side's bookkeeping of which ring bytes are still in use.
//
// Bytes are placed in stream order (the order of the response body) and leave it two ways:
//  - released: the worker no longer references them (committed and the socket write is done, or
//    consumed synchronously by TLS). It reports a stream position, `released`, up to which every
//    byte is free; that frees from the front (FIFO).
//  - rolled back: a timed-out write withdrew its uncommitted bytes, which are always the newest
//    ones (calls on one io are serial); that frees from the back.
// Either way the space is reused only after the worker said so, never earlier.
//
// The ring starts small and grows in place (SharedArrayBuffer.grow, no copying, no new buffer)
// only when the live bytes need it, up to a maximum fixed at creation. Growing commits address
// space that was reserved at creation; only the pages actually written become resident. Where
// the ring places a piece is free (the worker gets an offset per piece), so after growing with
// wrapped-around data the new space is used as it is, next-fit, skipping live ranges.
//
// Rings are pooled (RingPool): V8 does not count SharedArrayBuffer memory towards its GC
// heuristics (process.memoryUsage().arrayBuffers leaves it out), so a dropped ring's pages stay
// resident until a collection that something else triggers; with a ring per response that let
// RSS reach 1.5 GB under a stream of 1 MiB responses. A ring goes back to the pool once both
// sides are done with it and serves the next response, pages already resident.

/** The smallest ring (bytes). */
export const RING_MIN = 16 * 1024;
/** Windows larger than this get no larger ring: bytes beyond it travel as owned pieces. */
export const RING_WINDOW_LIMIT = 16 * 1024 * 1024;
const PAGE = 4096;

interface Extent {
  /** Stream position of the first byte. */
  pos: number;
  /** Ring offset of the first byte. */
  off: number;
  len: number;
}

export class BodyRing {
  readonly sab: SharedArrayBuffer;
  /** A length-tracking view: it follows the ring's growth. */
  readonly bytes: Uint8Array;
  /** Live ranges in stream order; `#first` is the index of the oldest. */
  #extents: Extent[] = [];
  #first = 0;
  #live = 0;
  /** Where the next piece goes when it is free (the end of the newest extent). */
  #cursor = 0;

  readonly max: number;
  /** Names the ring between the threads (the worker keeps a table of the rings it was given). */
  readonly id: number;

  constructor(initial: number, max: number, id = 0) {
    this.id = id;
    this.max = Math.floor(max);
    const cap = Math.min(this.max, Math.max(RING_MIN, roundUp(initial)));
    this.sab = new SharedArrayBuffer(cap, { maxByteLength: this.max });
    this.bytes = new Uint8Array(this.sab);
  }

  get capacity(): number {
    return this.sab.byteLength;
  }

  /** Bytes placed and not yet released or rolled back. */
  get live(): number {
    return this.#live;
  }

  /**
   * Reserves one contiguous run of up to `n` bytes for stream position `pos` (which must follow
   * the newest placed byte), growing the ring if the live bytes plus `n` do not fit. Returns its
   * ring offset and length, or null when the ring is full at its maximum.
   */
  reserve(pos: number, n: number): { off: number; len: number } | null {
    if (n <= 0) return null;
    if (this.capacity - this.#live < n && this.capacity < this.max) {
      this.sab.grow(Math.min(this.max, Math.max(2 * this.capacity, roundUp(this.#live + n))));
    }
    const cap = this.capacity;
    if (this.#live === cap) return null;
    // Next-fit from the cursor: skip any live range starting there, wrap at the end.
    let c = this.#cursor;
    for (let steps = 0; ; steps++) {
      if (c >= cap) c = 0;
      const at = this.#extentAt(c);
      if (at === null) break;
      c = at.off + at.len;
      if (steps > this.#extents.length - this.#first + 1) return null; // every byte is live
    }
    let end = cap;
    for (let i = this.#first; i < this.#extents.length; i++) {
      const e = this.#extents[i]!;
      if (e.off > c && e.off < end) end = e.off;
    }
    const len = Math.min(n, end - c);
    const last = this.#extents.length > this.#first ? this.#extents[this.#extents.length - 1]! : null;
    if (last && last.off + last.len === c && last.pos + last.len === pos) last.len += len;
    else this.#extents.push({ pos, off: c, len });
    this.#live += len;
    this.#cursor = c + len;
    return { off: c, len };
  }

  /** Frees every byte before stream position `pos` (the worker released them). */
  release(pos: number): void {
    while (this.#first < this.#extents.length) {
      const e = this.#extents[this.#first]!;
      if (e.pos >= pos) break;
      const n = Math.min(e.len, pos - e.pos);
      this.#live -= n;
      if (n === e.len) this.#first++;
      else {
        e.pos += n;
        e.off += n;
        e.len -= n;
        break;
      }
    }
    this.#compact();
  }

  /** Frees every byte from stream position `pos` on (withdrawn by a timed-out write). */
  rollback(pos: number): void {
    while (this.#extents.length > this.#first) {
      const e = this.#extents[this.#extents.length - 1]!;
      if (e.pos + e.len <= pos) break;
      const n = Math.min(e.len, e.pos + e.len - pos);
      this.#live -= n;
      if (n === e.len) this.#extents.pop();
      else {
        e.len -= n;
        break;
      }
    }
    const last = this.#extents.length > this.#first ? this.#extents[this.#extents.length - 1]! : null;
    this.#cursor = last ? last.off + last.len : this.#cursor;
    this.#compact();
  }

  /** Forgets every placed byte (the ring is about to serve another response). */
  reset(): void {
    this.#extents.length = 0;
    this.#first = 0;
    this.#live = 0;
    this.#cursor = 0;
  }

  #extentAt(c: number): Extent | null {
    for (let i = this.#first; i < this.#extents.length; i++) {
      const e = this.#extents[i]!;
      if (e.off === c) return e;
    }
    return null;
  }

  #compact(): void {
    if (this.#first === this.#extents.length) {
      // Empty: start over at the front, so a ring that drains keeps using its first pages.
      this.#extents.length = 0;
      this.#first = 0;
      this.#cursor = 0;
    } else if (this.#first > 32) {
      this.#extents.splice(0, this.#first);
      this.#first = 0;
    }
  }
}

function roundUp(n: number): number {
  return Math.ceil(n / PAGE) * PAGE;
}

import { DroppedRings } from './ring-gc.ts';

/** Bytes of idle rings the pool keeps (sum of capacities); beyond that it drops the oldest. */
export const POOL_KEEP_BYTES = 16 * 1024 * 1024;

/**
 * The TX side's rings: the ones serving a response and the idle ones. A ring serves one response
 * at a time and returns to the pool when both the io is done with it (closed or cancelled: it
 * never writes again) and the worker is (`ring-free`: the exchange is over and no socket write
 * holds its bytes). `announce` tells the worker about a ring the first time it serves; `drop`
 * tells it to forget one the pool let go.
 */
export class RingPool {
  readonly #idle: BodyRing[] = [];
  #idleBytes = 0;
  readonly #busy = new Map<number, { ring: BodyRing; rid: number; tx: boolean; worker: boolean }>();
  #nextId = 1;
  /** Rings let go: their memory is collected deterministically once enough of it was (ring-gc.ts). */
  readonly #dropped = new DroppedRings();

  constructor(
    /** Tells the worker to forget a ring the pool let go. */
    private readonly onDrop: (id: number) => void,
    private readonly keepBytes = POOL_KEEP_BYTES,
  ) {}

  /** Idle rings, and the bytes they hold (tests, diagnostics). */
  get idle(): { rings: number; bytes: number } {
    return { rings: this.#idle.length, bytes: this.#idleBytes };
  }

  /** Rings serving a response. */
  get busy(): number {
    return this.#busy.size;
  }

  /**
   * A ring for response `rid` with room for at least `max` bytes at its largest: the most
   * recently idled one that fits (warmest pages), else a new one. `fresh` tells the caller to
   * share the buffer with the worker; a reused ring is known there by its id.
   */
  take(rid: number, initial: number, max: number): { ring: BodyRing; fresh: boolean } {
    for (let i = this.#idle.length - 1; i >= 0; i--) {
      const ring = this.#idle[i]!;
      if (ring.max < Math.floor(max)) continue;
      this.#idle.splice(i, 1);
      this.#idleBytes -= ring.capacity;
      this.#busy.set(ring.id, { ring, rid, tx: false, worker: false });
      return { ring, fresh: false };
    }
    const ring = new BodyRing(initial, max, this.#nextId++);
    this.#busy.set(ring.id, { ring, rid, tx: false, worker: false });
    return { ring, fresh: true };
  }

  /** The io of `rid` will not touch ring `id` again. */
  txDone(id: number, rid: number): void {
    const b = this.#busy.get(id);
    if (!b || b.rid !== rid) return;
    b.tx = true;
    if (b.worker) this.#idleIt(b.ring);
  }

  /** The worker references nothing of ring `id` for `rid` any more. */
  workerDone(id: number, rid: number): void {
    const b = this.#busy.get(id);
    if (!b || b.rid !== rid) return;
    b.worker = true;
    if (b.tx) this.#idleIt(b.ring);
  }

  #idleIt(ring: BodyRing): void {
    this.#busy.delete(ring.id);
    ring.reset();
    this.#idle.push(ring);
    this.#idleBytes += ring.capacity;
    while (this.#idleBytes > this.keepBytes && this.#idle.length > 0) {
      const old = this.#idle.shift()!;
      this.#idleBytes -= old.capacity;
      this.onDrop(old.id);
      this.#dropped.add(old.capacity);
    }
  }
}
