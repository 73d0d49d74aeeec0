// Runs a reference server in a child process (the harness and the server under test never share
// an event loop, so one's stalls are not blamed on the other). The child prints one JSON line
// {"http": URL, "https": URL} once listening and exits when its stdin closes or on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ServerProcess {
  http: string;
  https: string | null;
  pid: number;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export class ServerProcessError extends Error {
  readonly code = 'ERR_SERVER_PROCESS';
}

/** The embedded reference server of `dawdle conformance` without --target. */
export const EMBEDDED_SERVER = fileURLToPath(new URL('./embedded-server-main.ts', import.meta.url));

export function startServerProcess(entry: string, args: string[] = [], timeoutMs = 20_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  return new Promise<ServerProcess>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ServerProcessError(`server process did not start within ${timeoutMs / 1000} s${stderr ? `: ${stderr.trim()}` : ''}`));
    }, timeoutMs);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new ServerProcessError(`server process exited (${code ?? sig}) before listening${stderr ? `: ${stderr.trim()}` : ''}`));
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      try {
        const urls = JSON.parse(out.slice(0, nl)) as { http: string; https?: string };
        resolve({ http: urls.http, https: urls.https ?? null, pid: child.pid!, stop: (g) => stop(child, g) });
      } catch {
        child.kill('SIGKILL');
        reject(new ServerProcessError(`server process printed ${JSON.stringify(out.slice(0, nl))} instead of its URLs`));
      }
    });
  });
}

function stop(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
    child.stdin?.end();
  });
}
