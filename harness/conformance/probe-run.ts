// Runs probe scripts over one client-simulator connection and collects both sides: the handler's
// journals (what every io call returned, when) and the client's wire record (timeline, parsed
// responses, body bytes). Several scripts = several requests on the same connection: pipelined on
// HTTP/1.1, concurrent streams on HTTP/2.
import { randomBytes } from 'node:crypto';
import type { Journal, Script } from '../../protocol/index.ts';
import type { ReadBehaviour } from '../clients/index.ts';
import type { CheckContext } from './check.ts';
import type { ClientConnection, SendOptions, WireEvent, WireResponse } from './client-connection.ts';
import { H2ClientConnection, type H2ClientOptions, type H2RunRecord } from './h2-adapter.ts';
import { JournalConditionTimeout, TargetError } from './probe-client.ts';
import { abortable } from './abortable.ts';

/** Everything a scenario observed, for verdicts and for reports. */
export interface ScenarioRun {
  scenario: string;
  transport: string;
  ids: string[];
  scripts: Script[];
  journals: Journal[];
  timeline: WireEvent[];
  /** Parsed responses (bodies kept separately in `bodies`). */
  responses: Array<Omit<WireResponse, 'body'>>;
  /** Body bytes of each response as received (de-chunked). Not serialised into reports. */
  bodies: Buffer[];
  /** Client-side facts a scenario adds (e.g. when it resumed reading). Unix ms or counts. */
  marks: Record<string, number>;
  /** HTTP/2 runs: windows, settings and every violation the client recorded. */
  h2?: H2RunRecord;
  /**
   * Set when a script's handler was still running when the harness stopped waiting for it (its
   * journal is the part written so far). Only checks that can judge such a prefix see the run
   * (Check.judgesUnfinished); for the others it is an error ("could not judge").
   */
  unfinished?: { ids: string[]; seconds: number; entries: number[]; stoppedEarly: boolean };
}

/** What a scenario's choreography can do while its scripts run. */
export interface LiveRun {
  conn: ClientConnection;
  /** The same connection when the transport is HTTP/2 (streams, windows, socket pause), else null. */
  h2: H2ClientConnection | null;
  ids: string[];
  marks: Record<string, number>;
  /** Resolves once script `n`'s journal (polled while it runs) satisfies `until`. */
  untilJournal(n: number, until: (j: Journal) => boolean, timeoutMs?: number): Promise<Journal>;
  /** Resolves once script `n` has at least `count` journal entries. */
  untilEntries(n: number, count: number, timeoutMs?: number): Promise<Journal>;
}

export interface ProbeRunOptions {
  scenario: string;
  scripts: Script[];
  /** How the client reads from the start. */
  behaviour: ReadBehaviour;
  /** Per script: send options (HTTP/2: a stream reading with a behaviour of its own). */
  send?: Array<SendOptions | undefined>;
  /** HTTP/2: the client's SETTINGS and windows for this run. */
  h2?: H2ClientOptions;
  /** Client choreography once the requests are sent (resume reading, close, reset ...). */
  drive?: (live: LiveRun) => Promise<void>;
  /**
   * Indexes of scripts that may legitimately never run or finish (e.g. a pipelined request on a
   * connection the server must close): their journal is fetched as far as it got.
   */
  optional?: number[];
  /** Longest a script may run (journal long-poll), seconds. */
  maxSeconds?: number;
  /**
   * Stop waiting for script `n` once its journal shows this (it already decides the verdicts that
   * can judge a prefix), instead of up to maxSeconds for its end. The run is then `unfinished`.
   */
  enough?: (j: Journal, n: number, marks: Record<string, number>) => boolean;
  /** After the journals are done: how long to let the last response finish arriving. */
  settleMs?: number;
}

const STORE_CAP = 64 * 1024 * 1024;

/** A check that cannot judge a prefix was handed a scenario whose script had not finished. */
export class ScenarioUnfinished extends Error {
  readonly code = 'ERR_SCRIPT_UNFINISHED';
  constructor(scenario: string, u: NonNullable<ScenarioRun['unfinished']>) {
    super(`scenario ${scenario}: the handler of script ${u.ids.join(', ')} was still running after ${u.seconds} s (${u.entries.join(', ')} journal entries so far), so this check has no complete journal to judge`);
  }
}

function scriptId(scenario: string, transport: string): string {
  return `dw-${scenario}-${transport}-${randomBytes(5).toString('hex')}`.slice(0, 64);
}

/**
 * Runs the scenario's scripts and returns both sides' record. When the check's signal aborts (its
 * time limit, or the run interrupted) it stops at once: polling and waiting end, the choreography
 * is no longer awaited, and the connection is destroyed before it rejects with the signal's reason.
 */
export async function runProbe(ctx: CheckContext, o: ProbeRunOptions): Promise<ScenarioRun> {
  const signal = ctx.signal;
  const ids = o.scripts.map(() => scriptId(o.scenario, ctx.transport.name));
  for (let n = 0; n < ids.length; n++) await ctx.probe.putScript(ids[n]!, o.scripts[n]!, signal);
  const conn = await ctx.transport.open({ behaviour: o.behaviour, storeBodyCap: STORE_CAP, ...(o.h2 !== undefined ? { h2: o.h2 } : {}) });
  const h2 = conn instanceof H2ClientConnection ? conn : null;
  const marks: Record<string, number> = {};
  const maxMs = (o.maxSeconds ?? 30) * 1000;
  try {
    signal.throwIfAborted();
    ids.forEach((id, n) => conn.send({ method: 'GET', path: `${ctx.probe.prefix}/run/${id}` }, o.send?.[n]));
    const live: LiveRun = {
      conn, h2, ids, marks,
      untilJournal: (n, until, timeoutMs = maxMs) => ctx.probe.pollJournal(ids[n]!, until, timeoutMs, undefined, signal),
      untilEntries: (n, count, timeoutMs = maxMs) => ctx.probe.pollJournal(ids[n]!, (j) => j.entries.length >= count, timeoutMs, undefined, signal),
    };
    if (o.drive) await abortable(o.drive(live), signal);
    const journals: Journal[] = [];
    const unfinished: NonNullable<ScenarioRun['unfinished']> = { ids: [], seconds: o.maxSeconds ?? 30, entries: [], stoppedEarly: false };
    for (let n = 0; n < ids.length; n++) {
      const optional = o.optional?.includes(n) ?? false;
      const enough = o.enough;
      const j = optional
        ? await journalIfRan(ctx, ids[n]!, signal)
        : enough !== undefined
          ? await ctx.probe.pollJournal(ids[n]!, (x) => enough(x, n, marks), maxMs, undefined, signal).catch((err: unknown) => {
            if (err instanceof JournalConditionTimeout) return err.last; // neither done nor decided in time: as far as it got
            throw err;
          })
          : await ctx.probe.journal(ids[n]!, o.maxSeconds ?? 30, signal);
      if (!j.done && !optional) {
        unfinished.ids.push(ids[n]!);
        unfinished.entries.push(j.entries.length);
        unfinished.stoppedEarly ||= enough?.(j, n, marks) ?? false;
      }
      journals.push(j);
    }
    await abortable(settle(conn, ids.length, o.settleMs ?? 2000), signal);
    return {
      scenario: o.scenario,
      transport: ctx.transport.name,
      ids,
      scripts: o.scripts,
      journals,
      timeline: [...conn.timeline],
      responses: conn.responses.map(({ body: _body, ...rest }) => ({ ...rest })),
      bodies: conn.responses.map((r) => Buffer.concat(r.body)),
      marks,
      ...(h2 !== null ? { h2: h2.record() } : {}),
      ...(unfinished.ids.length > 0 ? { unfinished } : {}),
    };
  } finally {
    conn.destroy();
  }
}

/**
 * The journal of a script that may never have run (its request stayed behind a connection the
 * server closed): a target may answer 404 until a run starts, and that means "never ran" here.
 */
async function journalIfRan(ctx: CheckContext, id: string, signal: AbortSignal): Promise<Journal> {
  try {
    return await ctx.probe.journal(id, 2, signal);
  } catch (err) {
    if (!(err instanceof TargetError && err.status === 404)) throw err;
    return { id, v: 1, done: false, transport: { http: ctx.transport.http, tls: ctx.transport.tls }, effective: { send_window: null, send_timeout: null }, entries: [], samples: [] };
  }
}

/** Lets the responses finish arriving (if the client still reads), at most `ms`. */
async function settle(conn: ClientConnection, count: number, ms: number): Promise<void> {
  if (conn.closed || conn.paused) return;
  const deadline = performance.now() + ms;
  for (let i = 0; i < count; i++) {
    const left = deadline - performance.now();
    if (left <= 0) return;
    try {
      await conn.waitForResponse(i, left);
    } catch {
      return; // closed, or cannot arrive: the record says what happened
    }
  }
}
