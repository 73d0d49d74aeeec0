// Runs the `dawdle` command as a user would (its own process, CI=true so progress is plain lines),
// for the tests of the command line: exit code, stdout, stderr and how long it took. Killed after
// `timeoutMs` so a hanging command fails its test instead of the whole file.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/dawdle.mjs', import.meta.url));

export interface Ran { code: number | null; out: string; err: string; ms: number }

export function dawdle(args: string[], o: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<Ran> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: 'true', ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const kill = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    p.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, out, err, ms: performance.now() - t0 });
    });
  });
}

/**
 * `f` over `items`, at most `limit` at a time, results in the items' order: for the usage-error
 * tables, where each case is a command that starts, prints one line and exits (mostly start-up,
 * so running them side by side takes a few seconds instead of one start-up after another).
 */
export async function eachAtOnce<T, R>(items: readonly T[], f: (item: T) => Promise<R>, limit = 4): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await f(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}
