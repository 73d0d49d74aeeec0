// The capacity a run measures against a server whose capacity is known: the slots fixture
// (test/fixtures/slots-server.ts) has K worker slots, each held until its response is fully
// delivered, so fast requests queue (and time out) once K slow clients hold every slot. The
// measured capacity must bracket K within one step: the largest N within the SLO is below K and
// the first (confirmed) breaking step is at K or above, one step further. Steps are short and the
// SLO is generous (a queued request waits seconds, an unqueued one milliseconds).
//
// @test weight 45
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CapacityDocument } from '../../harness/capacity/result.ts';
import { startServerProcess, type ServerProcess } from '../../harness/conformance/server-process.ts';
import { dawdle } from '../dawdle-cli.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/slots-server.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dawdle-slots-'));


for (const [K, steps, by] of [[4, '0..10:2', 2], [7, '0..12:3', 3]] as const) {
  test(`K = ${K} slots, steps ${steps}: the capacity brackets K`, async () => {
    let server: ServerProcess | null = null;
    try {
      server = await startServerProcess(FIXTURE, [String(K)]);
      const json = join(dir, `k${K}.json`);
      const r = await dawdle(['capacity', '--target', server.http, '--pid', String(server.pid), '--slow', steps, '--slow-path', '/slow',
        '--step-seconds', '2', '--warmup-seconds', '1', '--fast-rate', '40/s', '--fast-timeout', '2', '--slo', 'p99<1s,errors<5%',
        '--json', json, '--require', String(K)]);
      // Below K by construction: --require K fails the run.
      assert.is(r.code, 1, r.out + r.err);
      const doc = JSON.parse(readFileSync(json, 'utf8')) as CapacityDocument;
      const c = doc.capacity;
      assert.ok(c.max_slow_clients !== null && c.breaking_n !== null, JSON.stringify(c));
      assert.ok(c.max_slow_clients! < K, `capacity ${c.max_slow_clients} should be below K=${K}`);
      assert.ok(c.breaking_n! >= K, `first break at ${c.breaking_n} should be at K=${K} or above`);
      assert.is(c.breaking_n! - c.max_slow_clients!, by, 'within one step');
      assert.is(c.gave_out_first?.what, 'errors', JSON.stringify(c.gave_out_first));
      // Stopped after the confirmed break.
      const ns = doc.runs[0]!.steps.map((s) => s.n);
      assert.is(Math.max(...ns), c.breaking_n);
      assert.is(ns.filter((n) => n === c.breaking_n).length, 2, 'the break was confirmed once');
    } finally {
      await server?.stop();
    }
  });
}

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
