// The embedded reference server of `dawdle capacity` / `dawdle staleness` (a child process through
// conformance/server-process.ts): HTTP and HTTPS (self-signed) on 127.0.0.1, ephemeral ports, the demo sites (/hello,
// /stream, /ticker) and the probe (so /__probe/info reports memory and active requests).
import { demoSites } from '../../server-under-test/demo-sites.ts';
import { startServer } from '../../server-under-test/server.ts';

const server = await startServer({ listen: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0, tls: true }], probe: true, sites: demoSites() }, { onHandlerError: () => {} });

let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  server.close().then(() => process.exit(0), () => process.exit(1));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown).on('error', shutdown).resume();
process.stdout.write(`${JSON.stringify({ http: server.addresses.find((a) => !a.tls)!.url, https: server.addresses.find((a) => a.tls)!.url })}\n`);
