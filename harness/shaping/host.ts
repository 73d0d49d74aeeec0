// The `host` backend: a client network namespace `dawdle-N` joined to the host by a veth pair
// (host end `dawdle-N`, 198.18.N.1; namespace end `veth0`, 198.18.N.2), shaped with the host
// kernel's qdiscs: down (host -> client) on the host end's egress, up on the namespace end's.
// No netem on this kernel kind, so only rates (tbf) and the namespace's TCP sysctls.
//
//   host (root namespace)                      namespace dawdle-N
//   server on 198.18.N.1 --[dawdle-N egress: down]==[veth0 egress: up]-- command (DAWDLE_HOST=198.18.N.1)
import { reserve } from './addresses.ts';
import { planOn, ShapingError, type AppliedDirection, type LinkAddresses, type Shaper, type ShapedRunOptions, type ShapedRunResult } from './backend.ts';
import { killNamespaceProcesses, ownerAlias, quietSync, registerUndo } from './cleanup.ts';
import { runChild } from './command.ts';
import { must, run } from './exec.ts';
import { probeHost } from './probe.ts';
import { parseQdiscs, verifyApplied } from './readback.ts';
import type { ClientSysctls, QdiscKind, QdiscOptions } from './spec.ts';
import { qdiscCommands } from './tc-argv.ts';
import { makeSharedDir } from './shared-dir.ts';

export const NS_DEV = 'veth0';

export function sysctlArgs(s: ClientSysctls): string[] {
  const out: string[] = [];
  if (s.tcpRmem) out.push(`net.ipv4.tcp_rmem=${s.tcpRmem.join(' ')}`);
  if (s.tcpWmem) out.push(`net.ipv4.tcp_wmem=${s.tcpWmem.join(' ')}`);
  return out;
}

async function apply(ns: string | null, dev: string, q: QdiscOptions): Promise<void> {
  for (const c of qdiscCommands(dev, q)) await must('tc', [...(ns ? ['-n', ns] : []), ...c]);
}

async function readBack(ns: string | null, dev: string) {
  return parseQdiscs(dev, await must('tc', [...(ns ? ['-n', ns] : []), '-s', '-j', 'qdisc', 'show', 'dev', dev]));
}

export class HostShaper implements Shaper {
  readonly name = 'host' as const;

  async unavailable(): Promise<string | null> {
    const p = await probeHost();
    if (!p.root) return 'not root: network namespaces and tc need root (run as root, e.g. sudo)';
    return p.netns;
  }

  async kinds(): Promise<Set<QdiscKind>> {
    const p = await probeHost();
    return new Set((['netem', 'tbf', 'htb'] as const).filter((k) => p.qdiscs[k]));
  }

  async run(o: ShapedRunOptions): Promise<ShapedRunResult> {
    const { down, up } = await planOn(this, o.link);
    let release: (() => void) | null = null;
    const addr = await reserve(async (a) => {
      if ((await run('ip', ['netns', 'add', a.name])).code !== 0) return false;
      const undo = registerUndo(`netns ${a.name}`, () => {
        killNamespaceProcesses(a.name);
        quietSync('ip', ['netns', 'del', a.name]);
        quietSync('ip', ['link', 'del', a.name]);
      });
      const r = await run('ip', ['link', 'add', a.name, 'type', 'veth', 'peer', 'name', NS_DEV, 'netns', a.name]);
      if (r.code !== 0) {
        await run('ip', ['netns', 'del', a.name]);
        undo();
        return false;
      }
      release = undo;
      return true;
    }, 20, o.linkNumber);
    if (addr === null) throw new ShapingError(o.linkNumber !== undefined ? `host backend: link dawdle-${o.linkNumber} is in use (leftovers? run dawdle shape --cleanup)` : 'host backend: no free link name dawdle-1..250 after 20 tries (leftovers? run `dawdle shape --cleanup`)');
    const shared = makeSharedDir(o.shared);
    try {
      await this.setUp(addr, o.link.sysctls);
      if (down) await apply(null, addr.name, down);
      if (up) await apply(addr.name, NS_DEV, up);
      const before = await this.directions(addr, down, up);
      const problems = before.flatMap((d) => d.problems);
      if (problems.length > 0) throw new ShapingError(`host backend: the kernel did not take the link as asked: ${problems.join('; ')}`);
      o.onReady?.(addr);
      const cmd = await o.command(addr, shared.path);
      const exitCode = await runChild({
        argv: ['ip', 'netns', 'exec', addr.name, ...cmd.argv],
        env: { ...cmd.env, DAWDLE_HOST: addr.host },
        cwd: cmd.cwd,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      const directions = await this.directions(addr, down, up);
      return {
        exitCode,
        applied: { backend: 'host', reason: o.reason ?? 'asked for', link: o.link.name, addresses: addr, directions, sysctls: o.link.sysctls },
      };
    } finally {
      shared.dispose();
      killNamespaceProcesses(addr.name);
      await run('ip', ['netns', 'del', addr.name]);
      await run('ip', ['link', 'del', addr.name]);
      (release as (() => void) | null)?.();
    }
  }

  private async setUp(a: LinkAddresses, sysctls: ClientSysctls): Promise<void> {
    await must('ip', ['link', 'set', a.name, 'alias', ownerAlias()]);
    await must('ip', ['addr', 'add', `${a.host}/${a.prefixLength}`, 'dev', a.name]);
    await must('ip', ['link', 'set', a.name, 'up']);
    await must('ip', ['-n', a.name, 'addr', 'add', `${a.client}/${a.prefixLength}`, 'dev', NS_DEV]);
    await must('ip', ['-n', a.name, 'link', 'set', NS_DEV, 'up']);
    await must('ip', ['-n', a.name, 'link', 'set', 'lo', 'up']);
    for (const s of sysctlArgs(sysctls)) await must('ip', ['netns', 'exec', a.name, 'sysctl', '-q', '-w', s]);
  }

  private async directions(a: LinkAddresses, down: QdiscOptions | null, up: QdiscOptions | null): Promise<AppliedDirection[]> {
    const d = await readBack(null, a.name);
    const u = await readBack(a.name, NS_DEV);
    return [
      { direction: 'down', dev: a.name, side: 'host', asked: down, qdiscs: d, problems: down ? verifyApplied(down, d) : [] },
      { direction: 'up', dev: NS_DEV, side: 'client namespace', asked: up, qdiscs: u, problems: up ? verifyApplied(up, u) : [] },
    ];
  }
}

