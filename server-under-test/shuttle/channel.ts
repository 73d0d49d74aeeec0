// A message channel that batches: messages posted during one event-loop turn leave together in
// one postMessage (one structured clone, one wake-up of the other thread) when the turn ends.
// Under load this amortises the cross-thread cost over many requests; when idle a message
// leaves within the same turn. Body buffers are transferred, not copied.
import type { MessagePort } from 'node:worker_threads';

export interface PortLike {
  postMessage(value: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (value: unknown) => void): unknown;
}

export class BatchingChannel<Out, In> {
  #port: PortLike;
  #batch: Out[] = [];
  #transfer: ArrayBuffer[] = [];
  #scheduled = false;
  #coalesce = new Map<string, number>();

  constructor(port: PortLike | MessagePort, onMessage: (m: In) => void) {
    this.#port = port as PortLike;
    this.#port.on('message', (batch: unknown) => {
      for (const m of batch as In[]) onMessage(m);
    });
  }

  /** Queue a message; `transfer` buffers move to the other thread (they are unusable here after). */
  post(m: Out, transfer?: ArrayBuffer): void {
    this.#batch.push(m);
    if (transfer) this.#transfer.push(transfer);
    this.#schedule();
  }

  /**
   * Queue a message that supersedes an earlier one with the same key in this batch (e.g. the
   * latest progress of a request): only the newest is delivered, at the place of the first.
   */
  postLatest(key: string, m: Out): void {
    const at = this.#coalesce.get(key);
    if (at !== undefined) {
      this.#batch[at] = m;
      return;
    }
    this.#coalesce.set(key, this.#batch.length);
    this.#batch.push(m);
    this.#schedule();
  }

  /** Send what is queued now. */
  flush(): void {
    this.#scheduled = false;
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    const transfer = this.#transfer;
    this.#batch = [];
    this.#transfer = [];
    this.#coalesce.clear();
    this.#port.postMessage(batch, transfer);
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }
}
