// BB-H2-03: what many HTTP/2 streams held at window 0 cost the server. Each is a request the
// server has started and cannot finish; a server that reads the rest of the response into memory
// for a stream whose window is shut (or keeps a large buffer per stream) grows with every one.
import { createReading, createStalled } from '../../clients/index.ts';
import type { H2ClientConnection } from '../../conformance/h2-adapter.ts';
import { errorVerdict, pass, type Evidence } from '../../conformance/verdict.ts';
import { finding, type BlackboxCheck } from '../check.ts';
import { get, held, isVerdict, openH2OrSkip } from '../h2-open.ts';
import { sleep } from '../observe.ts';
import { processStats } from '../proc.ts';

/** Streams held at once, spread over connections of at most the server's MAX_CONCURRENT_STREAMS (and at most 100 each). */
export const HELD_STREAMS = 200;
/** --streams: at most this many. */
export const MAX_HELD_STREAMS = 800;
const PER_CONNECTION_CAP = 100;
const WINDOW = 65_535;
/** Memory a stream held at window 0 may cost the server by default. */
export const DEFAULT_PER_STREAM_BYTES = 1024 * 1024;
/** At most this many connections (a server advertising a tiny MAX_CONCURRENT_STREAMS gets fewer streams). */
const MAX_CONNECTIONS = 8;

export const H2_HELD: BlackboxCheck = {
  id: 'BB-H2-03',
  group: 'BB-H2',
  level: 'SHOULD',
  transports: ['h2', 'h2c'],
  local: true,
  text: 'Many HTTP/2 streams held at window 0 cost the server a bounded amount of memory each (it does not buffer the rest of a response for a stream whose window is shut).',
  method: `Local target only. Samples the server's RSS, fds and threads, then opens --streams streams (default ${HELD_STREAMS}) that GET --path and grant nothing (every stream window ${WINDOW} B; each connection's window granted back as DATA arrives, so only the stream windows hold them), on connections of at most the server's SETTINGS_MAX_CONCURRENT_STREAMS and ${PER_CONNECTION_CAP} streams each (at most ${MAX_CONNECTIONS} connections). Once every stream has its window full, or none has received anything for 500 ms (at most 5 s), the server is sampled again: the RSS growth divided by the streams held (those that received DATA and were neither ended nor reset) is the cost per held stream. Default bound: ${DEFAULT_PER_STREAM_BYTES / 1048576} MiB per held stream (SHOULD: a finding over it, failing under --strict). Streams the server refused (RST_STREAM) are evidence; 500 ms after the connections close the server is sampled once more.`,
  async run(ctx) {
    const pids = ctx.target.pids;
    const want = ctx.options.heldStreams ?? HELD_STREAMS;
    const before = processStats(pids);
    if (before === null) return errorVerdict(`cannot read /proc of the server processes ${pids.join(', ')}`, 'run dawdle as the server\'s user or root, or give --pid');
    const conns: H2ClientConnection[] = [];
    const streams: Array<[H2ClientConnection, number]> = [];
    try {
      while (streams.length < want && conns.length < MAX_CONNECTIONS && !ctx.signal.aborted) {
        const c = await openH2OrSkip(ctx, createReading(), { settings: { initialWindowSize: WINDOW }, connectionBehaviour: createReading() });
        if (isVerdict(c)) {
          if (conns.length === 0) return c;
          break;
        }
        conns.push(c);
        const room = Math.min(PER_CONNECTION_CAP, c.connection.peerSettings.maxConcurrentStreams, want - streams.length);
        for (let i = 0; i < room; i++) streams.push([c, get(c, ctx.target.path, createStalled({ after_bytes: 0 }))]);
      }
      const bytes = () => streams.reduce((s, [c, i]) => s + (c.responses[i]?.bodyBytes ?? 0), 0);
      let last = bytes();
      let lastGrew = Date.now();
      const end = Date.now() + 5000;
      while (Date.now() < end && !ctx.signal.aborted) {
        await sleep(50, ctx.signal);
        const now = bytes();
        if (now > last) [last, lastGrew] = [now, Date.now()];
        if (streams.every(([c, i]) => held(c, i) || c.responses[i]!.completion !== 'in-progress') || Date.now() - lastGrew > 500) break;
      }
      const during = processStats(pids);
      if (during === null) return errorVerdict('the server processes went away while streams were held', 'see whether the server crashed');
      const open = streams.filter(([c, i]) => c.responses[i]!.completion === 'in-progress');
      const heldNow = open.filter(([c, i]) => c.responses[i]!.bodyBytes > 0).length;
      const refused = streams.filter(([c, i]) => c.responses[i]!.completion === 'reset-by-peer').length;
      const finished = streams.filter(([c, i]) => c.responses[i]!.h2!.endStream).length;
      const statuses = [...new Set(streams.map(([c, i]) => c.responses[i]!.status))].join(',');
      const rssGrowth = Math.max(0, during.rssBytes - before.rssBytes);
      const perStream = heldNow > 0 ? rssGrowth / heldNow : 0;
      ctx.record({ scenario: 'held-streams', timelines: [conns[0]!.timeline], samples: [{ t: Date.now(), rss_before: before.rssBytes, rss_during: during.rssBytes, fds_before: before.fds, fds_during: during.fds }] });
      for (const c of conns) c.destroy();
      await sleep(500, ctx.signal);
      const after = processStats(pids);
      const ev: Evidence = {
        streams_opened: streams.length, connections: conns.length, max_concurrent_streams: conns[0]!.connection.peerSettings.maxConcurrentStreams === Infinity ? null : conns[0]!.connection.peerSettings.maxConcurrentStreams,
        streams_held: heldNow, streams_refused: refused, streams_finished: finished, statuses, bytes_received: bytes(),
        rss_before: before.rssBytes, rss_with_held: during.rssBytes, rss_growth_per_held_stream: Math.round(perStream),
        fds_before: before.fds, fds_with_held: during.fds, fds_per_held_stream: heldNow > 0 ? Math.round(((during.fds - before.fds) / heldNow) * 100) / 100 : null,
        threads_before: before.threads, threads_with_held: during.threads, rss_after_close: after?.rssBytes ?? null, fds_after_close: after?.fds ?? null,
      };
      if (heldNow === 0) {
        return errorVerdict(finished > 0 ? 'every stream ended within its window: the response is too small to hold one' : `no stream was held (${refused} refused by the server, statuses ${statuses || 'none'})`, 'give a larger --path that answers 200 over HTTP/2', ev);
      }
      if (perStream <= DEFAULT_PER_STREAM_BYTES) return pass(ev);
      return finding(ctx.options.strict, `at most ${DEFAULT_PER_STREAM_BYTES / 1048576} MiB of RSS per stream held at window 0`, `${(perStream / 1048576).toFixed(2)} MiB per held stream (${heldNow} held)`, ev);
    } finally {
      for (const c of conns) c.destroy();
    }
  },
};
