// Runs every uvu test file under test/ in its own Node process (so one file's sockets, workers
// and timers cannot disturb another's), one file at a time, and prints one closing line summed
// over all files: "N passed, N failed[, N skipped]". CI reads that line, not uvu's own summary.
//
//   node --import tsx scripts/run-tests.ts [filter ...]   (filters match file paths)
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const PER_FILE_TIMEOUT_MS = 10 * 60_000;

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (/\.test\.ts$/.test(name)) out.push(p);
  }
  return out;
}

interface FileResult { file: string; passed: number; failed: number; skipped: number; code: number | null; ms: number }

function runFile(file: string): Promise<FileResult> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d: Buffer) => { process.stderr.write(d); });
    const timer = setTimeout(() => {
      process.stdout.write(`\n[run-tests] ${relative(root, file)} exceeded ${PER_FILE_TIMEOUT_MS / 1000}s; killed\n`);
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
      resolve({ file, passed, failed, skipped, code, ms: Date.now() - t0 });
    });
  });
}

const filters = process.argv.slice(2);
const files = findTests(join(root, 'test')).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
const results: FileResult[] = [];
for (const f of files) {
  process.stdout.write(`\n=== ${relative(root, f)}\n`);
  results.push(await runFile(f));
}
process.stdout.write('\n--- per file\n');
for (const r of results) {
  process.stdout.write(
    `${r.failed ? 'FAIL' : 'ok  '} ${relative(root, r.file)}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (${(r.ms / 1000).toFixed(1)}s)\n`,
  );
}
const sum = (k: 'passed' | 'failed' | 'skipped') => results.reduce((a, r) => a + r[k], 0);
const skipped = sum('skipped');
process.stdout.write(`${sum('passed')} passed, ${sum('failed')} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exitCode = sum('failed') > 0 || files.length === 0 ? 1 : 0;
