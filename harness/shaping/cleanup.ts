// Guaranteed teardown. Everything a run creates is named with PREFIX and registered here the moment
// it exists: an async undo for the normal path (end, error, SIGINT, SIGTERM: the CLI aborts the
// run and the backend undoes in `finally`) and a synchronous one for process exit (a crash or an
// uncaught error still removes it). `removeLeftovers()` (`dawdle shape --cleanup`) removes what a
// killed run (SIGKILL) left: every `dawdle-N` link whose owner process is gone, its namespace and
// its guest.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { must, run } from './exec.ts';

export const PREFIX = 'dawdle-';

interface Undo { what: string; sync: () => void }
const pending = new Map<number, Undo>();
let nextId = 1;
let hooked = false;

/** Registers a synchronous undo to run at process exit unless released first. */
export function registerUndo(what: string, sync: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.on('exit', runAllSync);
  }
  const id = nextId++;
  pending.set(id, { what, sync });
  return () => { pending.delete(id); };
}

function runAllSync(): void {
  for (const [id, u] of [...pending].reverse()) {
    pending.delete(id);
    try {
      u.sync();
    } catch {
      // best effort at exit; `dawdle shape --cleanup` finds the rest
    }
  }
}

/** `cmd args` synchronously, ignoring failure (for exit-time undo). */
export function quietSync(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 5000 });
  } catch {
    // already gone
  }
}

/**
 * Kills (SIGKILL) every process still inside network namespace `name`: what the command left
 * running in the background (`sh -c 'server & ...'`, or an orphan after its shell got SIGTERM).
 * Deleting a namespace does not stop its processes, and an orphan holding the run's stdout
 * keeps whoever reads it waiting; the run removes everything it created, processes included.
 */
export function killNamespaceProcesses(name: string): number[] {
  let pids: number[] = [];
  try {
    pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })
      .split('\n').filter((l) => /^\d+$/.test(l.trim())).map(Number).filter((p) => p !== process.pid);
  } catch {
    return [];
  }
  for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  return pids;
}

/** The owner recorded on a link: its alias is "dawdle pid=<pid>". */
export const ownerAlias = (pid = process.pid): string => `dawdle pid=${pid}`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Leftovers { links: string[]; namespaces: string[]; guests: number[]; kept: string[] }

/** Processes of user-mode Linux guests attached to the TAP device `ifname`. */
export function guestPids(ifname: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (cmd.some((a) => a === `vec0:transport=tap,ifname=${ifname}`)) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * Removes what dead runs left: links named PREFIX* whose owner pid is gone (or that have no owner),
 * the guests attached to them, and namespaces PREFIX* with no live link of the same name.
 * With `dryRun`, only says what it would remove.
 */
export async function removeLeftovers(dryRun = false): Promise<Leftovers> {
  const res: Leftovers = { links: [], namespaces: [], guests: [], kept: [] };
  const links = JSON.parse((await run('ip', ['-j', '-d', 'link', 'show'])).stdout || '[]') as Array<{ ifname: string; ifalias?: string }>;
  const live = new Set<string>();
  for (const l of links) {
    if (!l.ifname.startsWith(PREFIX)) continue;
    const m = /^dawdle pid=(\d+)$/.exec(l.ifalias ?? '');
    if (m && alive(Number(m[1])) && Number(m[1]) !== process.pid) {
      live.add(l.ifname);
      res.kept.push(`${l.ifname} (in use by pid ${m[1]})`);
      continue;
    }
    for (const pid of guestPids(l.ifname)) {
      res.guests.push(pid);
      if (!dryRun) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    res.links.push(l.ifname);
    if (!dryRun) await run('ip', ['link', 'del', l.ifname]);
  }
  const ns = (await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(PREFIX));
  for (const n of ns) {
    if (live.has(n)) continue;
    const probe = /^dawdle-p(\d+)$/.exec(n);
    if (probe && alive(Number(probe[1])) && Number(probe[1]) !== process.pid) { res.kept.push(`${n} (probe of pid ${probe[1]})`); continue; }
    res.namespaces.push(n);
    if (!dryRun) {
      killNamespaceProcesses(n);
      await run('ip', ['netns', 'del', n]);
    }
  }
  return res;
}

/** `ip netns list` and `ip link` entries named PREFIX*: what tests check is empty. */
export async function listOurs(): Promise<{ namespaces: string[]; links: string[] }> {
  const ns = (await must('ip', ['netns', 'list'])).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(PREFIX));
  const links = (JSON.parse((await must('ip', ['-j', 'link', 'show'])) || '[]') as Array<{ ifname: string }>)
    .map((l) => l.ifname).filter((n) => n.startsWith(PREFIX));
  return { namespaces: ns, links };
}
