// The embedded reference server of `dawdle conformance` (run as a child process by
// server-process.ts): HTTP and HTTPS on 127.0.0.1, ephemeral ports, probe on.
import { startServer } from '../../server-under-test/server.ts';
import { serveAsChild } from './child-server.ts';

// `--host H` listens there instead of 127.0.0.1 (conformance --network: the link's host side).
const hostArg = process.argv.indexOf('--host');
const host = hostArg > 0 ? process.argv[hostArg + 1]! : '127.0.0.1';
serveAsChild(await startServer(
  { listen: [{ host, port: 0 }, { host, port: 0, tls: true }], probe: true },
  { onHandlerError: () => {} },
));
