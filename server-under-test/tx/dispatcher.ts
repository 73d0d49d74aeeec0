// The TX side (seed 000): receives parsed requests from the HTTP worker, runs each handler as
// its own async "fiber", and routes "continue" / "request closed" notifications to the io they
// belong to. A request lives here until both its handler has returned and the worker has
// reported the exchange closed (then its shuttle is free).
import { NO_FAULTS, type FaultSet } from '../faults.ts';
import { unreachable, type ToHttp, type ToTx } from '../shuttle/messages.ts';
import { RingPool } from './body-ring.ts';
import { Io, flattenHeaders, type IoDefaults } from './io.ts';
import type { Router } from './router.ts';
import type { Request, ResponseTable } from './types.ts';

interface Active {
  io: Io;
  handlerDone: boolean;
  wireClosed: boolean;
}

export interface DispatcherEvents {
  /** A handler threw; the server logs it (never crashes). */
  handlerError(err: unknown, req: Request): void;
}

export class Dispatcher {
  readonly #active = new Map<number, Active>();
  #running = 0;
  #idleWaiters: Array<() => void> = [];
  /** The responses' byte rings, shared by every io. */
  readonly rings: RingPool;

  constructor(
    private readonly post: (m: ToHttp, transfer?: ArrayBuffer) => void,
    private readonly router: Router,
    private readonly defaults: IoDefaults,
    private readonly events: DispatcherEvents,
    /** Test-only faults (faults.ts), handed to every io. */
    private readonly faults: FaultSet = NO_FAULTS,
  ) {
    this.rings = new RingPool((id) => this.post({ t: 'ring-drop', id }));
  }

  /** Requests whose shuttle is alive (handler running, or response still on its way). */
  get activeCount(): number {
    return this.#active.size;
  }

  onMessage(m: ToTx): void {
    switch (m.t) {
      case 'request':
        this.#start(m);
        return;
      case 'progress':
        this.#active.get(m.rid)?.io.onProgress(m.sent, m.headersSent, m.released);
        return;
      case 'withdrawn':
        this.#active.get(m.rid)?.io.onWithdrawn(m.wseq, m.sent);
        return;
      case 'ring-free':
        this.rings.workerDone(m.id, m.rid);
        return;
      case 'head-withdrawn':
        this.#active.get(m.rid)?.io.onHeadWithdrawn(m.hseq, m.committed);
        return;
      case 'closed': {
        const a = this.#active.get(m.rid);
        if (!a) return;
        a.wireClosed = true;
        a.io.onClosed(m.cancelled, m.sent);
        this.#maybeFree(m.rid, a);
        return;
      }
      case 'listening':
      case 'fatal':
      case 'drained':
        return; // server-level messages, handled by the server
      default:
        unreachable(m);
    }
  }

  /** Cancels every running handler (shutdown): they see `cancelled` at their next io call. */
  cancelAll(): void {
    for (const a of this.#active.values()) a.io.shutdown();
  }

  /** Resolves when no handler is running any more, or after `ms`. */
  whenHandlersDone(ms: number): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#idleWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  #start(m: Extract<ToTx, { t: 'request' }>): void {
    const io = new Io(m.rid, this.post, this.defaults, this.faults, this.rings);
    const a: Active = { io, handlerDone: false, wireClosed: false };
    this.#active.set(m.rid, a);
    this.#running++;
    const req = toRequest(m);
    const handler = this.router.match(req.path);
    if (!handler) {
      this.#respond(m.rid, io, { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found\n' });
      this.#handlerDone(m.rid, a);
      return;
    }
    let result: ReturnType<typeof handler>;
    try {
      result = handler(req, io);
    } catch (err) {
      this.#failed(m.rid, a, req, err);
      return;
    }
    Promise.resolve(result).then(
      (table) => {
        if (table && io.untouched) this.#respond(m.rid, io, table);
        else if (!io.closed && io.untouched) {
          this.events.handlerError(new Error('handler returned no response and wrote nothing'), req);
          this.#respond(m.rid, io, { status: 500, headers: { 'content-type': 'text/plain' }, body: 'handler produced no response\n' });
        } else io.finish(false);
        this.#handlerDone(m.rid, a);
      },
      (err: unknown) => this.#failed(m.rid, a, req, err),
    );
  }

  #failed(rid: number, a: Active, req: Request, err: unknown): void {
    // A handler that fails once its request was cancelled (the client went away, shutdown) is
    // not an error of the handler's: nothing is logged (20k client resets were 20k stack traces).
    if (!a.io.getSendStats().cancelled) this.events.handlerError(err, req);
    if (a.io.untouched) this.#respond(rid, a.io, { status: 500, headers: { 'content-type': 'text/plain' }, body: 'internal server error\n' });
    else a.io.finish(true);
    this.#handlerDone(rid, a);
  }

  #respond(rid: number, io: Io, table: ResponseTable): void {
    io.markResponded();
    let body: Uint8Array | null = null;
    if (table.body !== undefined) body = typeof table.body === 'string' ? Buffer.from(table.body) : table.body;
    let headers: string[];
    try {
      headers = flattenHeaders(table.headers ?? {}).list;
    } catch {
      headers = [];
      body = Buffer.from('handler returned invalid headers\n');
      table = { status: 500 };
    }
    let clAt = headers.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'content-length');
    if (clAt >= 0 && body && Number(headers[clAt + 1]) < body.length) {
      // More body than the declared length: the excess would be read as the next response on
      // this connection. (A shorter body is safe: the connection closes after it, PWR-02.)
      body = Buffer.from(`handler returned a ${body.length}-byte body with content-length ${headers[clAt + 1]}\n`);
      headers = ['content-type', 'text/plain'];
      table = { status: 500 };
      clAt = -1;
    }
    if (clAt < 0) headers.push('content-length', String(body ? body.length : 0));
    let transfer: ArrayBuffer | undefined;
    if (body && body.length > 0) {
      const copy = new Uint8Array(body.length);
      copy.set(body);
      body = copy;
      transfer = copy.buffer;
    }
    this.post({ t: 'respond', rid, status: table.status, headers, body }, transfer);
  }

  #handlerDone(rid: number, a: Active): void {
    a.handlerDone = true;
    this.#running--;
    if (this.#running === 0 && this.#idleWaiters.length > 0) {
      const ws = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of ws) w();
    }
    this.#maybeFree(rid, a);
  }

  #maybeFree(rid: number, a: Active): void {
    if (a.handlerDone && a.wireClosed) this.#active.delete(rid);
  }
}

function toRequest(m: Extract<ToTx, { t: 'request' }>): Request {
  const q = m.target.indexOf('?');
  // No prototype: a field named "constructor" or "__proto__" is a field like any other.
  const headers = Object.create(null) as Record<string, string>;
  for (let i = 0; i < m.headers.length; i += 2) {
    const k = m.headers[i]!;
    const v = m.headers[i + 1]!;
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  return {
    method: m.method,
    path: q < 0 ? m.target : m.target.slice(0, q),
    query: q < 0 ? '' : m.target.slice(q + 1),
    version: m.version,
    headers,
    rawHeaders: m.headers,
    body: m.body ? Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength) : Buffer.alloc(0),
    peer: m.peer,
    tls: m.tls,
  };
}
