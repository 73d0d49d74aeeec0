// Why a check could not reach a verdict, in words for the user: what the harness saw (the error's
// code and message) and what the user can do about it, chosen by the error's `code`. The codes:
// TargetError (probe-client.ts), ERR_JOURNAL_SHAPE (verifiers.ts), ERR_CHECK_TIMEOUT
// (run-check.ts), the client simulator's (clients/errors.ts), undici's and node's socket errors.
// Anything else gets the default hint.

/** Where the error happened: the check and transport it stopped. */
export interface HintContext {
  checkId: string;
  transport: string;
}

export interface ErrorExplanation {
  /** What the harness saw: "CODE: message". */
  reason: string;
  /** What the user can do. */
  hint: string;
  /** The error's code (or name), null when it has none. */
  code: string | null;
}

type Hint = (err: ErrorFacts, at: HintContext) => string;

interface ErrorFacts {
  code: string | null;
  message: string;
  /** HTTP status of a probe call that answered (TargetError), when known. */
  status: number | undefined;
  /** The time limit a check ran into, and which check (CheckTimeoutError). */
  limitMs: number | undefined;
  checkId: string | undefined;
}

const rerun = (at: HintContext) => `rerun it alone with --only ${at.checkId} --transport ${at.transport}`;

const UNREACHABLE: Hint = () =>
  'the target stopped answering during the run: check that it is still running (did it crash or restart?) and look at its log';
const RESET: Hint = () =>
  'the target reset or closed a connection the harness needed (probe control traffic or a client): look at its log for a crash, a connection limit or an idle timeout shorter than the check';
const CONTROL_TIMEOUT: Hint = (_e, at) =>
  `a probe control request got no answer in time: the target may be overloaded or stuck; ${rerun(at)}`;
const HARNESS_BUG: Hint = () =>
  'this looks like a bug of dawdle itself: please report it with the JSON report (--json) attached';

const HINTS: Readonly<Record<string, Hint>> = {
  ERR_CHECK_TIMEOUT: (e, at) => {
    const limit = e.limitMs !== undefined ? `${e.limitMs / 1000} s` : 'its time limit';
    // A scenario runs with the signal of the check that started it; another check judging it sees that check's timeout.
    const who = e.checkId !== undefined && e.checkId !== at.checkId ? `${e.checkId}, whose scenario this check shares,` : 'the check';
    return `${who} did not finish within ${limit}; the target may be overloaded or hang: ${rerun(at)}`;
  },
  ERR_JOURNAL: (e, at) => {
    if (e.status === 404) return "the target's journal endpoint answered 404 for a script the harness had stored; check that the probe keeps journals until they are read";
    if (e.status !== undefined && e.status >= 500) return `the target's journal endpoint failed (${e.status}): look at the target's log for the probe's error`;
    if (/does not match protocol v1/.test(e.message)) return "the target's journal does not match probe protocol v1: compare its journal format with docs/probe-protocol.md";
    if (/not reached within/.test(e.message)) return `the script did not get as far as the scenario waits for: the target may be slow, or its probe runner stuck on an op; ${rerun(at)}`;
    return "the target's journal could not be read: check its probe's journal endpoint (docs/probe-protocol.md)";
  },
  ERR_CROWD_NOT_READY: (_e, at) =>
    `the crowd's requests were not all open before their handlers began to write (the machine, or the target's accept rate, too slow for the crowd's idle period): ${rerun(at)} on a quieter machine`,
  ERR_SCRIPT_UNFINISHED: (_e, at) =>
    `every script ends within seconds on a server that keeps its timeouts and reports a client that left; one still running means one of those did not happen: the checks of the same scenario that can judge what was journaled (e.g. CXL-01/02) say which. Otherwise the target may be overloaded: ${rerun(at)}`,
  ERR_PROBE_REJECTED: (e) =>
    `the target refused a probe script${e.status !== undefined ? ` (${e.status})` : ''}: check that its probe accepts every op of probe protocol v1 (docs/probe-protocol.md) and that its script store has room`,
  ERR_TARGET_UNREACHABLE: UNREACHABLE,
  ERR_NOT_PROBE: () => 'the target stopped speaking the probe protocol during the run (was it restarted without the probe?); check its /__probe/info',
  ERR_JOURNAL_SHAPE: () =>
    "the target's journal lacks an entry its script implies (an op not run, or not journaled): check that the probe's runner journals every op in order (docs/probe-protocol.md)",
  ERR_CONNECT: () => 'the harness could not open a client connection (TCP connect or TLS handshake failed): check that the target still accepts connections (a connection limit? its TLS setup for this transport?)',
  ERR_CONNECT_TIMEOUT: () => 'opening a client connection took too long: the target may be overloaded, or its accept queue full',
  ERR_WAIT_TIMEOUT: (_e, at) => `a response the scenario waits for did not come in time: the target may be slow; ${rerun(at)}`,
  ERR_CONNECTION_CLOSED: () => 'the target closed a client connection before the response the scenario waits for: look at the target\'s log (an error in the handler? a connection limit?)',
  ERR_NO_RESPONSE: () => 'the client stopped parsing before the response the scenario waits for (the wire record in the JSON report shows where): the response may not be valid HTTP',
  ERR_NOT_WRITABLE: HARNESS_BUG,
  ERR_INVALID_REQUEST: HARNESS_BUG,
  ERR_NOT_SUPPORTED: HARNESS_BUG,
  ERR_UNKNOWN_BEHAVIOUR: () => 'a client profile names a reading behaviour dawdle does not have: check --profile (or report it if no profile was given)',
  ERR_BEHAVIOUR_PARAMS: () => 'a reading behaviour got invalid parameters: check --profile (or report it if no profile was given)',
  ECONNREFUSED: UNREACHABLE,
  ECONNRESET: RESET,
  EPIPE: RESET,
  UND_ERR_SOCKET: RESET,
  UND_ERR_CLOSED: RESET,
  ETIMEDOUT: CONTROL_TIMEOUT,
  UND_ERR_CONNECT_TIMEOUT: CONTROL_TIMEOUT,
  UND_ERR_HEADERS_TIMEOUT: CONTROL_TIMEOUT,
  UND_ERR_BODY_TIMEOUT: CONTROL_TIMEOUT,
  TimeoutError: CONTROL_TIMEOUT,
  EHOSTUNREACH: UNREACHABLE,
  ENETUNREACH: UNREACHABLE,
};

const DEFAULT_HINT: Hint = (_e, at) =>
  `an unexpected error stopped the check: ${rerun(at)}; if it happens again, report it with the JSON report (--json) attached`;

/** The error's code: its own, else its cause's (undici wraps socket errors), else its name; and its facts. */
function factsOf(err: unknown): ErrorFacts {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    code?: unknown; name?: unknown; message?: unknown; status?: unknown; limitMs?: unknown; checkId?: unknown; cause?: { code?: unknown };
  };
  // An AbortError (node's timers, streams) carries why it was aborted as its cause.
  if (e.name === 'AbortError' && typeof e.cause === 'object' && e.cause !== null) return factsOf(e.cause);
  const str = (x: unknown) => (typeof x === 'string' && x !== '' ? x : null);
  const name = str(e.name);
  const code = str(e.code) ?? str(e.cause?.code) ?? (name !== null && name !== 'Error' && name !== 'TypeError' ? name : null);
  const message = err instanceof Error ? err.message : str(e.message) ?? String(err);
  const num = (x: unknown) => (typeof x === 'number' ? x : undefined);
  return { code, message, status: num(e.status), limitMs: num(e.limitMs), checkId: str(e.checkId) ?? undefined };
}

/** What the harness saw and what the user can do, for an error that stopped a check. */
export function explainError(err: unknown, at: HintContext): ErrorExplanation {
  const f = factsOf(err);
  const hint = (f.code !== null ? HINTS[f.code] : undefined) ?? DEFAULT_HINT;
  const reason = f.code !== null && !f.message.startsWith(f.code) ? `${f.code}: ${f.message}` : f.message;
  return { reason: reason || 'an error without a message', hint: hint(f, at), code: f.code };
}
