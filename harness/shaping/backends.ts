// The backend registry and `auto`: host when its kernel has every qdisc the link needs, else uml,
// with the reason in words.
import type { BackendName, Shaper } from './backend.ts';
import { ShapingError } from './backend.ts';
import { HostShaper } from './host.ts';
import { qdiscsNeeded, type LinkSpec } from './spec.ts';
import { UmlShaper } from './uml.ts';

export const BACKENDS: Record<BackendName, () => Shaper> = {
  host: () => new HostShaper(),
  uml: () => new UmlShaper(),
};
export const BACKEND_CHOICES = ['auto', 'host', 'uml'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface Chosen { shaper: Shaper; reason: string }

/** The backend for `link`: the one asked for, or (auto) host when it has every qdisc needed, else uml. */
export async function chooseBackend(choice: BackendChoice, link: LinkSpec): Promise<Chosen> {
  const needed = [...qdiscsNeeded(link)];
  if (choice !== 'auto') {
    const shaper = BACKENDS[choice]();
    const why = await shaper.unavailable();
    if (why) throw new ShapingError(`${choice} backend: ${why}`);
    const have = await shaper.kinds();
    const lacking = needed.filter((k) => !have.has(k));
    if (lacking.length > 0) throw new ShapingError(`${choice} backend: the link needs ${lacking.join(', ')}, which it lacks${choice === 'host' ? ' (try --backend uml or auto)' : ''}`);
    return { shaper, reason: `asked for (--backend ${choice})` };
  }
  const host = BACKENDS.host();
  const hostWhy = await host.unavailable();
  if (hostWhy === null) {
    const have = await host.kinds();
    const lacking = needed.filter((k) => !have.has(k));
    if (lacking.length === 0) {
      return { shaper: host, reason: needed.length ? `the host kernel has ${needed.join(', ')}` : 'nothing to shape that needs more than the host' };
    }
    const uml = BACKENDS.uml();
    const umlWhy = await uml.unavailable();
    if (umlWhy) throw new ShapingError(`the link needs ${lacking.join(', ')}, which the host kernel lacks, and the uml backend is unavailable: ${umlWhy}`);
    return { shaper: uml, reason: `the link needs ${lacking.join(', ')}, which the host kernel lacks (user-mode Linux has it)` };
  }
  throw new ShapingError(hostWhy);
}
