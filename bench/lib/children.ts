// Parent side of the bench's process protocol: spawn `node --import tsx <file>` children that
// print JSON lines, read those lines with a deadline, and make sure no child outlives the bench
// (SIGKILL on exit, SIGINT and SIGTERM; the children also exit when their stdin closes).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const live = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping children\n`);
      killAll();
      process.exit(130);
    });
  }
}

export class Child {
  readonly #lines: string[] = [];
  #waiter: (() => void) | null = null;
  #exited: Promise<number | null>;
  #done = false;

  constructor(readonly name: string, readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      this.#lines.push(l);
      this.#waiter?.();
    });
    this.#exited = new Promise((resolve) => {
      proc.on('close', (code) => {
        this.#done = true;
        live.delete(proc);
        this.#waiter?.();
        resolve(code);
      });
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** The next JSON line the child prints; rejects after `timeoutMs` or when the child exits first. */
  async next<T = Record<string, unknown>>(timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) {
        if (line.startsWith('{')) return JSON.parse(line) as T;
        process.stderr.write(`[${this.name}] ${line}\n`);
        continue;
      }
      if (this.#done) throw new Error(`${this.name} exited before reporting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name} did not report within ${timeoutMs / 1000}s`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(t);
          this.#waiter = null;
          resolve();
        };
      });
    }
  }

  /** SIGTERM (graceful: lets --cpu-prof write its profile), SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.#done) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(t);
  }
}

/** Spawns `node [nodeArgs] --import tsx <file> [args]` from the repo root. */
export function spawnTs(name: string, file: string, args: string[] = [], nodeArgs: string[] = []): Child {
  hook();
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  live.add(proc);
  return new Child(name, proc);
}

/** Runs a command to completion (bounded by `timeoutMs`), returning its stdout. */
export function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  hook();
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d));
    proc.stderr.on('data', (d: Buffer) => (stderr += d));
    const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('error', (err) => {
      clearTimeout(t);
      live.delete(proc);
      reject(err);
    });
    proc.on('exit', (code) => {
      clearTimeout(t);
      live.delete(proc);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Resident set size of a process in bytes (VmRSS of /proc/PID/status). */
export function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
