// Runs a ReadBehaviour (the same objects the HTTP/1.1 simulator uses) over an HTTP/2 receive
// window instead of a socket. "Reading" here means consuming flow-controlled bytes that have
// arrived; what is consumed becomes a WINDOW_UPDATE grant (through the host). So a stalled
// reader never grants, a throttled one grants at its rate, a bursty one grants in bursts, and
// a cancelling one closes or resets whatever the host is (a stream: RST_STREAM; the connection:
// GOAWAY and FIN, or a TCP RST).
//
// pause()/resume() stop and start consumption, not the socket: the bytes keep arriving (as far
// as the window allows) and wait, unconsumed, until the reader takes them.
import type { ReadBehaviour, ReadControl } from '../read-behaviour.ts';
import { wallNow } from '../timeline.ts';

export interface ReaderHost {
  /** `n` bytes were consumed. */
  consumed(n: number): void;
  paused(by: string): void;
  resumed(by: string): void;
  close(): void;
  halfClose(): void;
  reset(): void;
}

export class WindowReader {
  private buffered = 0;
  private taken = 0;
  private isPaused = false;
  private draining = false;
  private drainQueued = false;
  private finished = false;
  private slot: { behaviour: ReadBehaviour; active: boolean };

  constructor(private readonly host: ReaderHost, behaviour: ReadBehaviour) {
    this.slot = { behaviour, active: false };
    this.attach();
  }

  get behaviour(): ReadBehaviour { return this.slot.behaviour; }
  get paused(): boolean { return this.isPaused; }
  /** Bytes arrived and not consumed yet. */
  get unconsumed(): number { return this.buffered; }
  /** Bytes consumed so far (what the behaviour sees as bytesReceived()). */
  get consumedBytes(): number { return this.taken; }

  /** `n` flow-controlled bytes arrived; false if the reader is finished (they are not taken). */
  offer(n: number): boolean {
    if (this.finished) return false;
    if (n <= 0) return true;
    this.buffered += n;
    this.drain();
    return true;
  }

  /** Drops what is waiting (the stream was reset); returns how many bytes were dropped. */
  discard(): number {
    const n = this.buffered;
    this.buffered = 0;
    return n;
  }

  /** Replaces the behaviour; consumption resumes first, as on HTTP/1.1. */
  setBehaviour(behaviour: ReadBehaviour): void {
    this.detach();
    this.slot = { behaviour, active: false };
    if (this.finished) return;
    this.setPaused(false, behaviour.name);
    this.attach();
    this.scheduleDrain();
  }

  /** The host is done (closed or reset): the behaviour stops, nothing more is consumed. */
  finish(): void {
    this.finished = true;
    this.detach();
  }

  private attach(): void {
    const slot = this.slot;
    slot.active = true;
    const name = slot.behaviour.name;
    const ifActive = (f: () => void) => () => { if (slot.active && !this.finished) f(); };
    const ctl: ReadControl = {
      pause: ifActive(() => this.setPaused(true, name)),
      resume: ifActive(() => {
        this.setPaused(false, name);
        this.scheduleDrain();
      }),
      close: ifActive(() => this.host.close()),
      halfClose: ifActive(() => this.host.halfClose()),
      reset: ifActive(() => this.host.reset()),
      now: wallNow,
      bytesReceived: () => this.taken,
      paused: () => this.isPaused,
    };
    slot.behaviour.attach(ctl);
  }

  private detach(): void {
    if (!this.slot.active) return;
    this.slot.active = false;
    this.slot.behaviour.detach();
  }

  private setPaused(p: boolean, by: string): void {
    if (this.isPaused === p) return;
    this.isPaused = p;
    if (p) this.host.paused(by);
    else this.host.resumed(by);
  }

  /** resume() is often called from inside attach() or onBytes(): consume on the next microtask. */
  private scheduleDrain(): void {
    if (this.drainQueued) return;
    this.drainQueued = true;
    queueMicrotask(() => {
      this.drainQueued = false;
      this.drain();
    });
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (!this.finished && !this.isPaused && this.buffered > 0 && this.slot.active) {
        const b = this.slot.behaviour;
        let n = this.buffered;
        if (b.readChunkBytes !== undefined) n = Math.min(n, b.readChunkBytes);
        if (b.nextReadLimit !== undefined) n = Math.min(n, b.nextReadLimit());
        n = Math.max(1, Math.floor(n));
        this.buffered -= n;
        this.taken += n;
        this.host.consumed(n);
        b.onBytes(n);
      }
    } finally {
      this.draining = false;
    }
  }
}
