// Promises that settle when a condition on a connection holds, with a timeout each. The owner
// calls poke() after anything changes and closeAll() when nothing can change any more; every
// timer is cleared when its promise settles.
import { ClientError } from './errors.ts';

interface Entry {
  check: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class Waiters {
  private readonly pending = new Set<Entry>();

  /**
   * Resolves with check()'s value once it is not undefined; rejects after `timeoutMs`, or with
   * what check() throws when the condition can no longer hold.
   */
  wait<T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
    let now: T | undefined;
    try {
      now = check();
    } catch (err) {
      return Promise.reject(err);
    }
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = {
        check,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer: setTimeout(() => {
          this.pending.delete(entry);
          reject(new ClientError('ERR_WAIT_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs),
      };
      this.pending.add(entry);
    });
  }

  get size(): number {
    return this.pending.size;
  }

  poke(): void {
    if (this.pending.size === 0) return;
    for (const e of this.pending) {
      try {
        const v = e.check();
        if (v !== undefined) this.settle(e, () => e.resolve(v));
      } catch (err) {
        this.settle(e, () => e.reject(err as Error));
      }
    }
  }

  /** Last check, then every unmet wait rejects: the connection is closed. */
  closeAll(): void {
    this.poke();
    for (const e of this.pending) {
      this.settle(e, () => e.reject(new ClientError('ERR_CONNECTION_CLOSED', 'the connection closed before the condition held')));
    }
  }

  private settle(e: Entry, how: () => void): void {
    clearTimeout(e.timer);
    this.pending.delete(e);
    how();
  }
}
