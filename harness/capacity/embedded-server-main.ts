// The embedded reference server of `dawdle capacity` / `dawdle staleness` (a child process through
// conformance/server-process.ts): HTTP and HTTPS (self-signed) on 127.0.0.1, ephemeral ports, the demo sites (/hello,
// /stream, /ticker) and the probe (so /__probe/info reports memory and active requests).
import { demoSites } from '../../server-under-test/demo-sites.ts';
import { startServer } from '../../server-under-test/server.ts';
import { serveAsChild } from '../conformance/child-server.ts';

serveAsChild(await startServer({ listen: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0, tls: true }], probe: true, sites: demoSites() }, { onHandlerError: () => {} }));
