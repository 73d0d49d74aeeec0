// Control frames jump the queue on a real connection: while a server does not read, our request
// body fills the socket; the server's PING is answered by the first frame written once it reads
// again, ahead of megabytes of DATA still waiting in the write loop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H2Connection } from '../../../harness/clients/h2/connection.ts';
import { MAX_WINDOW, SettingId } from '../../../harness/clients/h2/constants.ts';
import { pingFrame, settingsAckFrame, settingsFrame, windowUpdateFrame } from '../../../harness/clients/h2/frame-serializer.ts';
import { Cleanup, sleep } from '../servers.ts';
import { type RawPeer, startRaw, until } from './h2-servers.ts';

const cleanup = new Cleanup();
test.after.each(() => cleanup.run());

const BODY = 16 << 20;

test('a PING ACK overtakes queued DATA once a server that stopped reading reads again', async () => {
  let peer: RawPeer | null = null;
  const srv = cleanup.add(await startRaw(async (p) => {
    peer = p;
    // Let the client send as fast as the socket allows.
    p.socket.write(Buffer.concat([
      settingsFrame([[SettingId.INITIAL_WINDOW_SIZE, MAX_WINDOW]]), settingsAckFrame(), windowUpdateFrame(0, MAX_WINDOW - 65_535),
    ]));
    await p.waitFor((f) => f.type === 'HEADERS');
    p.socket.pause();
  }, { sendSettings: false }));
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port, recordWrites: true }));
  const s = c.request({ method: 'POST', path: '/upload', body: Buffer.alloc(BODY, 0x63) });
  await until(() => peer !== null && peer.frames.some((f) => f.type === 'HEADERS'));
  // The server stopped reading: the body fills the kernel buffers, then our socket; the write loop waits.
  let written = -1;
  await until(() => {
    const n = c.writtenFrames.length;
    const still = n === written;
    written = n;
    return still && n > 1;
  }, 10_000);
  await sleep(200);
  const dataBefore = c.writtenFrames.filter((l) => l === 'DATA:1').length;
  assert.ok(dataBefore < BODY / 16_384, `the body is held back (${dataBefore} DATA frames written)`);
  peer!.socket.write(pingFrame(Buffer.from('prio-now')));
  await until(() => c.timeline.some((e) => e.type === 'ping' && e.direction === 'received'));
  await sleep(100);
  peer!.socket.resume();
  await until(() => peer!.frames.some((f) => f.type === 'DATA' && f.endStream), 20_000);
  // Client side: the PING ACK went out while megabytes of the body were still to go (a FIFO
  // write loop would have put it behind the whole body).
  const labels = c.writtenFrames;
  const ack = labels.indexOf('PING_ACK');
  assert.ok(ack > 0, 'PING ACK written');
  const dataAfter = labels.slice(ack).filter((l) => l === 'DATA:1').length;
  console.log(`  DATA frames written before the server paused: ~${dataBefore}; after the PING ACK: ${dataAfter}`);
  assert.ok(dataAfter * 16_384 > 4 << 20, `megabytes of DATA were still queued behind it (${dataAfter} frames)`);
  // Server side: it arrives in the byte stream ahead of those frames.
  const frames = peer!.frames;
  const ackAt = frames.findIndex((f) => f.type === 'PING' && f.ack);
  assert.ok(ackAt > 0);
  assert.ok(frames.slice(ackAt).filter((f) => f.type === 'DATA').length >= dataAfter);
  assert.is(frames.filter((f) => f.type === 'DATA').reduce((n, f) => n + (f.type === 'DATA' ? f.data.length : 0), 0), BODY);
  assert.is(s.localEnded, true);
  assert.equal(c.violations, []);
});

test.run();
