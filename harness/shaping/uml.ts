// The `uml` backend: the command runs inside a user-mode Linux guest (Debian's user-mode-linux,
// whose modules include sch_netem), which reaches the host over a TAP device `dawdle-N`
// (198.18.N.1 on the host, as on the host backend, so a server on the host is reachable at the
// same printed address). Inside the guest the client sits in a namespace behind a veth pair,
// shaped per direction on each end's egress like the host backend (see uml-init.ts).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reserve } from './addresses.ts';
import { planOn, ShapingError, type AppliedDirection, type Shaper, type ShapedRunOptions, type ShapedRunResult } from './backend.ts';
import { ownerAlias, quietSync, registerUndo } from './cleanup.ts';
import { exitCodeOf } from './command.ts';
import { must, run } from './exec.ts';
import { parseQdiscs, verifyApplied, type AppliedQdisc } from './readback.ts';
import { makeSharedDir } from './shared-dir.ts';
import type { QdiscKind } from './spec.ts';
import { qdiscCommands } from './tc-argv.ts';
import { GUEST_DOWN_DEV, GUEST_UP_DEV, initScript } from './uml-init.ts';
import { insmodOrder, readModulesDep, umlModuleDir } from './uml-modules.ts';
import { TOOLS } from '../tools/catalogue.ts';
import { manualInstall } from '../tools/tool.ts';

const BOOT_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;
/** Memory of the guest: the harness's Node process runs in it. */
export const GUEST_MEM = '512M';

export class UmlShaper implements Shaper {
  readonly name = 'uml' as const;

  async unavailable(): Promise<string | null> {
    if (process.getuid?.() !== 0) return 'not root: the TAP device and the guest need root (run as root, e.g. sudo)';
    if (TOOLS['user-mode-linux'].locate() === null) return `no user-mode Linux kernel (linux.uml); get it with: ${manualInstall(TOOLS['user-mode-linux'])}`;
    if (TOOLS.kmod.locate() === null) return `no insmod for the guest; get it with: ${manualInstall(TOOLS.kmod)}`;
    const dir = umlModuleDir();
    if (dir === null) return `no guest kernel modules under /usr/lib/uml/modules; get them with: ${manualInstall(TOOLS['user-mode-linux'])}`;
    try {
      insmodOrder(readModulesDep(dir), ['sch_netem', 'veth', 'bridge']);
    } catch (err) {
      return `the guest kernel's modules lack what shaping needs (${(err as Error).message})`;
    }
    if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun (TUN/TAP) on the host: the guest could not reach it';
    return null;
  }

  async kinds(): Promise<Set<QdiscKind>> {
    const dir = umlModuleDir();
    if (dir === null) return new Set();
    const dep = readModulesDep(dir);
    const mod: Record<QdiscKind, string> = { netem: 'sch_netem', tbf: 'sch_tbf', htb: 'sch_htb' };
    return new Set((Object.keys(mod) as QdiscKind[]).filter((k) => {
      try {
        insmodOrder(dep, [mod[k]]);
        return true;
      } catch {
        return false;
      }
    }));
  }

  async run(o: ShapedRunOptions): Promise<ShapedRunResult> {
    const { down, up } = await planOn(this, o.link);
    const moduleDir = umlModuleDir()!;
    const kindsUsed = [...new Set([down?.kind, up?.kind].filter((k): k is QdiscKind => k !== undefined))];
    const modules = insmodOrder(readModulesDep(moduleDir), ['veth', 'bridge', ...kindsUsed.map((k) => `sch_${k}`)]);

    let releaseTap: (() => void) | null = null;
    const addr = await reserve(async (a) => {
      if ((await run('ip', ['tuntap', 'add', 'dev', a.name, 'mode', 'tap'])).code !== 0) return false;
      releaseTap = registerUndo(`tap ${a.name}`, () => quietSync('ip', ['link', 'del', a.name]));
      return true;
    }, 20, o.linkNumber);
    if (addr === null) throw new ShapingError(o.linkNumber !== undefined ? `uml backend: link dawdle-${o.linkNumber} is in use (leftovers? run dawdle shape --cleanup)` : 'uml backend: no free link name dawdle-1..250 after 20 tries (leftovers? run `dawdle shape --cleanup`)');
    const shared = makeSharedDir(o.shared);
    let guestPid: number | null = null;
    let releaseGuest: (() => void) | null = null;
    try {
      await must('ip', ['link', 'set', addr.name, 'alias', ownerAlias()]);
      await must('ip', ['addr', 'add', `${addr.host}/${addr.prefixLength}`, 'dev', addr.name]);
      await must('ip', ['link', 'set', addr.name, 'gso_max_segs', '1']);
      await must('ip', ['link', 'set', addr.name, 'up']);
      o.onReady?.(addr);
      const cmd = await o.command(addr, shared.path);
      const S = shared.path;
      const script = join(S, 'init.sh');
      writeFileSync(script, initScript({
        shared: S, moduleDir, modules, clientAddress: addr.client, prefixLength: addr.prefixLength, sysctls: o.link.sysctls,
        downTc: down ? qdiscCommands(GUEST_DOWN_DEV, down) : [], upTc: up ? qdiscCommands(GUEST_UP_DEV, up) : [],
        argv: cmd.argv, env: { ...cmd.env, DAWDLE_HOST: addr.host }, cwd: cmd.cwd,
      }), { mode: 0o755 });
      const consoleLog = join(S, 'console.log');
      const logFd = openSync(consoleLog, 'w');
      const uml = TOOLS['user-mode-linux'].locate()!;
      // The guest's console (kernel messages) goes to console.log; its tty1 and tty2 (the command's
      // stdout and stderr) to ours.
      const child = spawn(uml, [
        `mem=${GUEST_MEM}`, 'rootfstype=hostfs', 'rootflags=/', 'ro', `init=${script}`, 'quiet',
        'con=null', 'con0=fd:0,fd:3', 'con1=null,fd:1', 'con2=null,fd:2',
        `vec0:transport=tap,ifname=${addr.name}`,
      ], { stdio: ['ignore', 'inherit', 'inherit', logFd], detached: true });
      closeSync(logFd);
      guestPid = child.pid ?? null;
      const pgid = guestPid;
      if (pgid !== null) releaseGuest = registerUndo(`guest ${pgid}`, () => { try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ } });
      const exited = new Promise<number>((resolve) => child.once('exit', (c, s) => resolve(exitCodeOf(c, s))));
      const stop = () => {
        writeFileSync(join(S, 'stop'), '');
        setTimeout(() => { if (pgid !== null) try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ } }, STOP_GRACE_MS).unref();
      };
      if (o.signal?.aborted) stop();
      o.signal?.addEventListener('abort', stop, { once: true });
      // The boot is bounded: the command must have started within BOOT_TIMEOUT_MS.
      const bootKill = setTimeout(() => {
        const st = stageOf(S);
        if (st !== 'command' && st !== 'done' && pgid !== null) try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
      }, BOOT_TIMEOUT_MS);
      const guestCode = await exited;
      clearTimeout(bootKill);
      o.signal?.removeEventListener('abort', stop);
      const exitFile = join(S, 'exit');
      if (!existsSync(exitFile)) {
        const err = existsSync(join(S, 'error')) ? readFileSync(join(S, 'error'), 'utf8').trim() : '';
        const tail = existsSync(consoleLog) ? readFileSync(consoleLog, 'utf8').trim().split('\n').slice(-5).join(' | ') : '';
        throw new ShapingError(`uml backend: the guest ended (${guestCode}) at stage "${stageOf(S) ?? 'boot'}" before the command did${err ? `: ${err}` : ''}${tail ? ` (console: ${tail})` : ''}`);
      }
      const exitCode = Number(readFileSync(exitFile, 'utf8').trim());
      const dq = readJson(S, 'down.json', GUEST_DOWN_DEV);
      const uq = readJson(S, 'up.json', GUEST_UP_DEV);
      const directions: AppliedDirection[] = [
        { direction: 'down', dev: GUEST_DOWN_DEV, side: 'guest', asked: down, qdiscs: dq, problems: down ? verifyApplied(down, dq) : [] },
        { direction: 'up', dev: GUEST_UP_DEV, side: 'guest client namespace', asked: up, qdiscs: uq, problems: up ? verifyApplied(up, uq) : [] },
      ];
      return {
        exitCode,
        applied: { backend: 'uml', reason: o.reason ?? 'asked for', link: o.link.name, addresses: addr, directions, sysctls: o.link.sysctls },
      };
    } finally {
      if (guestPid !== null) try { process.kill(-guestPid, 'SIGKILL'); } catch { /* gone */ }
      (releaseGuest as (() => void) | null)?.();
      shared.dispose();
      await run('ip', ['link', 'del', addr.name]);
      (releaseTap as (() => void) | null)?.();
    }
  }
}

function stageOf(dir: string): string | null {
  try {
    return readFileSync(join(dir, 'stage'), 'utf8').trim();
  } catch {
    return null;
  }
}

function readJson(dir: string, file: string, dev: string): AppliedQdisc[] {
  const p = join(dir, file);
  return existsSync(p) ? parseQdiscs(dev, readFileSync(p, 'utf8')) : [];
}
