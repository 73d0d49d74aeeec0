// Runs outside programs with argument arrays (execFile: no shell), bounded in time.
import { execFile } from 'node:child_process';

export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(readonly argv: string[], readonly code: number | string | null, readonly stderr: string) {
    super(`${argv.join(' ')}: ${stderr.trim().split('\n')[0] || `exit ${code}`}`);
  }
}

export interface Ran { code: number; stdout: string; stderr: string }

/** Runs `cmd args`; resolves whatever the exit code (127 when it cannot start). */
export function run(cmd: string, args: string[], timeoutMs = 15_000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      const code = e === null ? 0 : typeof e.code === 'number' ? e.code : e.code === 'ENOENT' ? 127 : 1;
      resolve({ code, stdout, stderr: stderr || (e && typeof e.code !== 'number' ? e.message : '') });
    });
  });
}

/** Runs `cmd args`; throws CommandError unless it exits 0. */
export async function must(cmd: string, args: string[], timeoutMs = 15_000): Promise<string> {
  const r = await run(cmd, args, timeoutMs);
  if (r.code !== 0) throw new CommandError([cmd, ...args], r.code, r.stderr);
  return r.stdout;
}
