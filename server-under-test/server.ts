// startServer(cfg, hooks): the reference server. The HTTP worker thread owns the sockets; this (TX)
// thread runs handlers. They talk only through the shuttle channel.
import { Worker } from 'node:worker_threads';
import { resolveConfig, type ServerConfig } from './cfg.ts';
import { FAULT_NAMES, WORKER_FAULTS, unknownFaults, type FaultName } from './faults.ts';
import type { WorkerSetup } from './http/worker-main.ts';
import { createProbe } from './probe/endpoints.ts';
import { BatchingChannel } from './shuttle/channel.ts';
import type { ToHttp, ToTx } from './shuttle/messages.ts';
import { selfSignedCert } from './tls-cert.ts';
import { Dispatcher } from './tx/dispatcher.ts';
import { Router } from './tx/router.ts';
import type { Request, Site } from './tx/types.ts';

export const SERVER_NAME = 'dawdle-reference';
export const SERVER_VERSION = '0.1.0';

export interface BoundAddress {
  host: string;
  port: number;
  tls: boolean;
  url: string;
}

export interface RunningServer {
  readonly addresses: BoundAddress[];
  /** Requests whose handler runs or whose response is still on its way. */
  activeRequests(): number;
  /** Response byte rings (tx/body-ring.ts): serving a response (busy) and pooled (idle, bytes). */
  rings(): { busy: number; idle: number; idleBytes: number };
  /** Graceful: stop accepting, cancel running handlers, give them `shutdown_grace`, close. */
  close(): Promise<void>;
}

export class ServerStartError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** The second argument of startServer: things a program sets, never cfg. */
export interface ServerHooks {
  /** A handler threw (default: logged on stderr). */
  onHandlerError?: (err: unknown, req: Request) => void;
  /**
   * TEST ONLY: bugs to inject (faults.ts), to prove the conformance harness catches them. Only
   * settable here, never through cfg, the CLI or the probe. Unknown names: ServerStartError
   * ERR_UNKNOWN_FAULT.
   */
  faults?: readonly FaultName[];
}

export async function startServer(cfg: ServerConfig, hooks: ServerHooks = {}): Promise<RunningServer> {
  const rc = resolveConfig(cfg);
  const faults = [...new Set(hooks.faults ?? [])];
  const unknown = unknownFaults(faults);
  if (unknown.length > 0) {
    throw new ServerStartError('ERR_UNKNOWN_FAULT', `unknown fault ${unknown.join(', ')} (known: ${FAULT_NAMES.join(', ')})`);
  }
  const listen: WorkerSetup['listen'] = [];
  for (const l of rc.listen) {
    const tls = l.tls === true ? await selfSignedCert() : (l.tls ?? null);
    listen.push({ host: l.host, port: l.port, tls });
  }
  const setup: WorkerSetup = {
    listen,
    limits: {
      maxHeadBytes: rc.max_head_bytes,
      maxHeaders: rc.max_headers,
      maxBodyBytes: rc.max_body_len,
      keepAlive: rc.keep_alive,
      maxPipeline: rc.max_pipeline,
      headerTimeoutMs: rc.header_timeout * 1000,
      idleTimeoutMs: rc.idle_timeout * 1000,
      lingerTimeoutMs: rc.linger_timeout * 1000,
      maxConnections: rc.max_connections,
      maxConnectionsPerIp: rc.max_connections_per_ip,
      maxConcurrentRequests: rc.max_concurrent_requests,
    },
    h2: rc.http2 ? { maxConcurrentStreams: rc.max_concurrent_streams, maxResets: rc.h2_max_resets, resetWindowMs: rc.h2_reset_window * 1000 } : null,
    faults: faults.filter((f) => WORKER_FAULTS.includes(f)),
  };

  const worker = new Worker(new URL('./http/worker-entry.mjs', import.meta.url), { workerData: setup });
  let dispatcher: Dispatcher | null = null;
  let onServerMessage: (m: ToTx) => void = () => {};
  const channel = new BatchingChannel<ToHttp, ToTx>(worker, (m) => {
    if (m.t === 'listening' || m.t === 'fatal' || m.t === 'drained') onServerMessage(m);
    else dispatcher!.onMessage(m);
  });
  const post = (m: ToHttp, transfer?: ArrayBuffer): void => channel.post(m, transfer);

  const sites: Site[] = [];
  const dispatcherRef = { activeCount: () => (dispatcher ? dispatcher.activeCount : 0) };
  if (rc.probeSettings) {
    sites.push(
      createProbe({
        prefix: rc.probeSettings.prefix,
        limits: rc.probeSettings.limits,
        server: `${SERVER_NAME}/${SERVER_VERSION}`,
        defaults: { send_window: rc.default_send_window, send_timeout: rc.default_send_timeout },
        tls: listen.some((l) => l.tls !== null),
        h2: rc.http2,
        activeRequests: dispatcherRef.activeCount,
      }),
    );
  }
  sites.push(...rc.sites);
  const onError = hooks.onHandlerError ?? ((err: unknown, req: Request) => {
    process.stderr.write(`handler error on ${req.method} ${req.path}: ${err instanceof Error ? err.stack : String(err)}\n`);
  });
  dispatcher = new Dispatcher(post, new Router(sites), { sendWindow: rc.default_send_window, sendTimeout: rc.default_send_timeout }, { handlerError: onError }, new Set(faults));

  const addresses = await new Promise<BoundAddress[]>((resolve, reject) => {
    onServerMessage = (m) => {
      if (m.t === 'listening') {
        resolve(m.addresses.map((a) => ({ ...a, url: `${a.tls ? 'https' : 'http'}://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}` })));
      } else if (m.t === 'fatal') {
        reject(new ServerStartError(m.code ?? 'ERR_LISTEN', `cannot listen: ${m.message}`));
      }
    };
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new ServerStartError('ERR_WORKER_EXIT', `HTTP worker thread exited (${code}) before listening`)));
  }).catch(async (err) => {
    await worker.terminate();
    throw err;
  });
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');
  worker.on('error', (err) => process.stderr.write(`HTTP worker thread failed: ${err.stack ?? err}\n`));

  let closing: Promise<void> | null = null;
  return {
    addresses,
    activeRequests: () => dispatcher!.activeCount,
    rings: () => {
      const r = dispatcher!.rings;
      return { busy: r.busy, idle: r.idle.rings, idleBytes: r.idle.bytes };
    },
    close() {
      closing ??= (async () => {
        const drained = new Promise<void>((resolve) => {
          onServerMessage = (m) => {
            if (m.t === 'drained') resolve();
          };
        });
        post({ t: 'shutdown', force: false });
        dispatcher!.cancelAll();
        await dispatcher!.whenHandlersDone(rc.shutdown_grace * 1000);
        post({ t: 'shutdown', force: true });
        await Promise.race([drained, new Promise((r) => setTimeout(r, 2000).unref())]);
        await worker.terminate();
      })();
      return closing;
    },
  };
}
