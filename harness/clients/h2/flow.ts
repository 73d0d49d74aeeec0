// Flow-control ledgers (RFC 9113 5.2, 6.9). InboundWindow is one receive window (a stream's or
// the connection's) as the simulator grants it, and the H2-01 check: DATA beyond what was
// granted is excess. OutboundWindow is the peer's window for what we send (request bodies).
import { MAX_WINDOW } from './constants.ts';

export class InboundWindow {
  /** Total allowance so far: the initial window plus every increment sent. */
  granted: number;
  /** Flow-controlled bytes received (DATA payloads, padding included). */
  received = 0;
  /** Bytes consumed (by the reader, or discarded) and not yet granted back. */
  pending = 0;
  /** Bytes received beyond the allowance at the time they arrived (H2-01). */
  excess = 0;

  constructor(readonly initial: number) {
    this.granted = initial;
  }

  /** What the peer may still send. Negative after excess. */
  get available(): number {
    return this.granted - this.received;
  }

  /** Records `n` received bytes; returns how many of them went beyond the allowance. */
  receive(n: number): number {
    const room = Math.max(0, this.available);
    this.received += n;
    const over = Math.max(0, n - room);
    this.excess += over;
    return over;
  }

  /** `n` bytes were consumed: they may be granted back. */
  consume(n: number): void {
    this.pending += n;
  }

  /**
   * The increment to send now (0 for none): everything pending once it reaches `threshold`,
   * capped so the window never exceeds 2^31-1. The caller sends it and calls granted().
   */
  due(threshold: number): number {
    if (this.pending <= 0 || this.pending < threshold) return 0;
    return Math.min(this.pending, MAX_WINDOW - Math.max(0, this.available));
  }

  /** An increment was sent: `fromPending` of it paid back consumed bytes (0 for a manual grant). */
  sent(increment: number, fromPending: number): void {
    this.granted += increment;
    this.pending -= Math.min(this.pending, fromPending);
  }

  /** Largest increment that keeps the window within 2^31-1. */
  get headroom(): number {
    return MAX_WINDOW - Math.max(0, this.available);
  }
}

export class OutboundWindow {
  constructor(public window: number) {}

  /** A WINDOW_UPDATE from the peer; false if it would pass 2^31-1 (FLOW_CONTROL_ERROR). */
  update(increment: number): boolean {
    if (this.window + increment > MAX_WINDOW) return false;
    this.window += increment;
    return true;
  }

  /** A change of the peer's SETTINGS_INITIAL_WINDOW_SIZE (may go negative); false on overflow. */
  adjust(delta: number): boolean {
    if (this.window + delta > MAX_WINDOW) return false;
    this.window += delta;
    return true;
  }

  take(n: number): void {
    this.window -= n;
  }
}
