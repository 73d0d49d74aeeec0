// A sharded test file's share of its cases. scripts/run-tests.ts runs a file tagged
// `// @test shards N` as N processes with TEST_SHARD=i/N (0-based); each runs every N-th case.
// Run alone (no TEST_SHARD), a file runs all of them.
const m = /^(\d+)\/(\d+)$/.exec(process.env.TEST_SHARD ?? '');
export const SHARD = m ? { index: Number(m[1]), of: Number(m[2]) } : { index: 0, of: 1 };

/**
 * The cases this process runs. Without `seconds`, case n belongs to shard n mod N; with it (a
 * rough cost per case), each case goes to the shard with the least cost so far, longest first, so
 * the shards end at about the same time.
 */
export function shareOf<T>(cases: readonly T[], seconds?: (c: T) => number): T[] {
  if (seconds === undefined) return cases.filter((_, n) => n % SHARD.of === SHARD.index);
  const load = new Array<number>(SHARD.of).fill(0);
  const mine = new Set<number>();
  const order = cases.map((c, n) => ({ n, s: seconds(c) })).sort((a, b) => b.s - a.s || a.n - b.n);
  for (const { n, s } of order) {
    const k = load.indexOf(Math.min(...load));
    load[k]! += s;
    if (k === SHARD.index) mine.add(n);
  }
  return cases.filter((_, n) => mine.has(n));
}

/** True in exactly one shard (for the file's cheap, shard-independent tests). */
export const FIRST_SHARD = SHARD.index === 0;
