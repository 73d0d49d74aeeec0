// A small h1 subset of the catalogue against the reference server, for the edit-run loop
// (`npm run test:quick`): one check of each kind of judgement (helpers, window, timeout,
// cancellation, bytes on the wire, stats) runs end to end through the runner in a few seconds.
// The whole catalogue on every transport is test/conformance/reference.test.ts.
// @test quick
// @test weight 10
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runConformance } from '../../harness/conformance/runner.ts';
import { EMBEDDED_SERVER, startServerProcess, type ServerProcess } from '../../harness/conformance/server-process.ts';

const SUBSET = 'WIN-01,WIN-02,TMO-01,CXL-02,RES-01,PWR-01,STS-01';

let server: ServerProcess;
test.before(async () => {
  server = await startServerProcess(EMBEDDED_SERVER);
});
test.after(async () => {
  await server?.stop();
});

test(`the reference server passes ${SUBSET} on h1`, async () => {
  const r = await runConformance({ targets: [server.http], transports: ['h1'], only: SUBSET, options: { strict: true, slow: false, fillBytes: 8 << 20 } });
  assert.equal(r.results.map((x) => x.id), SUBSET.split(','));
  assert.equal(r.results.filter((x) => x.verdict.status !== 'pass').map((x) => `${x.id}: ${JSON.stringify(x.verdict)}`), []);
});

test.run();
