// The whole suite against the reference server (in its own process), on h1 and h1tls: every
// requirement passes. This is also the reference server's per-requirement test over plain and TLS.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runConformance } from '../../harness/conformance/runner.ts';
import { EMBEDDED_SERVER, startServerProcess, type ServerProcess } from '../../harness/conformance/server-process.ts';
import { CHECKS } from '../../harness/conformance/catalogue.ts';

let server: ServerProcess;
test.before(async () => {
  server = await startServerProcess(EMBEDDED_SERVER);
});
test.after(async () => {
  await server?.stop();
});

test('the reference server passes every check on h1 and h1tls', async () => {
  const r = await runConformance({ targets: [server.http, server.https!], options: { strict: true, slow: false, fillBytes: 8 << 20 } });
  const bad = r.results.filter((x) => x.verdict.status !== 'pass');
  assert.equal(bad.map((x) => `${x.transport} ${x.id}: ${JSON.stringify(x.verdict)}`), []);
  assert.is(r.results.length, CHECKS.length * 2);
  assert.equal([...new Set(r.results.map((x) => x.transport))], ['h1', 'h1tls']);
  // Every verdict was judged on recorded runs that reports can show.
  for (const x of r.results.filter((y) => y.id !== 'ISO-03')) assert.ok(x.scenarios.length > 0, x.id);
});

test.run();
