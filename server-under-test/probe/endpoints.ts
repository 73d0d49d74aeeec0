// The probe endpoints (probe protocol v1) as one site under the probe prefix:
//   GET  {prefix}/info                     what this server claims, its defaults and limits
//   PUT  {prefix}/scripts/{id}             store a script (201; 400 with the path of the error)
//   GET|POST {prefix}/run/{id}             run it: this request gets the probe handler's response
//   GET  {prefix}/journal/{id}?wait=S      its journal, long-polling until done or S seconds
import { FEATURES, SCRIPT_ID, parseScript, scriptCost, type Info, type Limits } from '../../protocol/index.ts';
import type { Io } from '../tx/io.ts';
import type { Request, ResponseTable, Site } from '../tx/types.ts';
import { runScript } from './runner.ts';
import { ScriptStore } from './store.ts';

export interface ProbeOptions {
  prefix: string;
  limits: Limits;
  server: string;
  defaults: { send_window: number; send_timeout: number };
  tls: boolean;
  /** HTTP/2 is served (h2c, and h2 on TLS listeners). */
  h2: boolean;
  activeRequests: () => number;
}

/** A failed script run: the response is aborted; the journal says why. Not a server fault. */
export class ProbeScriptError extends Error {
  readonly code = 'ERR_PROBE_SCRIPT';
}

const MAX_JOURNAL_WAIT_S = 120;

function json(status: number, value: unknown): ResponseTable {
  return { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(value) };
}
function problem(status: number, code: string, error: string, path?: string): ResponseTable {
  return json(status, { error, code, ...(path !== undefined ? { path } : {}) });
}

export function createProbe(o: ProbeOptions): Site {
  const store = new ScriptStore(o.limits.max_scripts, o.limits.script_ttl_seconds * 1000, o.limits.max_store_bytes ?? Infinity);
  const maxWindow = o.limits.max_send_window ?? Infinity;
  const features = FEATURES.filter((f) => (f !== 'h2' || o.h2) && (f !== 'tls' || o.tls));

  const info = (): ResponseTable => {
    const body: Info = {
      protocol: 1,
      server: o.server,
      features: [...features],
      defaults: o.defaults,
      // Not counting the info request itself.
      active_requests: Math.max(0, o.activeRequests() - 1),
      limits: o.limits,
      memory: { rss_bytes: process.memoryUsage.rss() },
    };
    return json(200, body);
  };

  const putScript = (id: string, req: Request): ResponseTable => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body.toString('utf8'));
    } catch (err) {
      return problem(400, 'ERR_SCRIPT_JSON', `script is not valid JSON: ${(err as Error).message}`, '');
    }
    const r = parseScript(parsed);
    if (!r.ok) {
      const first = r.problems[0]!;
      return json(400, { error: `${first.path || '(script)'}: ${first.message}`, code: 'ERR_SCRIPT_INVALID', path: first.path, problems: r.problems });
    }
    const cost = scriptCost(r.value.ops);
    if (cost.ops > o.limits.max_ops) {
      return problem(413, 'ERR_LIMIT_OPS', `script would execute up to ${cost.ops} ops; max_ops is ${o.limits.max_ops}`, 'ops');
    }
    if (cost.bytes > o.limits.max_script_bytes) {
      return problem(413, 'ERR_LIMIT_BYTES', `script would write up to ${cost.bytes} bytes; max_script_bytes is ${o.limits.max_script_bytes}`, 'ops');
    }
    const window = Math.max(cost.window, r.value.io?.send_window ?? 0);
    if (window > maxWindow) {
      return problem(413, 'ERR_LIMIT_WINDOW', `script sets send_window ${window}; max_send_window is ${maxWindow}`, 'ops');
    }
    switch (store.put(id, r.value, req.body.length)) {
      case 'created':
        return json(201, { id });
      case 'replaced':
        return json(200, { id });
      case 'full':
        return problem(429, 'ERR_LIMIT_SCRIPTS', `${o.limits.max_scripts} scripts are stored already (max_scripts); they expire after ${o.limits.script_ttl_seconds} s`);
      case 'full-bytes':
        return problem(429, 'ERR_LIMIT_STORE', `stored scripts and journals hold max_store_bytes (${o.limits.max_store_bytes}) already; they expire after ${o.limits.script_ttl_seconds} s`);
      case 'conflict':
        return problem(409, 'ERR_SCRIPT_USED', `script ${id} has already run; use a new id`);
    }
  };

  const run = async (id: string, req: Request, io: Io): Promise<ResponseTable | void> => {
    const s = store.get(id);
    if (!s) return problem(404, 'ERR_NO_SCRIPT', `no script ${id} (never stored, or expired)`);
    if (s.state !== 'stored') return problem(409, 'ERR_SCRIPT_USED', `script ${id} has already run`);
    s.state = 'running';
    const journal = await runScript({
      id, script: s.script, req, io, defaults: o.defaults, maxRunMs: o.limits.max_run_seconds * 1000,
      abortIo: () => io.abort(),
      onJournal: (live) => { s.journal = live; },
    });
    s.journal = journal;
    s.state = 'done';
    s.markFinished();
    store.trim(0, id); // max_store_bytes: older finished journals make room for this one
    if (journal.end?.reason === 'error') throw new ProbeScriptError(journal.end.error ?? 'script failed');
  };

  const getJournal = async (id: string, req: Request, io: Io): Promise<ResponseTable> => {
    const s = store.get(id);
    if (!s) return problem(404, 'ERR_NO_SCRIPT', `no script ${id} (never stored, or expired)`);
    const wait = Number(new URLSearchParams(req.query).get('wait') ?? '0');
    if (!Number.isFinite(wait) || wait < 0) return problem(400, 'ERR_BAD_WAIT', 'wait must be a non-negative number of seconds', 'wait');
    if (s.state !== 'done' && wait > 0) {
      // Ends early when the run finishes, or when the request is cancelled (the client went away,
      // or shutdown: a pending long-poll must not hold the server past shutdown_grace).
      let timer: NodeJS.Timeout | undefined;
      let wake!: () => void;
      const woken = new Promise<void>((r) => { wake = r; });
      const offCancel = io.onCancel(wake);
      timer = setTimeout(wake, Math.min(wait, MAX_JOURNAL_WAIT_S) * 1000);
      timer.unref();
      await Promise.race([s.finished, woken]);
      clearTimeout(timer);
      offCancel();
    }
    if (s.journal) return json(200, s.journal);
    return json(200, {
      id, v: 1, done: false, state: s.state,
      transport: { http: '1.1', tls: false }, effective: { send_window: o.defaults.send_window, send_timeout: o.defaults.send_timeout },
      entries: [], samples: [],
    });
  };

  const handler = async (req: Request, io: Io): Promise<ResponseTable | void> => {
    const rest = req.path.slice(o.prefix.length);
    const m = /^\/(scripts|run|journal)\/([^/]*)$/.exec(rest);
    if (rest === '/info') return req.method === 'GET' ? info() : problem(405, 'ERR_METHOD', 'use GET');
    if (!m) return problem(404, 'ERR_NOT_FOUND', `no probe endpoint ${req.path}`);
    const [, kind, id] = m as unknown as [string, string, string];
    if (!SCRIPT_ID.test(id)) return problem(400, 'ERR_BAD_ID', 'script id must be 1-64 characters of [A-Za-z0-9_-]', 'id');
    if (kind === 'scripts') return req.method === 'PUT' ? putScript(id, req) : problem(405, 'ERR_METHOD', 'use PUT');
    if (kind === 'run') return req.method === 'GET' || req.method === 'POST' ? run(id, req, io) : problem(405, 'ERR_METHOD', 'use GET or POST');
    return req.method === 'GET' ? getJournal(id, req, io) : problem(405, 'ERR_METHOD', 'use GET');
  };

  return { path: o.prefix, handler };
}
