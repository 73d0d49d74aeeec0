// ISO-01 and ISO-02 against the reference server on h1, h1tls, h2 and h2c: fast clients' p99 with a
// crowd of stalled clients, and the memory each stalled request holds. They judge latency and
// memory under load, so this file runs with no other test file beside it.
//
// @test alone
// @test weight 45
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runConformance } from '../../harness/conformance/runner.ts';
import { EMBEDDED_SERVER, startServerProcess, type ServerProcess } from '../../harness/conformance/server-process.ts';

let server: ServerProcess;
test.before(async () => {
  server = await startServerProcess(EMBEDDED_SERVER);
});
test.after(async () => {
  await server?.stop();
});

test('the reference server passes ISO-01 and ISO-02 on h1, h1tls, h2 and h2c', async () => {
  const r = await runConformance({ targets: [server.http, server.https!], only: 'ISO-01,ISO-02', options: { strict: true, slow: false, fillBytes: 8 << 20 } });
  assert.equal(r.results.map((x) => `${x.transport} ${x.id}: ${x.verdict.status}`), [
    'h1 ISO-01: pass', 'h1 ISO-02: pass', 'h1tls ISO-01: pass', 'h1tls ISO-02: pass',
    'h2 ISO-01: pass', 'h2 ISO-02: pass', 'h2c ISO-01: pass', 'h2c ISO-02: pass',
  ], JSON.stringify(r.results.filter((x) => x.verdict.status !== 'pass').map((x) => x.verdict)));
  for (const x of r.results) assert.ok(x.scenarios.includes('crowd'), `${x.transport} ${x.id} judged on the crowd`);
});

test.run();
