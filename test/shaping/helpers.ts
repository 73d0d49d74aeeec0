// What the shaped tests share: why they cannot run here (not root, no UML: printed, and the tests
// are registered with uvu's test.skip so the run counts them as skipped, never as passed), running
// `dawdle shape` as a user does, and a small server on the link's host address.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as netServer, type AddressInfo } from 'node:net';
import { HostShaper } from '../../harness/shaping/host.ts';
import { UmlShaper } from '../../harness/shaping/uml.ts';

export const BIN = new URL('../../bin/dawdle.mjs', import.meta.url).pathname;

/** null when the backend can run here, else the reason (what is missing and how to get it). */
export async function skipReason(backend: 'host' | 'uml'): Promise<string | null> {
  const why = await (backend === 'host' ? new HostShaper() : new UmlShaper()).unavailable();
  return why === null ? null : `${backend} backend unavailable: ${why}`;
}

export interface ShapeRun {
  child: ChildProcess;
  /** Resolves with the link's host address as soon as `dawdle shape` prints it. */
  hostAddress: Promise<string>;
  /** The link's device name (dawdle-N), once printed. */
  linkName: () => string | null;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string; ms: number }>;
}

export function shape(args: string[], timeoutMs = 120_000): ShapeRun {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'shape', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  let out = '';
  let err = '';
  let name: string | null = null;
  let gotHost: (h: string) => void = () => {};
  let noHost: (e: Error) => void = () => {};
  const hostAddress = new Promise<string>((r, j) => { gotHost = r; noHost = j; });
  hostAddress.catch(() => {}); // a test that never asks for it must not see an unhandled rejection
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => {
    err += d;
    const m = /link (dawdle-\d+) .*reachable at (\S+) /.exec(err);
    if (m && name === null) {
      name = m[1]!;
      gotHost(m[2]!);
    }
  });
  const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string; ms: number }>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(kill);
      // Ended before it printed a link (refused, failed): a test waiting for the address fails
      // with what it said instead of hanging.
      if (name === null) noHost(new Error(`dawdle shape ended (${code ?? signal}) before printing a link: ${err.trim()}`));
      resolve({ code, signal, out, err, ms: performance.now() - t0 });
    });
  });
  return { child, hostAddress, linkName: () => name, done };
}

/** A free TCP port on the host (the server binds it on the link's address once that exists). */
export async function freePort(): Promise<number> {
  const s = netServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Serves `bytes` bytes of 'a' on every request, on host:port. */
export async function byteServer(host: string, port: number, bytes: number): Promise<Server> {
  const srv = createServer((_q, s) => s.writeHead(200, { 'content-length': String(bytes) }).end(Buffer.alloc(bytes, 97)));
  await new Promise<void>((r, j) => { srv.once('error', j); srv.listen(port, host, r); });
  return srv;
}

/** curl through the link, retrying until the server is up: prints "time_connect time_total size". */
export function curlArgs(port: number, path = '/'): string[] {
  return ['sh', '-c', `exec curl -s --retry 30 --retry-connrefused --retry-delay 1 --max-time 60 -o /dev/null -w '%{time_connect} %{time_total} %{size_download}' "http://$DAWDLE_HOST:${port}${path}"`];
}
