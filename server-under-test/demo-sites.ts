// Handlers `dawdle serve` mounts beside the probe: a hello world (throughput), a stream that
// writes with timeouts and drops data a slow client cannot take (the use case of seed 001), and
// an index. Capacity runs use them as realistic endpoints.
import { cancelled } from './tx/send-result.ts';
import type { Site } from './tx/types.ts';

const HELLO = Buffer.from('hello world\n');

export function demoSites(): Site[] {
  return [
    { path: '/hello', handler: () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: HELLO }) },
    {
      // /stream?bytes=N&chunk=M&timeout=S: N bytes in writes of M; a write that times out drops
      // its unsent rest and the stream goes on (stale data is worth nothing).
      path: '/stream',
      handler: async (req, io) => {
        const q = new URLSearchParams(req.query);
        const total = clampInt(q.get('bytes'), 1 << 20, 0, 1 << 30);
        const chunk = clampInt(q.get('chunk'), 16 * 1024, 1, 1 << 24);
        const timeout = Number(q.get('timeout') ?? '1');
        const piece = Buffer.alloc(chunk, 0x61);
        await io.writeHeader(200, { 'content-type': 'application/octet-stream' });
        for (let done = 0; done < total; done += chunk) {
          const n = Math.min(chunk, total - done);
          const r = await io.write(n === chunk ? piece : piece.subarray(0, n), Number.isFinite(timeout) ? timeout : 1);
          if (cancelled(r)) return; // a timed-out write already dropped its unsent rest
        }
        await io.close();
      },
    },
    {
      path: '/',
      handler: (req) =>
        req.path === '/'
          ? { status: 200, headers: { 'content-type': 'text/plain' }, body: 'dawdle reference server\n  /hello\n  /stream?bytes=N&chunk=M&timeout=S\n  /__probe/info (probe protocol v1)\n' }
          : { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found\n' },
    },
  ];
}

function clampInt(v: string | null, dflt: number, min: number, max: number): number {
  const n = v === null ? dflt : Number(v);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : dflt;
}
