// Stored probe scripts and their journals, bounded in number, age and (approximate) bytes.
import type { Journal, Script } from '../../protocol/index.ts';

export interface StoredScript {
  id: string;
  script: Script;
  state: 'stored' | 'running' | 'done';
  /** The script's JSON size (what it costs to keep, roughly). */
  scriptBytes: number;
  journal: Journal | null;
  expiresAt: number;
  /** Resolves when the run has finished (journal done). */
  finished: Promise<void>;
  markFinished: () => void;
}

export class ScriptStore {
  readonly #items = new Map<string, StoredScript>();

  constructor(
    private readonly maxScripts: number,
    private readonly ttlMs: number,
    /** Approximate bytes of scripts and journals kept in all (max_store_bytes). */
    private readonly maxBytes = Infinity,
  ) {}

  /** Approximate bytes held: scripts and journals (a 100k-op journal is ~20 MB as objects). */
  get bytes(): number {
    let n = 0;
    for (const s of this.#items.values()) n += itemBytes(s);
    return n;
  }

  get size(): number {
    this.#purge();
    return this.#items.size;
  }

  get(id: string): StoredScript | undefined {
    this.#purge();
    return this.#items.get(id);
  }

  /**
   * 'full' when at the count limit, 'full-bytes' when the bytes limit leaves no room; 'conflict'
   * when the id has already run or is running.
   */
  put(id: string, script: Script, scriptBytes = 0): 'created' | 'replaced' | 'full' | 'full-bytes' | 'conflict' {
    this.#purge();
    const old = this.#items.get(id);
    if (old && old.state !== 'stored') return 'conflict';
    if (!old && this.#items.size >= this.maxScripts && this.#evictOldestDone() < 0) return 'full';
    if (old) this.#items.delete(id);
    if (!this.trim(scriptBytes)) {
      if (old) this.#items.set(id, old);
      return 'full-bytes';
    }
    let markFinished = (): void => {};
    const finished = new Promise<void>((r) => (markFinished = r));
    this.#items.set(id, { id, script, scriptBytes, state: 'stored', journal: null, expiresAt: Date.now() + this.ttlMs, finished, markFinished });
    return old ? 'replaced' : 'created';
  }

  /**
   * Drops the oldest finished scripts (never `keep`) until `extra` more bytes fit under the
   * limit; false when they cannot.
   */
  trim(extra = 0, keep?: string): boolean {
    let total = this.bytes;
    while (total + extra > this.maxBytes) {
      const freed = this.#evictOldestDone(keep);
      if (freed < 0) return false;
      total -= freed;
    }
    return true;
  }

  /** Makes room by dropping the oldest script that has finished (its journal was fetched or is stale); its bytes, or -1. */
  #evictOldestDone(keep?: string): number {
    for (const [id, s] of this.#items) {
      if (s.state === 'done' && id !== keep) {
        this.#items.delete(id);
        return itemBytes(s);
      }
    }
    return -1;
  }

  #purge(): void {
    const now = Date.now();
    for (const [id, s] of this.#items) if (s.expiresAt <= now && s.state !== 'running') this.#items.delete(id);
  }
}

/** Rough bytes of one stored item: its script's JSON, and its journal as JS objects (~200 B an entry, ~40 B a sample). */
function itemBytes(s: StoredScript): number {
  const j = s.journal;
  return 256 + s.scriptBytes + (j === null ? 0 : 512 + 200 * j.entries.length + 40 * j.samples.length);
}
