// The reference server (server-under-test/) as a bench child: threads=1, probe off, the demo
// sites plus two bench sites. Prints {"port","pid"} once listening; exits with its parent.
//
//   /bench/stall?timeout=S  writes one shared 64 KiB buffer again and again, each write with a
//                           timeout of S seconds, until the client goes away (at most 10 min).
//                           Shared, so the RSS it causes is the server's own, not the handler's.
//   /bench/stalled          how many /bench/stall handlers have seen a write time out (their send
//                           window was full), and how many are running: {"full","running"}.
//
//   node --import tsx bench/servers/reference.ts [--send-window N]
import { demoSites } from '../../server-under-test/demo-sites.ts';
import { startServer } from '../../server-under-test/server.ts';
import { cancelled } from '../../server-under-test/tx/send-result.ts';
import type { Site } from '../../server-under-test/tx/types.ts';
import { bindLifetime, numArg, report } from '../lib/lifetime.ts';

const PIECE = Buffer.alloc(64 * 1024, 0x62);
const STALL_MAX_MS = 10 * 60_000;
let running = 0;
const full = new Set<object>();

const benchSites: Site[] = [
  {
    path: '/bench/stall',
    handler: async (req, io) => {
      const timeout = Number(new URLSearchParams(req.query).get('timeout') ?? '1');
      const me = {};
      running++;
      try {
        await io.writeHeader(200, { 'content-type': 'application/octet-stream' });
        const end = Date.now() + STALL_MAX_MS;
        while (Date.now() < end) {
          const r = await io.write(PIECE, timeout);
          if (r === null) continue;
          if (cancelled(r)) return;
          full.add(me);
        }
        await io.close();
      } finally {
        running--;
        full.delete(me);
      }
    },
  },
  {
    path: '/bench/stalled',
    handler: () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ full: full.size, running }) }),
  },
];

const window = numArg('send-window', 0);
const server = await startServer({
  listen: [{ host: '127.0.0.1', port: 0 }],
  threads: 1,
  probe: false,
  ...(window > 0 ? { default_send_window: window } : {}),
  shutdown_grace: 1,
  sites: [...benchSites, ...demoSites()],
});
bindLifetime(30 * 60, () => server.close());
report({ port: server.addresses[0]!.port, pid: process.pid });
