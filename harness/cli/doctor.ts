// `dawdle doctor`: one table of what this machine can do for dawdle - root, network namespaces,
// each qdisc of the host kernel (probed for real in a throwaway namespace), the user-mode Linux
// backend and its netem, and every outside tool of harness/tools/catalogue.ts - with how to get
// what is missing. Always exits 0: it informs, it does not judge.
import { existsSync } from 'node:fs';
import type { Argv } from 'yargs';
import { probeHost } from '../shaping/probe.ts';
import { UmlShaper } from '../shaping/uml.ts';
import { findModule, readModulesDep, umlModuleDir } from '../shaping/uml-modules.ts';
import { TOOLS } from '../tools/catalogue.ts';
import { manualInstall } from '../tools/tool.ts';

export interface DoctorRow { what: string; ok: boolean; detail: string }

export async function doctorRows(): Promise<DoctorRow[]> {
  const rows: DoctorRow[] = [];
  const p = await probeHost();
  rows.push({ what: 'root', ok: p.root, detail: p.root ? 'uid 0' : 'not root: shaping (namespaces, tc, TAP) needs root' });
  rows.push({ what: 'network namespaces + veth', ok: p.netns === null, detail: p.netns ?? 'ip netns add / veth work' });
  for (const [q, ok] of Object.entries(p.qdiscs)) {
    rows.push({ what: `host qdisc ${q}`, ok, detail: ok ? 'installed on a veth in a throwaway namespace' : p.root ? 'the host kernel refused it' : 'not probed (not root)' });
  }
  rows.push({ what: 'TUN/TAP (/dev/net/tun)', ok: existsSync('/dev/net/tun'), detail: existsSync('/dev/net/tun') ? 'present' : 'missing: the uml backend cannot reach the host' });
  const dir = umlModuleDir();
  const dep = dir ? readModulesDep(dir) : null;
  const netem = dep ? findModule(dep, 'sch_netem') : null;
  rows.push({ what: 'UML netem module', ok: netem !== null, detail: netem ? `${dir}/${netem}` : `not found; get it with: ${manualInstall(TOOLS['user-mode-linux'])}` });
  const why = await new UmlShaper().unavailable();
  rows.push({ what: 'uml backend', ok: why === null, detail: why ?? 'usable: netem in a user-mode Linux guest' });
  for (const t of Object.values(TOOLS)) {
    const at = t.locate();
    rows.push({ what: t.name, ok: at !== null, detail: at ?? `missing (${t.purpose}); get it with: ${manualInstall(t)}` });
  }
  return rows;
}

export function doctorTable(rows: DoctorRow[]): string {
  const w = Math.max(...rows.map((r) => r.what.length));
  return [`${'capability'.padEnd(w)}  ok   detail`, `${'-'.repeat(w)}  ---  ------`,
    ...rows.map((r) => `${r.what.padEnd(w)}  ${r.ok ? 'yes' : 'no '}  ${r.detail}`)].join('\n');
}

export function doctorCommand(y: Argv) {
  return y.command(
    'doctor',
    'print what this machine can do: root, namespaces, each qdisc, user-mode Linux with netem, outside tools (and how to get what is missing)',
    (a) => a,
    async () => {
      process.stdout.write(`${doctorTable(await doctorRows())}\n`);
    },
  );
}
