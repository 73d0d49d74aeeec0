// Stored probe scripts and their journals, bounded in number and age.
import type { Journal, Script } from '../../protocol/index.ts';

export interface StoredScript {
  id: string;
  script: Script;
  state: 'stored' | 'running' | 'done';
  journal: Journal | null;
  expiresAt: number;
  /** Resolves when the run has finished (journal done). */
  finished: Promise<void>;
  markFinished: () => void;
}

export class ScriptStore {
  readonly #items = new Map<string, StoredScript>();

  constructor(private readonly maxScripts: number, private readonly ttlMs: number) {}

  get size(): number {
    this.#purge();
    return this.#items.size;
  }

  get(id: string): StoredScript | undefined {
    this.#purge();
    return this.#items.get(id);
  }

  /** 'full' when at the limit; 'conflict' when the id has already run or is running. */
  put(id: string, script: Script): 'created' | 'replaced' | 'full' | 'conflict' {
    this.#purge();
    const old = this.#items.get(id);
    if (old && old.state !== 'stored') return 'conflict';
    if (!old && this.#items.size >= this.maxScripts && !this.#evictOldestDone()) return 'full';
    let markFinished = (): void => {};
    const finished = new Promise<void>((r) => (markFinished = r));
    this.#items.set(id, { id, script, state: 'stored', journal: null, expiresAt: Date.now() + this.ttlMs, finished, markFinished });
    return old ? 'replaced' : 'created';
  }

  /** Makes room by dropping the oldest script that has finished (its journal was fetched or is stale). */
  #evictOldestDone(): boolean {
    for (const [id, s] of this.#items) {
      if (s.state === 'done') {
        this.#items.delete(id);
        return true;
      }
    }
    return false;
  }

  #purge(): void {
    const now = Date.now();
    for (const [id, s] of this.#items) if (s.expiresAt <= now && s.state !== 'running') this.#items.delete(id);
  }
}
