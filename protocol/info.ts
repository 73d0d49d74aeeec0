// GET /__probe/info (protocol v1): what a target claims, its defaults and its limits.
import { z } from 'zod';

export const FEATURES = [
  'send_window', 'send_timeout', 'wait', 'send_stats', 'cancel_detect', 'h2', 'tls', 'header_timeout',
  /** The send_result helpers (`cancelled`, `headers_were_sent`, `body_bytes_sent`) exist and decode results. */
  'send_result',
  /** info carries `memory.rss_bytes` of the server process (ISO-02). */
  'memory',
] as const;
export type Feature = (typeof FEATURES)[number];

export const Limits = z.object({
  max_ops: z.number().int().positive(),
  max_script_bytes: z.number().int().positive(),
  max_run_seconds: z.number().positive(),
  max_scripts: z.number().int().positive(),
  script_ttl_seconds: z.number().positive(),
  /** Largest send_window a script may set (io.send_window, `set`); larger: 413 at PUT. */
  max_send_window: z.number().int().positive().optional(),
  /** Approximate bytes of stored scripts and journals kept in total; the oldest finished go first. */
  max_store_bytes: z.number().int().positive().optional(),
});
/** What a target may report of its limits: any of them, or none. */
export const PartialLimits = Limits.partial();
export type Limits = z.infer<typeof Limits>;

export const Info = z.object({
  protocol: z.literal(1),
  server: z.string(),
  /** Unknown features are kept (a newer target), known ones drive skips. */
  features: z.array(z.string()),
  /** `null`: the target has no such thing (no send window, no send timeout: a blocking write API). */
  defaults: z.object({ send_window: z.number().int().positive().nullable(), send_timeout: z.number().nonnegative().nullable() }),
  /** Optional for the harness (a target without it gets the checks that count requests skipped). */
  active_requests: z.number().int().nonnegative().optional(),
  /** The limits the target enforces; any of them may be left out. */
  limits: PartialLimits.optional(),
  /** With the `memory` feature: the server process's resident set size when info was served. */
  memory: z.object({ rss_bytes: z.number().int().nonnegative() }).optional(),
});
export type Info = z.infer<typeof Info>;

export const DEFAULT_PROBE_PREFIX = '/__probe';

/** The error body of a rejected probe call (400 for a bad script, 4xx for a limit). */
export const ProbeError = z.object({ error: z.string(), path: z.string().optional(), code: z.string().optional() });
export type ProbeError = z.infer<typeof ProbeError>;
