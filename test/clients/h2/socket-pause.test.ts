// pauseSocket()/resumeSocket(): the HTTP/2 simulator stops reading TCP itself (below flow
// control), so the server's TCP send path fills while every window stays open, as behind an
// HTTP/1.1 client that stops reading (TMO-03 on HTTP/2: "another stream filling TCP").
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H2Connection } from '../../../harness/clients/h2/connection.ts';
import { MAX_WINDOW } from '../../../harness/clients/h2/constants.ts';
import { eventsOfType } from '../../../harness/clients/h2/timeline.ts';
import { Cleanup, settle } from '../servers.ts';
import { patternChecker, sendPattern, startH2, until } from './h2-servers.ts';

const cleanup = new Cleanup();
test.after.each(() => cleanup.run());

const MB = 1 << 20;
const TOTAL = 32 * MB;

for (const tls of [false, true]) {
  test(`${tls ? 'TLS' : 'h2c'}: a paused socket stops the server although the windows are huge; resuming delivers the rest intact`, async () => {
    const srv = cleanup.add(await startH2((stream) => sendPattern(stream, TOTAL), { tls }));
    const check = patternChecker();
    const c = cleanup.add(await H2Connection.open({
      host: '127.0.0.1', port: srv.port, tls, settings: { initialWindowSize: MAX_WINDOW }, connectionWindow: MAX_WINDOW, onBody: check.onBody,
    }));
    const s = c.request({ method: 'GET', path: '/' });
    await s.waitForBytes(64 * 1024, 5000);
    c.pauseSocket();
    assert.ok(c.socketIsPaused);
    const stuck = await settle(() => s.bodyBytes, 300, 5000);
    await new Promise((r) => setTimeout(r, 300));
    assert.is(s.bodyBytes, stuck, 'nothing more is parsed while the socket is paused');
    assert.ok(stuck < TOTAL - 8 * MB, `the client stopped well short of the body (${stuck} of ${TOTAL})`);
    assert.ok(s.window.available > TOTAL, 'the stream window is not what holds the server back');
    assert.ok(c.window.available > TOTAL, 'nor the connection window');
    assert.is(s.completion, 'in-progress');
    c.resumeSocket();
    assert.not.ok(c.socketIsPaused);
    await s.waitForEnd(30_000);
    assert.is(s.completion, 'complete');
    assert.is(s.bodyBytes, TOTAL);
    assert.is(check.mismatch(), -1, 'pattern intact');
    assert.equal(c.violations, []);
    assert.equal(c.timeline.filter((e) => e.type === 'socket-pause' || e.type === 'socket-resume').map((e) => e.type), ['socket-pause', 'socket-resume']);
    assert.ok(eventsOfType(c.timeline, 'socket-pause')[0]!.t <= eventsOfType(c.timeline, 'socket-resume')[0]!.t);
  });
}

test('pauseSocket on a closed connection does nothing; resumeSocket without a pause does nothing', async () => {
  const srv = cleanup.add(await startH2((stream) => sendPattern(stream, 1000)));
  const c = await H2Connection.open({ host: '127.0.0.1', port: srv.port });
  c.resumeSocket();
  assert.equal(eventsOfType(c.timeline, 'socket-resume'), []);
  c.destroy();
  await c.waitForClose(2000);
  c.pauseSocket();
  assert.not.ok(c.socketIsPaused);
  assert.ok(await until(() => c.closed));
});

test.run();
