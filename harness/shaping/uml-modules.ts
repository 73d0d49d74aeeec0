// Where Debian's user-mode-linux package keeps the guest's kernel modules, and the order to insmod
// them in (dependencies first, from the directory's modules.dep): the guest has no
// /lib/modules/<version> of its own (its root is the host's, read-only), so no modprobe.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const UML_MODULES_ROOT = '/usr/lib/uml/modules';

/** The guest kernel's module directory (/usr/lib/uml/modules/6.1.176), or null. */
export function umlModuleDir(root = UML_MODULES_ROOT): string | null {
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'modules.dep'))).sort(compareVersions);
  return versions.length > 0 ? join(root, versions[versions.length - 1]!) : null;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number(x) || 0);
  const pb = b.split(/[.-]/).map((x) => Number(x) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** modules.dep as module path -> its dependencies (paths relative to the module dir). */
export function parseModulesDep(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    m.set(line.slice(0, i).trim(), line.slice(i + 1).trim().split(/\s+/).filter(Boolean));
  }
  return m;
}

/** The module file of `name` ("sch_netem", "veth"), relative to the module dir, or null. */
export function findModule(dep: Map<string, string[]>, name: string): string | null {
  for (const k of dep.keys()) if (k.endsWith(`/${name}.ko`) || k.endsWith(`/${name}.ko.xz`)) return k;
  return null;
}

/** Every file to insmod for `names`, dependencies before dependants, each once. Throws on unknown names. */
export function insmodOrder(dep: Map<string, string[]>, names: string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (p: string, path: string[]) => {
    if (seen.has(p)) return;
    if (path.includes(p)) throw new Error(`modules.dep: dependency cycle at ${p}`);
    for (const d of dep.get(p) ?? []) visit(d, [...path, p]);
    seen.add(p);
    out.push(p);
  };
  for (const n of names) {
    const p = findModule(dep, n);
    if (p === null) throw new Error(`module ${n} is not in modules.dep`);
    visit(p, []);
  }
  return out;
}

export function readModulesDep(dir: string): Map<string, string[]> {
  return parseModulesDep(readFileSync(join(dir, 'modules.dep'), 'utf8'));
}
