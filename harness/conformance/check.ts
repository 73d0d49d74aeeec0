// The Check seam: one catalogue requirement = data (id, level, text, interpretations, what the
// target must claim) + run(ctx) returning a Verdict (pass, fail or skip; the runner makes a throw an
// error verdict: could not judge). Checks build probe scripts through shared scenarios and judge
// with shared verifiers; they print nothing.
import type { LoadedProfile } from '../clients/profiles.ts';
import type { Feature, Info } from '../../protocol/index.ts';
import type { ProbeClient } from './probe-client.ts';
import type { TransportName, Transport } from './transports.ts';
import type { Verdict } from './verdict.ts';
import type { ScenarioRun } from './probe-run.ts';
import type { Trait, TraitFinding } from './traits.ts';

export type Level = 'MUST' | 'SHOULD';
export type Interpretation = 'I-1' | 'I-2' | 'I-3' | 'I-4' | 'I-5' | 'I-6' | 'I-7';

import type { LinkAllowance } from './link-allowance.ts';

export interface RunOptions {
  /** How TLS certificates were treated, in words ("not verified", "verified (system CAs)", "verified against FILE"); set by the CLI for the report. */
  tls?: string;
  /**
   * How the crowd of slow clients in ISO-01/ISO-02 reads (a client profile, --profile); without
   * one they read nothing (stalled). Checks of single behaviours always use their own clients.
   */
  crowdProfile?: LoadedProfile;
  /** SHOULD-level checks fail (instead of being skipped) when the target does not meet them. */
  strict: boolean;
  /** Add checks that need real default timeouts (CFG-02 in time: ~30 s). */
  slow: boolean;
  /**
   * Body bytes a check writes to a stalled client to fill the path (kernel buffers) before the
   * send window can matter. A stalled loopback client absorbs ~3.9 MB here; the default doubles it.
   */
  fillBytes: number;
  /** The link the client side runs behind (conformance --network): bounds that depend on the RTT
   * and the rate grow with it (link-allowance.ts). */
  link?: LinkAllowance;
}

export interface CheckContext {
  readonly transport: Transport;
  readonly probe: ProbeClient;
  readonly info: Info;
  readonly options: RunOptions;
  /** Runs `scenario` once per transport and shares its record among the checks that judge it. */
  scenario<T extends ScenarioRun>(key: string, scenario: (ctx: CheckContext) => Promise<T>): Promise<T>;
  /**
   * The check's own signal: aborted at its time limit (reason: CheckTimeoutError) or when the run is
   * interrupted. Whatever the check waits on should end when it aborts (runProbe does).
   */
  readonly signal: AbortSignal;
  /** Whether the target has `trait` on this transport (found out once per transport, on the wire). */
  trait(t: Trait): Promise<TraitFinding>;
}

export interface Check {
  /** Catalogue ID, e.g. "WIN-01". */
  id: string;
  /** Requirement group: the ID's prefix. */
  group: string;
  level: Level;
  /** The catalogue's sentence, as the report shows it. */
  text: string;
  /** How this check exercises the requirement, in words a server engineer reads. */
  method: string;
  /** What differs on HTTP/2 (h2, h2c), in the same words; reports append it to `method` there. */
  h2Method?: string;
  interpretations: Interpretation[];
  /** Skipped when the target's /info does not list every one of these. */
  features: Feature[];
  /** Optional /__probe/info fields it reads: skipped when the target does not report one of them. */
  infoFields?: Array<'active_requests'>;
  /** Skipped when the target lacks one of these on the transport (traits.ts: found out on the wire). */
  needs?: Trait[];
  /** Transports it applies to (default: every transport). */
  transports?: TransportName[];
  /** Why it does not apply to the other transports (the report's skip reason there). */
  notApplicable?: string;
  /**
   * Can judge a scenario whose script had not finished when the harness stopped waiting (a prefix
   * of its journal): it fails only on a violation the prefix shows and throws (an error verdict)
   * when the prefix cannot decide. Other checks get an error for such a run.
   */
  judgesUnfinished?: boolean;
  /** Runs alone: its verdict depends on timing that parallel load could disturb. */
  exclusive?: boolean;
  /** Runs after every other check of its transport (e.g. to see that nothing was left behind). */
  last?: boolean;
  /** Needs `--slow`. */
  slow?: boolean;
  run(ctx: CheckContext): Promise<Verdict>;
}

export function groupOf(id: string): string {
  return id.split('-')[0]!;
}
