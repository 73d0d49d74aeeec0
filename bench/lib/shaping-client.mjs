// The client side of `npm run bench:shaping`, run behind the link by `dawdle shape` (in a client
// namespace or a user-mode Linux guest). Plain JavaScript: only Node is needed there. Prints one
// JSON line. Every loop is bounded in count and time.
//   download PORT BYTES     GET BYTES from $DAWDLE_HOST:PORT; every chunk's arrival (ms, bytes)
//   rtt PORT N              N one-byte echoes on one TCP connection; each round trip in ms
//   udp PORT N GAP_MS       N datagrams to $DAWDLE_HOST:PORT, GAP_MS apart
import { connect } from 'node:net';
import { createSocket } from 'node:dgram';
import http from 'node:http';

const host = process.env.DAWDLE_HOST;
const [mode, portS, a, b] = process.argv.slice(2);
const port = Number(portS);
const deadline = setTimeout(() => { console.log(JSON.stringify({ error: 'timeout' })); process.exit(3); }, 120_000);

/** Resolves once a TCP connection to PORT succeeds (the bench binds its server once the link exists). */
function whenUp() {
  return new Promise((resolve, reject) => {
    let tries = 0;
    const attempt = () => {
      const c = connect(port, host, () => { c.destroy(); resolve(); });
      c.on('error', () => { if (++tries >= 150) reject(new Error('server never came up')); else setTimeout(attempt, 100); });
    };
    attempt();
  });
}
await whenUp();

if (mode === 'download') {
  const chunks = [];
  const t0 = performance.now();
  http.get({ host, port, path: `/bytes/${a}`, agent: false }, (res) => {
    res.on('data', (d) => chunks.push([+(performance.now() - t0).toFixed(3), d.length]));
    res.on('end', () => { clearTimeout(deadline); console.log(JSON.stringify({ chunks })); });
  }).on('error', (e) => { console.log(JSON.stringify({ error: e.message })); process.exit(2); });
} else if (mode === 'rtt') {
  const n = Number(a);
  const rtts = [];
  const s = connect(port, host, () => {
    s.setNoDelay(true);
    let t = performance.now();
    s.on('data', () => {
      rtts.push(+(performance.now() - t).toFixed(3));
      if (rtts.length >= n) { clearTimeout(deadline); console.log(JSON.stringify({ rtts })); s.destroy(); return; }
      t = performance.now();
      s.write('x');
    });
    s.write('x');
  });
  s.on('error', (e) => { console.log(JSON.stringify({ error: e.message })); process.exit(2); });
} else if (mode === 'udp') {
  const n = Number(a);
  const gap = Number(b);
  const s = createSocket('udp4');
  let i = 0;
  const send = () => {
    if (i >= n) { setTimeout(() => { clearTimeout(deadline); console.log(JSON.stringify({ sent: n })); s.close(); }, 500); return; }
    s.send(Buffer.from(String(i++)), port, host, () => setTimeout(send, gap));
  };
  send();
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
