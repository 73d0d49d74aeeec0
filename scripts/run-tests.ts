// Runs the uvu test files under test/, each in its own Node process (so one file's sockets,
// workers and timers cannot disturb another's), several at a time, and prints one closing line
// summed over all files: "N passed, N failed[, N skipped]". CI reads that line, not uvu's.
//
//   node --import tsx scripts/run-tests.ts [--quick] [--jobs N] [filter ...]
//   (a filter matches the file's path from the repository's root, e.g. test/capacity or faults)
//
// Most files wait (on sockets, timeouts, child servers) rather than compute, so they run side by
// side, --jobs at a time (default 6). A file can say how it must run, in a comment line of its own
// anywhere in its first 40 lines:
//   // @test alone       runs one at a time in a quiet lane, beside at most two other files (it
//                        judges latency or memory under load)
//   // @test shards N    split into N processes run side by side; each gets TEST_SHARD=i/N
//                        (0-based) and runs its share of its cases (test/shard.ts)
//   // @test quick       part of `npm run test:quick` (the edit-run loop)
//   // @test weight N    rough seconds it takes, so long files start first (default 1)
// Each file's output is printed whole when it ends, so files never interleave.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const PER_FILE_TIMEOUT_MS = 10 * 60_000;

interface Job { file: string; alone: boolean; quick: boolean; weight: number; shard: string | null }
interface Result { job: Job; passed: number; failed: number; skipped: number; code: number | null; ms: number }

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (/\.test\.ts$/.test(name)) out.push(p);
  }
  return out;
}

/** The file's jobs: one, or one per shard. */
function jobsOf(file: string): Job[] {
  const head = readFileSync(file, 'utf8').split('\n').slice(0, 40);
  const tags = new Map<string, string>();
  for (const line of head) {
    const m = /^\/\/ @test (alone|quick|shards|weight)(?: (\d+))?\s*$/.exec(line);
    if (m) tags.set(m[1]!, m[2] ?? '');
  }
  const shards = Number(tags.get('shards') ?? 1);
  const base = { file, alone: tags.has('alone'), quick: tags.has('quick'), weight: Number(tags.get('weight') ?? 1) / shards };
  return shards > 1
    ? Array.from({ length: shards }, (_, i) => ({ ...base, shard: `${i}/${shards}` }))
    : [{ ...base, shard: null }];
}

function nameOf(j: Job): string {
  return `${relative(root, j.file)}${j.shard ? ` [shard ${j.shard}]` : ''}`;
}

function runJob(job: Job): Promise<Result> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', job.file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...(job.shard ? { TEST_SHARD: job.shard } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let both = '';
    child.stdout.on('data', (d: Buffer) => { out += d; both += d; });
    child.stderr.on('data', (d: Buffer) => { both += d; });
    const timer = setTimeout(() => {
      both += `\n[run-tests] ${nameOf(job)} exceeded ${PER_FILE_TIMEOUT_MS / 1000}s; killed\n`;
      child.kill('SIGKILL');
    }, PER_FILE_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const num = (label: string) => {
        const m = new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm').exec(out);
        return m ? Number(m[1]) : 0;
      };
      const total = num('Total');
      const passed = num('Passed');
      const skipped = num('Skipped');
      let failed = Math.max(0, total - passed - skipped);
      // A file that crashed or reported nothing counts as one failure, never as silence.
      if ((code !== 0 && failed === 0) || total === 0) failed = Math.max(failed, 1);
      const ms = Date.now() - t0;
      process.stdout.write(`\n=== ${nameOf(job)} (${(ms / 1000).toFixed(1)}s)\n${both}`);
      resolve({ job, passed, failed, skipped, code, ms });
    });
  });
}

/**
 * `alone` jobs run one by one in a lane of their own, with at most QUIET_COMPANY other files beside
 * them (files that mostly wait: the machine stays nearly idle); the rest run `jobs` at a time once
 * the quiet lane is done, heaviest first (so the longest file does not start last).
 */
const QUIET_COMPANY = 2;
async function schedule(all: Job[], jobs: number): Promise<Result[]> {
  const results: Result[] = [];
  const queue = all.filter((x) => !x.alone).sort((a, b) => b.weight - a.weight);
  let quiet = true;
  let active = 0;
  const wake: Array<() => void> = [];
  const allowed = () => (quiet ? Math.min(QUIET_COMPANY, jobs) : jobs);
  const quietLane = (async () => {
    for (const j of all.filter((x) => x.alone)) results.push(await runJob(j));
    quiet = false;
    for (const w of wake.splice(0)) w();
  })();
  const worker = async () => {
    for (;;) {
      while (active >= allowed() && queue.length > 0) await new Promise<void>((r) => wake.push(r));
      const j = queue.shift();
      if (j === undefined) return;
      active++;
      results.push(await runJob(j));
      active--;
      wake.shift()?.();
    }
  };
  await Promise.all([quietLane, ...Array.from({ length: Math.min(jobs, queue.length) }, worker)]);
  return results;
}

const { values: opts, positionals: filters } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, jobs: { type: 'string', default: '6' } },
  allowPositionals: true, strict: true,
});
const jobs = Number(opts.jobs);
if (!Number.isInteger(jobs) || jobs < 1) {
  process.stderr.write(`run-tests: --jobs wants a whole number >= 1, not ${JSON.stringify(opts.jobs)}\n`);
  process.exit(2);
}
const t0 = Date.now();
const all = findTests(join(root, 'test'))
  .filter((f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x)))
  .flatMap(jobsOf)
  .filter((j) => !opts.quick || j.quick);
const results = await schedule(all, jobs);
process.stdout.write('\n--- per file (slowest first)\n');
for (const r of [...results].sort((a, b) => b.ms - a.ms)) {
  process.stdout.write(`${r.failed ? 'FAIL' : 'ok  '} ${nameOf(r.job)}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (${(r.ms / 1000).toFixed(1)}s)\n`);
}
process.stdout.write(`${results.length} test processes, ${((Date.now() - t0) / 1000).toFixed(0)} s wall, ${jobs} at a time\n`);
const sum = (k: 'passed' | 'failed' | 'skipped') => results.reduce((a, r) => a + r[k], 0);
const skipped = sum('skipped');
process.stdout.write(`${sum('passed')} passed, ${sum('failed')} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exitCode = sum('failed') > 0 || all.length === 0 ? 1 : 0;
