// The whole suite against the reference server (in its own process), on h1, h1tls, h2 and h2c:
// every requirement that applies to a transport passes there. This is also the reference server's
// per-requirement test over HTTP/1.1 and HTTP/2, plain and TLS. ISO-01 and ISO-02, which judge
// latency and memory under a crowd and so must run with nothing beside them, are
// reference-iso.test.ts's; this file runs beside others (a time bound missed by the machine's
// load is confirmed by the runner with a second run alone, docs/cli.md).
//
// @test weight 70
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runConformance } from '../../harness/conformance/runner.ts';
import { EMBEDDED_SERVER, startServerProcess, type ServerProcess } from '../../harness/conformance/server-process.ts';
import { CHECKS as ALL } from '../../harness/conformance/catalogue.ts';

const CHECKS = ALL.filter((c) => c.id !== 'ISO-01' && c.id !== 'ISO-02');

let server: ServerProcess;
test.before(async () => {
  server = await startServerProcess(EMBEDDED_SERVER);
});
test.after(async () => {
  await server?.stop();
});

test('the reference server passes every check on h1, h1tls, h2 and h2c', async () => {
  const r = await runConformance({ targets: [server.http, server.https!], checks: CHECKS, options: { strict: true, slow: false, fillBytes: 8 << 20 } });
  const applies = (x: { id: string; transport: string }) => CHECKS.find((c) => c.id === x.id)!.transports?.includes(x.transport as never) ?? true;
  const bad = r.results.filter((x) => applies(x) && x.verdict.status !== 'pass');
  assert.equal(bad.map((x) => `${x.transport} ${x.id}: ${JSON.stringify(x.verdict)}`), []);
  const notApplicable = r.results.filter((x) => !applies(x));
  assert.ok(notApplicable.every((x) => x.verdict.status === 'skip' && /^does not apply to /.test((x.verdict as { reason: string }).reason)));
  assert.equal(notApplicable.map((x) => `${x.transport} ${x.id}`).sort(), [
    'h1 CXL-06', 'h1 H2-01', 'h1 H2-02', 'h1 H2-03', 'h1 PWR-04', 'h1tls CXL-06', 'h1tls H2-01', 'h1tls H2-02', 'h1tls H2-03', 'h1tls PWR-04',
    'h2 CXL-08', 'h2c CXL-08',
  ]);
  assert.is(r.results.length, CHECKS.length * 4);
  assert.equal([...new Set(r.results.map((x) => x.transport))], ['h1', 'h1tls', 'h2', 'h2c']);
  // Every verdict was judged on recorded runs that reports can show.
  for (const x of r.results.filter((y) => y.id !== 'ISO-03' && applies(y))) assert.ok(x.scenarios.length > 0, `${x.transport} ${x.id}`);
});

test.run();
