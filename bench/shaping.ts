// `npm run bench:shaping`: how exactly the shaping backends give what they are asked for, nominal
// against measured. Not a test: it prints a table (and exits 1 only when a run could not be made).
//   tbf rate (host backend): 64 kbit/s .. 100 Mbit/s, a download's steady rate (after its first
//     20%, so tbf's initial burst is left out), as goodput and as wire rate (goodput x 1514/1448:
//     Ethernet + IP + TCP-with-timestamps headers on full segments). Target: within 5%.
//   netem delay (uml backend): the median of 40 one-byte TCP echoes against 2 x the one-way delay.
//     Target: within 2 ms + 5%.
//   netem loss (uml backend): 2000 UDP datagrams up; received vs the binomial 99.7% interval.
//   netem slot (uml backend, bursty-lte): a 1.5 MB download's arrival timeline; with slots the
//     bytes arrive in bursts separated by quiet gaps, without them (same rate and delay) they don't.
// Every server here runs on the link's host address only; every run is bounded.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';
import { createServer as netServer, type AddressInfo, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/dawdle.mjs', import.meta.url));
const CLIENT = fileURLToPath(new URL('./lib/shaping-client.mjs', import.meta.url));

async function freePort(): Promise<number> {
  const s = netServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

type Closer = () => void;
/** Runs the client behind `shapeArgs`; `serve(host, port)` starts the host side once the address is known. */
async function shaped<T>(shapeArgs: string[], clientArgs: (port: number) => string[], serve: (host: string, port: number) => Promise<Closer>): Promise<T & { backend: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'shape', ...shapeArgs, '--', process.execPath, CLIENT, ...clientArgs(port)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let closer: Closer | null = null;
  let started = false;
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => {
    err += d;
    const m = /reachable at (\S+) /.exec(err);
    if (m && !started) {
      started = true;
      void serve(m[1]!, port).then((c) => { closer = c; });
    }
  });
  const kill = setTimeout(() => child.kill('SIGTERM'), 180_000);
  const code = await new Promise<number | null>((r) => child.on('close', r));
  clearTimeout(kill);
  (closer as Closer | null)?.();
  if (code !== 0) throw new Error(`dawdle shape ${shapeArgs.join(' ')} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`);
  const backend = /backend (\w+):/.exec(err)?.[1] ?? '?';
  return { ...(JSON.parse(out.trim().split('\n').pop()!) as T), backend };
}

function httpBytes(host: string, port: number): Promise<Closer> {
  const srv = createServer((q, s) => {
    const n = Number(/^\/bytes\/(\d+)$/.exec(q.url ?? '')?.[1] ?? 0);
    s.writeHead(200, { 'content-length': String(n) }).end(Buffer.alloc(n, 97));
  });
  return new Promise((r) => srv.listen(port, host, () => r(() => srv.close())));
}

function echo(host: string, port: number): Promise<Closer> {
  const srv: Server = netServer((c) => { c.setNoDelay(true); c.on('data', (d) => c.write(d)); c.on('error', () => {}); });
  return new Promise((r) => srv.listen(port, host, () => r(() => srv.close())));
}

let udpReceived = 0;
function udpCounter(host: string, port: number): Promise<Closer> {
  udpReceived = 0;
  const u = createSocket('udp4');
  u.on('message', () => { udpReceived++; });
  const t = netServer((c) => c.destroy()); // the client waits for this before sending
  return new Promise((r) => u.bind(port, host, () => t.listen(port, host, () => r(() => { u.close(); t.close(); }))));
}

const rows: string[][] = [];
const row = (...c: string[]) => { rows.push(c); process.stdout.write(`${c.join('  |  ')}\n`); };
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
let errors = 0;

async function tbfRates(): Promise<void> {
  for (const [label, bps] of [['64kbit', 64e3], ['256kbit', 256e3], ['1mbit', 1e6], ['10mbit', 10e6], ['100mbit', 100e6]] as const) {
    const bytes = Math.round((bps / 8) * (bps < 1e6 ? 10 : 4)); // ~10 s below 1 Mbit/s (enough packets), else ~4 s
    try {
      const r = await shaped<{ chunks: Array<[number, number]> }>(['--backend', 'host', '--rate', label], (p) => ['download', String(p), String(bytes)], httpBytes);
      let got = 0;
      let t1 = 0;
      let b1 = 0;
      for (const [t, n] of r.chunks) {
        got += n;
        if (t1 === 0 && got >= 0.2 * bytes) { t1 = t; b1 = got; }
      }
      const tEnd = r.chunks[r.chunks.length - 1]![0];
      const goodput = ((got - b1) * 8) / ((tEnd - t1) / 1000);
      const wire = goodput * (1514 / 1448);
      const dev = (wire / bps - 1) * 100;
      row('tbf rate', r.backend, label, `${(goodput / 1e3).toFixed(1)} kbit/s goodput`, `${(wire / 1e3).toFixed(1)} kbit/s wire`, `${dev >= 0 ? '+' : ''}${dev.toFixed(1)}%`, Math.abs(dev) <= 5 ? 'OK' : 'OFF (> 5%)');
    } catch (e) {
      errors++;
      row('tbf rate', 'host', label, `ERROR ${(e as Error).message}`);
    }
  }
}

async function netemDelays(): Promise<void> {
  for (const d of [10, 50, 150]) {
    try {
      const r = await shaped<{ rtts: number[] }>(['--backend', 'uml', '--delay', `${d}ms`], (p) => ['rtt', String(p), '40'], echo);
      const rtts = r.rtts.slice(5); // after the first few (ARP, slow start of the guest's timers)
      const m = median(rtts);
      const nominal = 2 * d;
      const off = m - nominal;
      row('netem delay', r.backend, `${d} ms each way`, `RTT nominal ${nominal} ms`, `median ${m.toFixed(2)} ms (min ${Math.min(...rtts).toFixed(2)}, max ${Math.max(...rtts).toFixed(2)})`,
        `${off >= 0 ? '+' : ''}${off.toFixed(2)} ms`, Math.abs(off) <= 2 + 0.05 * nominal ? 'OK' : 'OFF (> 2 ms + 5%)');
    } catch (e) {
      errors++;
      row('netem delay', 'uml', `${d} ms`, `ERROR ${(e as Error).message}`);
    }
  }
}

async function netemLoss(): Promise<void> {
  const n = 2000;
  for (const p of [1, 5, 20]) {
    try {
      const r = await shaped<{ sent: number }>(['--backend', 'uml', '--loss', `${p}%`], (port) => ['udp', String(port), String(n), '1'], udpCounter);
      const lost = r.sent - udpReceived;
      const mean = (n * p) / 100;
      const sd = Math.sqrt(n * (p / 100) * (1 - p / 100));
      const lo = Math.max(0, Math.floor(mean - 3 * sd));
      const hi = Math.ceil(mean + 3 * sd);
      row('netem loss', r.backend, `${p}% of ${n} datagrams`, `expected ${mean} lost (99.7%: ${lo}..${hi})`, `lost ${lost} (${((lost / n) * 100).toFixed(2)}%)`, '', lost >= lo && lost <= hi ? 'OK' : 'OUTSIDE');
    } catch (e) {
      errors++;
      row('netem loss', 'uml', `${p}%`, `ERROR ${(e as Error).message}`);
    }
  }
}

async function slots(): Promise<void> {
  const bytes = 1_500_000;
  for (const [label, args] of [['bursty-lte (slot 1-10 ms)', ['--profile', 'bursty-lte']], ['same rate + delay, no slot', ['--rate', '12mbit', '--delay', '35ms']]] as const) {
    try {
      const r = await shaped<{ chunks: Array<[number, number]> }>(['--backend', 'uml', ...args], (p) => ['download', String(p), String(bytes)], httpBytes);
      const c = r.chunks.slice(Math.floor(r.chunks.length / 5)); // steady state
      const gaps = c.slice(1).map((x, i) => x[0] - c[i]![0]);
      const quiet = gaps.filter((g) => g >= 1);
      const quietShare = quiet.reduce((a, g) => a + g, 0) / (c[c.length - 1]![0] - c[0]![0]);
      // bytes per ms over 40 ms of the steady state: a timeline in characters
      const t0 = Math.floor(c[0]![0]);
      const perMs = new Array(40).fill(0);
      for (const [t, n] of c) { const i = Math.floor(t) - t0; if (i >= 0 && i < 40) perMs[i] += n; }
      const line = perMs.map((b) => (b === 0 ? '.' : b < 3000 ? 'o' : 'O')).join('');
      row('netem slot', r.backend, label, `gaps >= 1 ms: ${quiet.length} of ${gaps.length}, ${(quietShare * 100).toFixed(0)}% of the time`,
        `median gap ${median(gaps).toFixed(2)} ms`, `timeline ${line}`, '');
    } catch (e) {
      errors++;
      row('netem slot', 'uml', label, `ERROR ${(e as Error).message}`);
    }
  }
}

process.stdout.write('what  |  backend  |  asked  |  nominal  |  measured  |  off  |  verdict\n');
await tbfRates();
await netemDelays();
await netemLoss();
await slots();
process.stdout.write(`\nslot timeline: one character per ms of the steady state; "." no byte arrived, "o" < 3000 B, "O" >= 3000 B\n`);
process.exit(errors > 0 ? 1 : 0);
