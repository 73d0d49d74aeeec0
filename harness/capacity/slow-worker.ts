// A worker process of the slow population: holds the clients population.ts gives it, reports
// once a second, and answers mark/collect for measured windows. Started with `--import tsx`.
import { encodeHistogram, newHistogram } from './histogram.ts';
import { SlowClient, type SlowCounters, type SlowTarget } from './slow-client.ts';
import type { FromWorker, ToWorker, WindowFigures } from './worker-protocol.ts';

const send = (m: FromWorker) => process.send?.(m);
const readBuffer = Buffer.allocUnsafe(64 * 1024);
let target: SlowTarget | null = null;
const clients: SlowClient[] = [];
let counters = fresh();
let marks = new Map<SlowClient, number>();
let markBytes = 0;

function fresh(): SlowCounters {
  return {
    connects: 0, completions: 0, clientCloses: 0, serverClosures: 0, errors: 0, errorKinds: new Map(), closureLifetimes: [],
    staleness: target?.tickerIntervalMs ? { ages: newHistogram(), lags: newHistogram(), received: 0, dropped: 0, aoiArea: 0, aoiTime: 0 } : null,
  };
}
const totalBytes = () => clients.reduce((s, c) => s + c.bytes, 0) + retiredBytes;
let retiredBytes = 0;
let totals = { serverClosures: 0, errors: 0 };

function scale(n: number): void {
  while (clients.length < n) {
    const c = new SlowClient(target!, () => counters, readBuffer);
    clients.push(c);
    c.start();
  }
  while (clients.length > n) {
    const c = clients.pop()!;
    retiredBytes += c.bytes;
    c.stop();
  }
}

function collect(): WindowFigures {
  const c = counters;
  const s = c.staleness;
  totals = { serverClosures: totals.serverClosures + c.serverClosures, errors: totals.errors + c.errors };
  const figures: WindowFigures = {
    perClientBytes: clients.filter((cl) => marks.has(cl)).map((cl) => cl.bytes - marks.get(cl)!),
    bytes: totalBytes() - markBytes,
    connects: c.connects, completions: c.completions, clientCloses: c.clientCloses, serverClosures: c.serverClosures, closureLifetimesMs: c.closureLifetimes,
    errors: c.errors, errorKinds: Object.fromEntries(c.errorKinds),
    staleness: s === null ? null : { ages: encodeHistogram(s.ages), lags: encodeHistogram(s.lags), received: s.received, dropped: s.dropped, aoiArea: s.aoiArea, aoiTime: s.aoiTime },
  };
  counters = fresh();
  return figures;
}

let lastCpu = process.cpuUsage();
const ticker = setInterval(() => {
  const cpu = process.cpuUsage(lastCpu);
  lastCpu = process.cpuUsage();
  const open = clients.length; // every client holds or is (re)opening one connection
  send({
    type: 'tick', t: Date.now(), bytes: totalBytes(), clients: clients.length, open,
    serverClosures: totals.serverClosures + counters.serverClosures, errors: totals.errors + counters.errors,
    rssBytes: process.memoryUsage.rss(), cpuMs: (cpu.user + cpu.system) / 1000,
  });
}, 1000);

process.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'config':
      target = { host: m.host, port: m.port, tls: m.tls, path: m.path, profile: m.profile, tickerIntervalMs: m.tickerIntervalMs, clockOffsetMs: m.clockOffsetMs };
      counters = fresh();
      send({ type: 'ready' });
      break;
    case 'scale':
      scale(m.n);
      send({ type: 'scaled', n: clients.length });
      break;
    case 'mark':
      counters = fresh();
      marks = new Map(clients.map((c) => [c, c.bytes]));
      markBytes = totalBytes();
      send({ type: 'marked' });
      break;
    case 'collect':
      send({ type: 'collected', figures: collect() });
      break;
    case 'stop':
      clearInterval(ticker);
      scale(0);
      process.disconnect?.();
      setTimeout(() => process.exit(0), 200).unref();
      break;
  }
});
// The parent went away (crashed, or killed): never outlive it.
process.on('disconnect', () => {
  clearInterval(ticker);
  scale(0);
  setTimeout(() => process.exit(0), 200).unref();
});
send({ type: 'ready' });
