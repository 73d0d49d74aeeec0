// A sharded test file's share of its cases. scripts/run-tests.ts runs a file tagged
// `// @test shards N` as N processes with TEST_SHARD=i/N (0-based); each runs every N-th case.
// Run alone (no TEST_SHARD), a file runs all of them.
const m = /^(\d+)\/(\d+)$/.exec(process.env.TEST_SHARD ?? '');
export const SHARD = m ? { index: Number(m[1]), of: Number(m[2]) } : { index: 0, of: 1 };

/** The cases this process runs: case n belongs to shard n mod N. */
export function shareOf<T>(cases: readonly T[]): T[] {
  return cases.filter((_, n) => n % SHARD.of === SHARD.index);
}

/** True in exactly one shard (for the file's cheap, shard-independent tests). */
export const FIRST_SHARD = SHARD.index === 0;
