// Runs the user's command as a child with the terminal's stdio, stops it when the run is aborted
// (SIGTERM, then SIGKILL after 5 s) and reports its exit code the way a shell does (128 + signal).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 1) : 1);
}

export interface ChildRun { argv: string[]; env: NodeJS.ProcessEnv; cwd: string; signal?: AbortSignal; detached?: boolean;
  stdio?: Array<'inherit' | 'ignore' | number> }

/** Resolves with the exit code; rejects only when the program cannot start. */
export function runChild(c: ChildRun, onAbort?: (kill: (sig: NodeJS.Signals) => void) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(c.argv[0]!, c.argv.slice(1), { env: c.env, cwd: c.cwd, stdio: c.stdio ?? 'inherit', detached: c.detached ?? false });
    let killTimer: NodeJS.Timeout | undefined;
    const kill = (sig: NodeJS.Signals) => {
      try {
        if (c.detached && child.pid) process.kill(-child.pid, sig);
        else child.kill(sig);
      } catch {
        // already gone
      }
    };
    const abort = () => {
      if (onAbort) onAbort(kill);
      else kill('SIGTERM');
      killTimer = setTimeout(() => kill('SIGKILL'), 5000);
    };
    if (c.signal?.aborted) abort();
    c.signal?.addEventListener('abort', abort, { once: true });
    child.once('error', (err) => {
      c.signal?.removeEventListener('abort', abort);
      reject(err);
    });
    child.once('exit', (code, sig) => {
      clearTimeout(killTimer);
      c.signal?.removeEventListener('abort', abort);
      resolve(exitCodeOf(code, sig));
    });
  });
}
