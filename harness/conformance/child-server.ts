// What every reference server run as a child process does once started (server-process.ts reads
// it): stop on SIGTERM/SIGINT or when the parent closes its stdin, then print {"http", "https"} as
// one JSON line, last, so whoever reads it may signal at once.
import type { RunningServer } from '../../server-under-test/server.ts';

export function serveAsChild(server: RunningServer): void {
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.stdin.on('end', shutdown).on('error', shutdown).resume();
  const http = server.addresses.find((a) => !a.tls)!.url;
  const https = server.addresses.find((a) => a.tls)?.url;
  process.stdout.write(`${JSON.stringify({ http, ...(https ? { https } : {}) })}\n`);
}
