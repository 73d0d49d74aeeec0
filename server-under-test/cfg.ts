// The server's cfg, mirroring HTTPNG's cfg table where it applies (names kept in snake_case so a
// Lua user recognises them). Validated once, with every problem reported and a stable code.
import { z } from 'zod';
import { formatPath } from '../protocol/script.ts';
import type { Handler, Site } from './tx/types.ts';

export const ListenSpec = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535),
  /** PEM strings, or `true` for a self-signed certificate generated on start. */
  tls: z.union([z.literal(true), z.strictObject({ cert: z.string().min(1), key: z.string().min(1) })]).optional(),
});
export type ListenSpec = z.input<typeof ListenSpec>;

export const ProbeLimits = z.strictObject({
  max_ops: z.number().int().positive().default(100_000),
  max_script_bytes: z.number().int().positive().default(1024 ** 3),
  max_run_seconds: z.number().positive().default(300),
  max_scripts: z.number().int().positive().default(1000),
  script_ttl_seconds: z.number().positive().default(600),
  max_send_window: z.number().int().positive().default(16 * 1024 * 1024),
  max_store_bytes: z.number().int().positive().default(64 * 1024 * 1024),
});

const Settings = z.strictObject({
  listen: z.array(ListenSpec).min(1).default([{ host: '127.0.0.1', port: 8080 }]),
  /** HTTP worker threads. Node 20 cannot share one listening port between threads, so 1. */
  threads: z.literal(1, { error: 'only 1 HTTP worker thread is supported on Node 20 (no SO_REUSEPORT); see docs/architecture.md' }).default(1),
  default_send_window: z.number().int().positive().default(1_048_576),
  default_send_timeout: z.number().nonnegative().default(30),
  max_body_len: z.number().int().nonnegative().default(1024 * 1024),
  max_connections: z.number().int().positive().default(10_000),
  /** Connections one client address may hold at once; 0: no such limit (the default: tests come from 127.0.0.1). */
  max_connections_per_ip: z.number().int().nonnegative().default(0),
  max_concurrent_requests: z.number().int().positive().default(10_000),
  /** HTTP/2: h2c with prior knowledge on plain listeners, ALPN h2 (falling back to http/1.1) on TLS ones. */
  http2: z.boolean().default(true),
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS: streams one connection may have open at once. */
  max_concurrent_streams: z.number().int().positive().max(2 ** 31 - 1).default(100),
  /** HTTP/2 rapid reset (CVE-2023-44487): RST_STREAM frames one connection may send per `h2_reset_window` seconds; past it GOAWAY(ENHANCE_YOUR_CALM). */
  h2_max_resets: z.number().int().positive().default(1000),
  h2_reset_window: z.number().positive().default(10),
  /**
   * HTTP/1.1 persistent connections. `false`: every response says `connection: close` and the
   * connection closes after it (nginx's `keepalive_timeout 0`); requests pipelined behind it are
   * never read. HTTP/2 is not affected.
   */
  keep_alive: z.boolean().default(true),
  /** Pipelined requests dispatched ahead of their turn on one connection. */
  max_pipeline: z.number().int().positive().default(16),
  max_head_bytes: z.number().int().positive().default(64 * 1024),
  max_headers: z.number().int().positive().default(100),
  /** Seconds to receive a request head once it has started. */
  header_timeout: z.number().positive().default(10),
  /** Seconds a keep-alive connection may sit idle between requests. */
  idle_timeout: z.number().positive().default(60),
  /** Seconds a finished handler's unsent response may make no progress before the connection closes. */
  linger_timeout: z.number().positive().default(30),
  /** Seconds handlers get to return after shutdown cancelled them. */
  shutdown_grace: z.number().nonnegative().default(5),
  probe: z.union([z.boolean(), z.strictObject({ prefix: z.string().regex(/^\/[^?#]*[^/?#]$/).default('/__probe'), limits: ProbeLimits.default(ProbeLimits.parse({})) })]).default(false),
});

export type ServerSettings = z.output<typeof Settings>;

/** What startServer() accepts: the settings plus `handler` or `sites`. */
export type ServerConfig = z.input<typeof Settings> & { handler?: Handler; sites?: Site[] };

export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG';
  constructor(readonly problems: string[]) {
    super(`invalid server cfg:\n  ${problems.join('\n  ')}`);
  }
}

export interface ResolvedConfig extends ServerSettings {
  sites: Site[];
  probeSettings: { prefix: string; limits: z.output<typeof ProbeLimits> } | null;
}

export function resolveConfig(cfg: ServerConfig): ResolvedConfig {
  const { handler, sites, ...rest } = cfg;
  const r = Settings.safeParse(rest);
  const problems: string[] = [];
  if (!r.success) for (const i of r.error.issues) problems.push(`${formatPath(i.path) || '(cfg)'}: ${i.message}`);
  if (handler !== undefined && sites !== undefined) problems.push('handler, sites: give one of them, not both');
  if (handler !== undefined && typeof handler !== 'function') problems.push('handler: expected a function');
  for (const [i, s] of (sites ?? []).entries()) {
    if (typeof s.path !== 'string' || !s.path.startsWith('/')) problems.push(`sites[${i}].path: expected a path starting with "/"`);
    if (typeof s.handler !== 'function') problems.push(`sites[${i}].handler: expected a function`);
  }
  if (problems.length > 0 || !r.success) throw new ConfigError(problems);
  const settings = r.data;
  const probeSettings =
    settings.probe === false
      ? null
      : settings.probe === true
        ? { prefix: '/__probe', limits: ProbeLimits.parse({}) }
        : settings.probe;
  return { ...settings, sites: sites ?? (handler ? [{ path: '/', handler }] : []), probeSettings };
}
