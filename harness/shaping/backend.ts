// The Shaper seam: a backend runs one command behind one shaped link and tears everything down.
// `host` (netns + tc on the host kernel) and `uml` (a user-mode Linux guest with netem) are the two
// implementations; a new backend is a new file and an entry in `BACKENDS` (backends.ts).
import { PlanError, planDirection } from './plan.ts';
import type { AppliedQdisc } from './readback.ts';
import type { ClientSysctls, LinkSpec, QdiscKind, QdiscOptions } from './spec.ts';

export type BackendName = 'host' | 'uml';

/** Where the two sides are: the host end's address is where the client reaches the host. */
export interface LinkAddresses {
  /** The link's device on the host ("dawdle-37"); also the client namespace's name on `host`. */
  name: string;
  host: string;
  client: string;
  prefixLength: number;
}

export interface ShapedCommand {
  argv: string[];
  /** The command's whole environment (DAWDLE_HOST is added). */
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface AppliedDirection {
  direction: 'down' | 'up';
  /** Device whose egress shapes it, and where that device is. */
  dev: string;
  side: 'host' | 'client namespace' | 'guest' | 'guest client namespace';
  asked: QdiscOptions | null;
  /** Read back with `tc -s -j qdisc show` after the command ended (counters are the run's). */
  qdiscs: AppliedQdisc[];
  /** Differences between asked and read back (empty when it matches). */
  problems: string[];
}

export interface AppliedLink {
  backend: BackendName;
  /** Why this backend (auto's reasoning, or "asked for"). */
  reason: string;
  link: string;
  addresses: LinkAddresses;
  directions: AppliedDirection[];
  sysctls: ClientSysctls;
}

export interface ShapedRunOptions {
  link: LinkSpec;
  /** Builds the command once the link exists (a server may have to start on `addr.host` first).
   * `shared` is a directory both sides can write (the guest sees it at the same path). */
  command: (addr: LinkAddresses, shared: string) => Promise<ShapedCommand> | ShapedCommand;
  /** Told as soon as the link is up, before the command runs. */
  onReady?: (addr: LinkAddresses) => void;
  /** Aborting stops the command (SIGTERM, then SIGKILL after 5 s); teardown follows. */
  signal?: AbortSignal;
  reason?: string;
  /** A directory both sides can write (the guest sees it at the same path); default: a fresh
   * temporary one, removed after the run. */
  shared?: string;
  /** Use link N (198.18.N.0/24) and no other: a predictable address (dawdle shape --link). */
  linkNumber?: number;
}

export interface ShapedRunResult {
  /** The command's exit code (128 + signal number when it was killed by a signal). */
  exitCode: number;
  applied: AppliedLink;
}

export interface Shaper {
  readonly name: BackendName;
  /** null when usable here, else what is missing and how to get it. */
  unavailable(): Promise<string | null>;
  /** The qdisc kinds this backend can apply (probed for real, cached). */
  kinds(): Promise<Set<QdiscKind>>;
  run(o: ShapedRunOptions): Promise<ShapedRunResult>;
}

export class ShapingError extends Error {
  override readonly name = 'ShapingError';
}

/**
 * What every backend does first: make sure it can run here, then plan both directions of `link`
 * on the qdiscs it has. Either failing is a ShapingError of one line naming the backend.
 */
export async function planOn(shaper: Shaper, link: LinkSpec): Promise<{ down: QdiscOptions | null; up: QdiscOptions | null }> {
  const why = await shaper.unavailable();
  if (why) throw new ShapingError(`${shaper.name} backend: ${why}`);
  const kinds = await shaper.kinds();
  try {
    return { down: planDirection(link.down, kinds, 'down (host -> client)'), up: planDirection(link.up, kinds, 'up (client -> host)') };
  } catch (err) {
    if (err instanceof PlanError) throw new ShapingError(`${shaper.name} backend: ${err.message}`);
    throw err;
  }
}
