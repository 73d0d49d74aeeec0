// The black-box Check seam: one BB requirement = data (id, level, text, method, transports) + run(ctx)
// returning a Verdict judged only on what a client observes from outside: its own wire timeline,
// the kernel's view of both ends of a loopback connection (/proc/net/tcp), and, for a local target,
// the server process's RSS, fds and threads (/proc/PID). No probe endpoints.
import { H1Connection, type ReadBehaviour, type TimelineEvent } from '../clients/index.ts';
import type { WireEvent } from '../conformance/client-connection.ts';
import type { Level } from '../conformance/check.ts';
import type { H2ClientConnection, H2ClientOptions } from '../conformance/h2-adapter.ts';
import type { TransportName } from '../conformance/transports.ts';
import type { Verdict } from '../conformance/verdict.ts';
import type { Expectations } from './expect.ts';

export interface BlackboxTarget {
  /** Origin, e.g. http://127.0.0.1:8080. */
  url: string;
  host: string;
  port: number;
  tls: boolean;
  /** A large response on the target (bigger than what the kernel buffers of a stalled client absorb). */
  path: string;
  /** Where a request body is read (slow body): default `path`. */
  bodyPath: string;
  /** A small response for the fast clients of the isolation check: default "/". */
  smallPath: string;
  /** The server's processes (the holders of its listening socket, or --pid); empty: not local. */
  pids: number[];
  /** What the preflight GET saw: Server header, status, Content-Length. */
  server: string;
  contentLength: number | null;
}

export interface BlackboxOptions {
  expect: Expectations;
  /** SHOULD-level findings fail instead of being skipped. */
  strict: boolean;
  /** Stalled clients for the memory and isolation checks. */
  crowd: number;
  /** HTTP/2 streams held at window 0 for BB-H2-03 (default HELD_STREAMS). */
  heldStreams?: number;
}

/** A scenario's record for the reports: the wire timeline(s) the verdict rests on, and samples. */
export interface Observation {
  scenario: string;
  timelines: Array<readonly TimelineEvent[] | readonly WireEvent[]>;
  /** Time series of the kernel and process view (t: Unix ms). */
  samples?: Array<Record<string, number | string | null>>;
  marks?: Record<string, number>;
}

export interface BlackboxContext {
  readonly transport: TransportName;
  readonly target: BlackboxTarget;
  readonly options: BlackboxOptions;
  readonly signal: AbortSignal;
  /** Opens a client connection (HTTP/1.1, TLS for https targets) reading with `behaviour` (connect timeout: 5 s). */
  open(behaviour?: ReadBehaviour, o?: { connectTimeoutMs?: number }): Promise<H1Connection>;
  /** HTTP/2 transports: opens an HTTP/2 connection (h2: TLS with ALPN h2; h2c: prior knowledge). */
  openH2(behaviour: ReadBehaviour, o?: H2ClientOptions): Promise<H2ClientConnection>;
  /** Keeps what a verdict rests on for the reports (the HTML shows its timelines). */
  record(o: Observation): void;
}

export interface BlackboxCheck {
  /** "BB-STL-01". */
  id: string;
  /** "BB-STL". */
  group: string;
  level: Level;
  text: string;
  /** How the check exercises the server and what the default bound is, in a server engineer's words. */
  method: string;
  transports: TransportName[];
  /** Needs the server's processes (a local target): skipped without them. */
  local?: boolean;
  run(ctx: BlackboxContext): Promise<Verdict>;
}

/** A SHOULD-level finding: skip with the observation, or fail under --strict. */
export function finding(strict: boolean, expected: string, actual: string, evidence: Record<string, string | number | boolean | null>): Verdict {
  if (strict) return { status: 'fail', expected, actual, evidence };
  return { status: 'skip', reason: `SHOULD not met (fails under --strict): expected ${expected}; actual ${actual}`, evidence };
}
