// Control traffic to a target's probe endpoints (probe protocol v1): info, scripts, journals.
// Plain undici; certificates verified as the harness's TLS policy says (default: not verified,
// targets under test use self-signed ones). Every answer
// is read up to a cap (BODY_LIMITS): a body that never ends is a TargetError, not unbounded memory.
import { Agent, request } from 'undici';
import {
  DEFAULT_PROBE_PREFIX, Journal, ProbeError, type Info, type Script,
} from '../../protocol/index.ts';
import { readInfo } from './info-reader.ts';
import { sleepOrAbort } from './abortable.ts';
import { tlsVerifyOptions } from '../clients/tls-policy.ts';

export type TargetErrorCode = 'ERR_TARGET_UNREACHABLE' | 'ERR_NOT_PROBE' | 'ERR_PROBE_REJECTED' | 'ERR_JOURNAL';

/** The target cannot be used (unreachable, not a probe server) or refused a call. */
export class TargetError extends Error {
  /** `status`: the HTTP status of the call that answered, when it did (a refusal, a 404 journal). */
  constructor(readonly code: TargetErrorCode, message: string, readonly status?: number) {
    super(message);
  }
}

/** pollJournal's condition did not hold within its time: `last` is the journal as far as it got. */
export class JournalConditionTimeout extends TargetError {
  constructor(id: string, timeoutMs: number, readonly last: Journal) {
    super('ERR_JOURNAL', `journal ${id}: condition not reached within ${timeoutMs} ms`);
  }
}

/**
 * How long a journal that answers 404 is asked again before that counts: a target may store the
 * journal only once the handler starts, which can be a moment after the run request was sent.
 */
export const JOURNAL_404_GRACE_MS = 2000;

/** The most the harness reads of one answer: a target whose body never ends cannot grow it without bound. */
export const BODY_LIMITS = { info: 1024 * 1024, script: 1024 * 1024, journal: 64 * 1024 * 1024 } as const;

export interface ProbeClientOptions {
  /** Base URL of the target, e.g. "http://127.0.0.1:8080". */
  url: string;
  prefix?: string;
  /** Per-call timeout for control requests (long polls add their wait). */
  timeoutMs?: number;
}

export class ProbeClient {
  readonly url: URL;
  readonly prefix: string;
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(o: ProbeClientOptions) {
    this.url = new URL(o.url);
    this.prefix = o.prefix ?? DEFAULT_PROBE_PREFIX;
    this.timeoutMs = o.timeoutMs ?? 5000;
    this.agent = new Agent({ connect: { ...tlsVerifyOptions(), timeout: this.timeoutMs }, pipelining: 1 });
  }

  /** GET {prefix}/info, validated. Unreachable or not the probe protocol: TargetError, one line. */
  async info(): Promise<Info> {
    const where = `${this.url.origin}${this.prefix}/info`;
    let status: number;
    let text: string;
    try {
      ({ status, text } = await this.call('GET', '/info', undefined, 0, undefined, BODY_LIMITS.info));
    } catch (err) {
      if (err instanceof TargetError) throw err;
      throw new TargetError('ERR_TARGET_UNREACHABLE', `target unreachable: ${where}: ${describe(err, this.timeoutMs)}`);
    }
    if (status !== 200) throw new TargetError('ERR_NOT_PROBE', `target does not speak the probe protocol: GET ${where} returned ${status}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new TargetError('ERR_NOT_PROBE', `target does not speak the probe protocol: GET ${where} did not return JSON`);
    }
    const r = readInfo(json);
    if (!r.ok) throw new TargetError('ERR_NOT_PROBE', `target does not speak probe protocol v1: ${where}: ${r.problem}`);
    this.warnings = r.warnings;
    return r.info;
  }

  /** active_requests from a fresh /info (checks that read it are skipped for targets that never report it). */
  async activeRequests(): Promise<number> {
    const n = (await this.info()).active_requests;
    if (n === undefined) throw new TargetError('ERR_NOT_PROBE', 'target stopped reporting active_requests in /__probe/info');
    return n;
  }

  /** What the last info() read had to ignore or assume (one line each). */
  warnings: string[] = [];

  /**
   * PUT {prefix}/scripts/{id}; a refusal is a TargetError with the target's message and path.
   * `signal` (a check's) aborts the call.
   */
  async putScript(id: string, script: Script, signal?: AbortSignal): Promise<void> {
    const { status, text } = await this.call('PUT', `/scripts/${id}`, JSON.stringify(script), 0, signal, BODY_LIMITS.script);
    if (status === 200 || status === 201) return;
    const e = ProbeError.safeParse(safeJson(text));
    const why = e.success ? `${e.data.error}${e.data.path ? ` (at ${e.data.path})` : ''}` : text.slice(0, 200);
    throw new TargetError('ERR_PROBE_REJECTED', `target refused script ${id}: ${status} ${why}`, status);
  }

  /**
   * GET {prefix}/journal/{id}?wait=S: the journal, done or as far as it got. A 404 is asked again
   * with back-off for up to JOURNAL_404_GRACE_MS (the run may not have started yet) before it is an
   * ERR_JOURNAL with status 404. `signal` aborts the (long) poll and the back-off.
   */
  async journal(id: string, waitSeconds = 0, signal?: AbortSignal): Promise<Journal> {
    const t0 = performance.now();
    const ask = () => this.call('GET', `/journal/${id}?wait=${waitSeconds}`, undefined, waitSeconds * 1000, signal, BODY_LIMITS.journal);
    let { status, text } = await ask();
    for (let delay = 50; status === 404 && performance.now() - t0 + delay <= JOURNAL_404_GRACE_MS; delay *= 2) {
      if (signal) await sleepOrAbort(delay, signal);
      else await new Promise((r) => setTimeout(r, delay));
      ({ status, text } = await ask());
    }
    if (status !== 200) throw new TargetError('ERR_JOURNAL', `journal ${id}: ${status} ${text.slice(0, 200)}`, status);
    const r = Journal.safeParse(safeJson(text));
    if (!r.success) {
      const i = r.error.issues[0]!;
      throw new TargetError('ERR_JOURNAL', `journal ${id} does not match protocol v1: ${i.path.join('.')}: ${i.message}`);
    }
    return r.data;
  }

  /**
   * Polls the journal of a running script until `until(journal)` holds (or it is done). Stops,
   * rejecting with the signal's reason, as soon as `signal` aborts.
   */
  async pollJournal(id: string, until: (j: Journal) => boolean, timeoutMs: number, periodMs = 20, signal?: AbortSignal): Promise<Journal> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      const j = await this.journal(id, 0, signal);
      if (until(j) || j.done) return j;
      if (performance.now() > deadline) throw new JournalConditionTimeout(id, timeoutMs, j);
      if (signal) await sleepOrAbort(periodMs, signal);
      else await new Promise((r) => setTimeout(r, periodMs));
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async call(method: 'GET' | 'PUT', path: string, body: string | undefined, extraMs: number, signal: AbortSignal | undefined, limit: number): Promise<{ status: number; text: string }> {
    const timeout = AbortSignal.timeout(this.timeoutMs + extraMs);
    const url = new URL(`${this.prefix}${path}`, this.url);
    const r = await request(url, {
      method,
      dispatcher: this.agent,
      ...(body !== undefined ? { body, headers: { 'content-type': 'application/json' } } : {}),
      headersTimeout: this.timeoutMs + extraMs,
      bodyTimeout: this.timeoutMs + extraMs,
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of r.body as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > limit) {
        r.body.destroy();
        throw new TargetError('ERR_NOT_PROBE', `target answered ${method} ${url.href} with more than ${mib(limit)} (the harness reads no more of one answer): stopped reading`, r.statusCode);
      }
      chunks.push(c);
    }
    return { status: r.statusCode, text: Buffer.concat(chunks).toString('utf8') };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function mib(bytes: number): string {
  return `${bytes / (1024 * 1024)} MiB`;
}

/**
 * One line for a failed call. A timeout or abort says how long was waited (a DOMException's
 * numeric `code`, e.g. 23, is not printed).
 */
function describe(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: unknown; message?: string; cause?: { name?: string; code?: unknown; message?: string } };
  const names = [e.name, e.cause?.name];
  if (names.includes('TimeoutError') || names.includes('AbortError') || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.code === 'UND_ERR_ABORTED') {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const str = (c: unknown) => (typeof c === 'string' ? c : undefined);
  const code = str(e.cause?.code) ?? str(e.code);
  const msg = e.cause?.message ?? e.message ?? String(err);
  return code && !msg.includes(code) ? `${code} ${msg}` : msg;
}
