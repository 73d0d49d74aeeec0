// The embedded reference server of `dawdle conformance` (run as a child process by
// server-process.ts): HTTP and HTTPS on 127.0.0.1, ephemeral ports, probe on.
import { startServer } from '../../server-under-test/server.ts';

// `--host H` listens there instead of 127.0.0.1 (conformance --network: the link's host side).
const hostArg = process.argv.indexOf('--host');
const host = hostArg > 0 ? process.argv[hostArg + 1]! : '127.0.0.1';
const server = await startServer(
  { listen: [{ host, port: 0 }, { host, port: 0, tls: true }], probe: true },
  { onHandlerError: () => {} },
);

let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  server.close().then(() => process.exit(0), () => process.exit(1));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown).on('error', shutdown).resume();

// Printed last: whoever reads the line may signal at once, so the handlers are already in place.
const http = server.addresses.find((a) => !a.tls)!.url;
const https = server.addresses.find((a) => a.tls)!.url;
process.stdout.write(`${JSON.stringify({ http, https })}\n`);
