// What the host kernel can shape, probed for real: each qdisc is installed on a veth in a
// throwaway namespace (`dawdle-p<pid>`), then the namespace is deleted. Also root and netns.
import { run } from './exec.ts';
import { quietSync, registerUndo } from './cleanup.ts';
import { qdiscCommands } from './tc-argv.ts';
import type { QdiscKind, QdiscOptions } from './spec.ts';

const SAMPLES: Record<QdiscKind, QdiscOptions> = {
  netem: { kind: 'netem', delayMs: 1 },
  tbf: { kind: 'tbf', bitsPerSecond: 1e6, burstBytes: 3000, latencyMs: 50 },
  htb: { kind: 'htb', bitsPerSecond: 1e6 },
};
/** Extra qdiscs doctor reports (not used by shaping, but often asked about). */
export const EXTRA_QDISCS = ['fq_codel', 'fq', 'pfifo'] as const;

export interface HostProbe {
  root: boolean;
  /** null when network namespaces work, else why not. */
  netns: string | null;
  qdiscs: Record<string, boolean>;
}

let cached: Promise<HostProbe> | null = null;

export function probeHost(): Promise<HostProbe> {
  cached ??= doProbe();
  return cached;
}

async function doProbe(): Promise<HostProbe> {
  const root = process.getuid?.() === 0;
  const qdiscs: Record<string, boolean> = {};
  const kinds = [...Object.keys(SAMPLES), ...EXTRA_QDISCS];
  for (const k of kinds) qdiscs[k] = false;
  if (!root) return { root, netns: 'not root (network namespaces and tc need root)', qdiscs };
  const ns = `dawdle-p${process.pid}`;
  const add = await run('ip', ['netns', 'add', ns]);
  if (add.code !== 0) return { root, netns: `ip netns add failed: ${add.stderr.trim() || `exit ${add.code}`}`, qdiscs };
  const release = registerUndo(`netns ${ns}`, () => quietSync('ip', ['netns', 'del', ns]));
  try {
    const veth = await run('ip', ['-n', ns, 'link', 'add', 'dq0', 'type', 'veth', 'peer', 'name', 'dq1']);
    if (veth.code !== 0) return { root, netns: `no veth: ${veth.stderr.trim()}`, qdiscs };
    for (const k of kinds) {
      const cmds = k in SAMPLES ? qdiscCommands('dq0', SAMPLES[k as QdiscKind]) : [['qdisc', 'replace', 'dev', 'dq0', 'root', k]];
      let ok = true;
      for (const c of cmds) if ((await run('tc', ['-n', ns, ...c])).code !== 0) ok = false;
      qdiscs[k] = ok;
      await run('tc', ['-n', ns, 'qdisc', 'del', 'dev', 'dq0', 'root']);
    }
    return { root, netns: null, qdiscs };
  } finally {
    await run('ip', ['netns', 'del', ns]);
    release();
  }
}
