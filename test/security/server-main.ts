// The reference server in a process of its own for the security tests (test/security/lib.ts):
// `dawdle serve`'s sites and probe, HTTP and HTTPS on 127.0.0.1 port 0, cfg overrides as JSON in
// argv[2]. Prints {"http", "https"} once listening; exits on SIGTERM/SIGINT or when stdin closes.
// Handler errors are counted on stderr, one line each ("handler error ..."), so tests can count them.
import { demoSites } from '../../server-under-test/demo-sites.ts';
import type { ServerConfig } from '../../server-under-test/cfg.ts';
import { startServer } from '../../server-under-test/server.ts';
import { serveAsChild } from '../../harness/conformance/child-server.ts';

const overrides = JSON.parse(process.argv[2] ?? '{}') as Partial<ServerConfig>;
serveAsChild(await startServer(
  { listen: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0, tls: true }], probe: true, sites: demoSites(), ...overrides },
  { onHandlerError: (err, req) => process.stderr.write(`handler error on ${req.method} ${req.path}: ${err instanceof Error ? err.message : String(err)}\n`) },
));
