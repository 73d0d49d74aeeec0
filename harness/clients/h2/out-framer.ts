// The write loop: the only writer to the connection's socket, and a prioritized one (seed 003's
// outFramer). Control frames (SETTINGS and its ACK, PING ACK, WINDOW_UPDATE, RST_STREAM, GOAWAY)
// go out ahead of everything queued for streams (HEADERS, DATA), so a server that stops
// reading our requests still gets its PING answered and its windows opened.
//
// Frames are gathered in one event-loop turn and written together (up to batchBytes per write).
// When the socket says it is full, nothing more is written until 'drain': what is queued then
// waits, and a control frame queued meanwhile still goes first.

export interface OutItem {
  bytes: Buffer;
  /** For the timeline and tests: "PING_ACK", "HEADERS", "DATA"... */
  label: string;
  streamId: number;
  /** Called once the bytes were handed to the kernel. */
  onWritten?: () => void;
}

/** A flow-controlled source of DATA frames: the next frame, or null while blocked or done. */
export interface BodySource {
  streamId: number;
  next(): OutItem | null;
  done(): boolean;
}

/** Where frames go: a socket, or a fake in tests. */
export interface ByteSink {
  /** false = full: wait for onDrain before writing more. */
  write(bytes: Buffer, written: (err?: Error | null) => void): boolean;
  onDrain(cb: () => void): void;
}

type StreamWork = { kind: 'frames'; item: OutItem } | { kind: 'body'; source: BodySource };

export class OutFramer {
  private readonly control: OutItem[] = [];
  private stream: StreamWork[] = [];
  private scheduled = false;
  private waitingForDrain = false;
  private inFlight = 0;
  private flushWaiters: Array<() => void> = [];
  private stopped = false;
  /** Labels in the order they were written (kept for tests when `record` is on). */
  readonly written: string[] = [];

  constructor(private readonly sink: ByteSink, private readonly opts: { batchBytes?: number; record?: boolean } = {}) {}

  /** A control frame: written before any queued stream frame. */
  enqueueControl(item: OutItem): void {
    if (this.stopped) return;
    this.control.push(item);
    this.schedule();
  }

  /** Ready stream frames (HEADERS with its CONTINUATIONs, or a DATA frame), in FIFO order. */
  enqueueStream(item: OutItem): void {
    if (this.stopped) return;
    this.stream.push({ kind: 'frames', item });
    this.schedule();
  }

  /** A request body that yields DATA frames as flow control allows. */
  enqueueBody(source: BodySource): void {
    if (this.stopped) return;
    this.stream.push({ kind: 'body', source });
    this.schedule();
  }

  /** Something changed (a window opened): try again. */
  kick(): void {
    this.schedule();
  }

  /**
   * Drops everything still queued for `streamId`. Returns true if its HEADERS were among it,
   * i.e. the peer never heard of the stream (so no RST_STREAM must follow).
   */
  cancelStream(streamId: number): boolean {
    let headersDropped = false;
    this.stream = this.stream.filter((w) => {
      const id = w.kind === 'frames' ? w.item.streamId : w.source.streamId;
      if (id !== streamId) return true;
      if (w.kind === 'frames' && w.item.label === 'HEADERS') headersDropped = true;
      return false;
    });
    return headersDropped;
  }

  /** Stops writing for good (the socket is gone); queued frames are dropped. */
  stop(): void {
    this.stopped = true;
    this.control.length = 0;
    this.stream.length = 0;
    this.settleFlush();
  }

  get queuedControl(): number { return this.control.length; }
  get queuedStream(): number { return this.stream.length; }

  /** Resolves once nothing is queued or in flight (or the framer stopped). */
  flushed(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.stopped || (this.control.length === 0 && !this.hasReadyStreamWork() && this.inFlight === 0);
  }

  private hasReadyStreamWork(): boolean {
    return this.stream.some((w) => w.kind === 'frames' || !w.source.done());
  }

  private schedule(): void {
    if (this.scheduled || this.waitingForDrain || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Writes as much as the sink takes, control frames first. */
  pump(): void {
    const limit = this.opts.batchBytes ?? 64 * 1024;
    while (!this.stopped && !this.waitingForDrain) {
      const batch: OutItem[] = [];
      let bytes = 0;
      while (bytes < limit) {
        const item = this.control.shift() ?? this.nextStreamItem();
        if (item === undefined) break;
        batch.push(item);
        bytes += item.bytes.length;
      }
      if (batch.length === 0) break;
      if (this.opts.record) for (const i of batch) this.written.push(i.streamId === 0 ? i.label : `${i.label}:${i.streamId}`);
      this.inFlight++;
      const buf = batch.length === 1 ? batch[0]!.bytes : Buffer.concat(batch.map((i) => i.bytes), bytes);
      const more = this.sink.write(buf, (err) => {
        this.inFlight--;
        if (!err) for (const i of batch) i.onWritten?.();
        this.settleFlush();
      });
      if (!more) {
        this.waitingForDrain = true;
        this.sink.onDrain(() => {
          this.waitingForDrain = false;
          this.schedule();
        });
      }
    }
    this.settleFlush();
  }

  private nextStreamItem(): OutItem | undefined {
    const blocked = new Set<number>(); // a stream's frames stay in order behind its blocked body
    for (let i = 0; i < this.stream.length; i++) {
      const w = this.stream[i]!;
      if (w.kind === 'frames') {
        if (blocked.has(w.item.streamId)) continue;
        this.stream.splice(i, 1);
        return w.item;
      }
      const item = w.source.next();
      if (w.source.done()) {
        this.stream.splice(i, 1);
        i--;
      }
      if (item !== null) return item;
      blocked.add(w.source.streamId);
    }
    return undefined;
  }

  private settleFlush(): void {
    if (this.flushWaiters.length === 0 || !this.isIdle()) return;
    const ws = this.flushWaiters;
    this.flushWaiters = [];
    for (const w of ws) w();
  }
}
