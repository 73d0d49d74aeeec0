// The runner's bounds: a check that throws, or outlives its time limit, could not be judged (an
// error verdict with what the harness saw and a hint, never a failure); a timed-out check is aborted
// through ctx.signal and awaited before the next check starts; an interrupted run skips. Fake checks
// against a fake target for the bounds; the reference server (own process) for a real probe run
// that the abort stops.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Info } from '../../protocol/index.ts';
import { createReading } from '../../harness/clients/index.ts';
import type { Check, CheckContext } from '../../harness/conformance/check.ts';
import type { ClientConnection } from '../../harness/conformance/client-connection.ts';
import { ProbeClient, TargetError } from '../../harness/conformance/probe-client.ts';
import { runProbe } from '../../harness/conformance/probe-run.ts';
import { runConformance, type PreparedTarget, type RunConfig } from '../../harness/conformance/runner.ts';
import { header, script } from '../../harness/conformance/scenarios/ops.ts';
import { EMBEDDED_SERVER, startServerProcess } from '../../harness/conformance/server-process.ts';
import { transportsFor, type Transport } from '../../harness/conformance/transports.ts';
import { JournalShapeError } from '../../harness/conformance/verifiers.ts';
import { fail, FailureFound, lateBy, pass, type Verdict } from '../../harness/conformance/verdict.ts';

const INFO: Info = { protocol: 1, server: 'fake', features: [], defaults: { send_window: 65536, send_timeout: 30 }, active_requests: 0 };
const OPTIONS = { strict: true, slow: false, fillBytes: 1 << 20 };

function fakeTarget(): PreparedTarget[] {
  // Nothing listens there: the fake checks never touch the target.
  return [{ transport: transportsFor('http://127.0.0.1:9')[0]!, probe: new ProbeClient({ url: 'http://127.0.0.1:9' }), info: INFO, warnings: [] }];
}

function check(id: string, run: (ctx: CheckContext) => Promise<Verdict>, extra: Partial<Check> = {}): Check {
  return { id, group: id.split('-')[0]!, level: 'MUST', text: `${id} text`, method: 'fake', interpretations: [], features: [], run, ...extra };
}

async function run(checks: Check[], cfg: Partial<RunConfig> = {}, prepared = fakeTarget()) {
  const r = await runConformance({ targets: [], transports: ['h1'], checks, options: OPTIONS, ...cfg }, prepared);
  return new Map(r.results.map((x) => [x.id, x] as const));
}

test('a check that throws is an error (could not judge), not a failure: what the harness saw and a hint, by error code', async () => {
  const r = await run([
    check('ERR-01', async () => { throw new TargetError('ERR_JOURNAL', 'journal dw-x: 404 no such journal', 404); }),
    check('ERR-02', async () => { throw new JournalShapeError('journal dw-y has 2 entries; entry 5 is missing'); }),
    check('ERR-03', async () => { throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }); }),
    check('ERR-04', async () => { throw new Error('something odd'); }),
    check('ERR-05', () => { throw new Error('thrown before any await'); }),
    check('ERR-06', async () => pass()),
    check('ERR-07', async () => { throw new FailureFound('the script ends', 'still running after 30 s', { script: 'dw-z' }); }),
  ]);
  const v = (id: string) => r.get(id)!.verdict;
  for (const id of ['ERR-01', 'ERR-02', 'ERR-03', 'ERR-04', 'ERR-05']) assert.is(v(id).status, 'error', id);
  assert.is(v('ERR-06').status, 'pass');
  // What a scenario saw can decide against the server (a handler whose script never finished): a failure.
  assert.equal(v('ERR-07'), { status: 'fail', expected: 'the script ends', actual: 'still running after 30 s', evidence: { script: 'dw-z' } });
  const e1 = v('ERR-01') as Extract<Verdict, { status: 'error' }>;
  assert.is(e1.reason, 'ERR_JOURNAL: journal dw-x: 404 no such journal');
  assert.is(e1.hint, "the target's journal endpoint answered 404 for a script the harness had stored; check that the probe keeps journals until they are read");
  assert.equal(e1.evidence, { error_code: 'ERR_JOURNAL' });
  const e2 = v('ERR-02') as Extract<Verdict, { status: 'error' }>;
  assert.match(e2.reason, /^ERR_JOURNAL_SHAPE: journal dw-y has 2 entries/);
  assert.match(e2.hint, /journals every op in order/);
  assert.match((v('ERR-03') as { hint: string }).hint, /stopped answering during the run/);
  const e4 = v('ERR-04') as Extract<Verdict, { status: 'error' }>;
  assert.is(e4.reason, 'something odd');
  assert.match(e4.hint, /rerun it alone with --only ERR-04 --transport h1/);
  assert.match((v('ERR-05') as { reason: string }).reason, /thrown before any await/);
});

test('a check past its time limit is aborted through ctx.signal, awaited, and an error; the next exclusive check starts only after it settled', async () => {
  const t: Record<string, number> = {};
  const hang = check('HANG-01', (ctx) => new Promise<Verdict>((_resolve, reject) => {
    t.hangStarted = performance.now();
    ctx.signal.addEventListener('abort', () => {
      t.aborted = performance.now();
      // Cleaning up takes a while (closing connections, a last request cut off).
      setTimeout(() => {
        t.settled = performance.now();
        reject(ctx.signal.reason);
      }, 150);
    }, { once: true });
  }), { exclusive: true });
  const next = check('NEXT-01', async () => {
    t.nextStarted = performance.now();
    return pass();
  }, { exclusive: true });
  const r = await run([hang, next], { checkTimeoutMs: 300 });
  const v = r.get('HANG-01')!.verdict;
  assert.is(v.status, 'error');
  if (v.status !== 'error') return;
  assert.match(v.reason, /^ERR_CHECK_TIMEOUT: HANG-01 on h1 did not finish within 0\.3 s \(its time limit\) and was aborted$/);
  assert.is(v.hint, 'the check did not finish within 0.3 s; the target may be overloaded or hang: rerun it alone with --only HANG-01 --transport h1');
  assert.is(v.evidence?.error_code, 'ERR_CHECK_TIMEOUT');
  assert.is(v.evidence?.time_limit_s, 0.3);
  assert.ok(typeof v.evidence?.stopped_after_abort_ms === 'number' && v.evidence.stopped_after_abort_ms >= 140, String(v.evidence?.stopped_after_abort_ms));
  assert.ok(t.aborted! - t.hangStarted! >= 290, `aborted at its limit (${t.aborted! - t.hangStarted!} ms)`);
  assert.ok(t.nextStarted! >= t.settled!, `the next check started ${t.nextStarted! - t.settled!} ms after the aborted one settled`);
  assert.is(r.get('NEXT-01')!.verdict.status, 'pass');
});

test('checks sharing a scenario share its fate: when the check that started it times out, the other is an error naming it', async () => {
  const hanging = (ctx: CheckContext) => ctx.scenario('hangs', (c) => new Promise<never>((_r, reject) => {
    c.signal.addEventListener('abort', () => reject(c.signal.reason), { once: true });
  }));
  const first = check('SHARE-01', async (ctx) => { await hanging(ctx); return pass(); });
  const second = check('SHARE-02', async (ctx) => { await new Promise((res) => setTimeout(res, 50)); await hanging(ctx); return pass(); });
  const r = await run([first, second], { checkTimeoutMs: 300 });
  const [a, b] = [r.get('SHARE-01')!.verdict, r.get('SHARE-02')!.verdict] as Array<Extract<Verdict, { status: 'error' }>>;
  assert.is(a.status, 'error');
  assert.is(b.status, 'error');
  assert.match(b.reason, /^ERR_CHECK_TIMEOUT: SHARE-01 on h1 did not finish/);
  assert.is(b.hint, 'SHARE-01, whose scenario this check shares, did not finish within 0.3 s; the target may be overloaded or hang: rerun it alone with --only SHARE-02 --transport h1');
  assert.equal(r.get('SHARE-02')!.scenarios, ['hangs']);
});

test('a check that ignores its abort is waited for at most abortSettleMs, then left running (said so) and the run goes on', async () => {
  const t: Record<string, number> = {};
  const deaf = check('DEAF-01', () => new Promise<Verdict>(() => { t.started = performance.now(); }), { exclusive: true });
  const next = check('NEXT-02', async () => { t.next = performance.now(); return pass(); }, { exclusive: true });
  const r = await run([deaf, next], { checkTimeoutMs: 200, abortSettleMs: 250 });
  const v = r.get('DEAF-01')!.verdict;
  assert.is(v.status, 'error');
  assert.match((v as { reason: string }).reason, /did not stop within 0\.25 s of being aborted and was left running$/);
  assert.is(v.evidence?.stopped_after_abort_ms, null);
  assert.ok(t.next! - t.started! >= 440, `next started ${t.next! - t.started!} ms after (limit 200 + settle 250)`);
});

test('an interrupted run skips the running check ("interrupted"), aborting it through ctx.signal, and does not call it an error', async () => {
  const controller = new AbortController();
  let sawAbort = false;
  const slow = check('SLOW-01', (ctx) => new Promise<Verdict>((_r, reject) => {
    setTimeout(() => controller.abort(), 50);
    ctx.signal.addEventListener('abort', () => { sawAbort = true; reject(ctx.signal.reason); }, { once: true });
  }), { exclusive: true });
  const r = await run([slow, check('LATER-01', async () => pass())], { signal: controller.signal, checkTimeoutMs: 5000 });
  assert.ok(sawAbort);
  assert.equal(r.get('SLOW-01')!.verdict, { status: 'skip', reason: 'interrupted while running' });
  assert.equal(r.get('LATER-01')!.verdict, { status: 'skip', reason: 'interrupted before it ran' });
});

test('against the reference server: a probe run whose check times out stops polling and destroys its connection before the next check', async () => {
  const server = await startServerProcess(EMBEDDED_SERVER);
  const probe = new ProbeClient({ url: server.http });
  try {
    const [prepared] = transportsForTarget(server.http, probe, (await probe.info()));
    const opened: Array<{ conn: ClientConnection; destroyedAt: number | null }> = [];
    const spy: Transport = {
      ...prepared!.transport,
      async open(o) {
        const conn = await prepared!.transport.open(o);
        const rec = { conn, destroyedAt: null as number | null };
        const destroy = conn.destroy.bind(conn);
        conn.destroy = () => { rec.destroyedAt ??= performance.now(); destroy(); };
        opened.push(rec);
        return conn;
      },
    };
    const polls: number[] = [];
    const journal = probe.journal.bind(probe);
    probe.journal = (...a) => { polls.push(performance.now()); return journal(...a); };
    let nextStarted = 0;
    // The handler sleeps 20 s; the choreography polls its journal until it is done.
    const stuck = check('STUCK-01', (ctx) => ctx.scenario('stuck', (c) => runProbe(c, {
      scenario: 'stuck', behaviour: createReading(), scripts: [script([header(), { op: 'sleep', seconds: 20 }, { op: 'close' }])],
      drive: async (live) => { await live.untilJournal(0, (j) => j.done); },
    })).then(() => pass()), { exclusive: true });
    const next = check('NEXT-03', async () => { nextStarted = performance.now(); return pass(); }, { exclusive: true });
    const t0 = performance.now();
    const r = await run([stuck, next], { checkTimeoutMs: 1500 }, [{ ...prepared!, transport: spy }]);
    const v = r.get('STUCK-01')!.verdict;
    assert.is(v.status, 'error', JSON.stringify(v));
    assert.is(v.evidence?.error_code, 'ERR_CHECK_TIMEOUT');
    assert.ok(typeof v.evidence?.stopped_after_abort_ms === 'number' && v.evidence.stopped_after_abort_ms < 1000, `stopped ${v.evidence?.stopped_after_abort_ms} ms after the abort`);
    assert.ok(nextStarted - t0 < 3000, `the run went on at once (${Math.round(nextStarted - t0)} ms)`);
    assert.is(opened.length, 1);
    assert.ok(opened[0]!.destroyedAt !== null && opened[0]!.destroyedAt <= nextStarted, 'the client connection was destroyed before the next check');
    assert.ok(polls.length > 5, `the journal was polled (${polls.length})`);
    await new Promise((res) => setTimeout(res, 300));
    assert.ok(polls.every((p) => p <= nextStarted), `no poll after the abort: ${polls.filter((p) => p > nextStarted).length} late`);
  } finally {
    await probe.close();
    await server.stop();
  }
});

function transportsForTarget(url: string, probe: ProbeClient, info: Info): PreparedTarget[] {
  return transportsFor(url).map((transport) => ({ transport, probe, info, warnings: [] }));
}

test('a failure missing a time bound by a margin load can cause is confirmed by a second run alone: pass if it passes then (with a note), fail only if it fails again; other failures are not rerun', async () => {
  const runs: Record<string, number> = {};
  const counting = (id: string, verdicts: Verdict[]) => check(id, async () => verdicts[Math.min((runs[id] = (runs[id] ?? 0) + 1) - 1, verdicts.length - 1)]!);
  const late = fail('returns within 550 ms', '551.1 ms', { returned_after: '551.1 ms' }, { timing: lateBy(551.1, 550) });
  const r = await run([
    counting('TIM-01', [late, pass({ returned_after: '502 ms' })]),
    counting('TIM-02', [late, fail('returns within 550 ms', '1,502 ms', {}, { timing: lateBy(1502, 550) })]),
    counting('TIM-03', [fail('a byte count', 'another'), pass()]),
    // Late by a factor (a timeout stretched 3x): the server's doing, not the machine's; not rerun.
    counting('TIM-04', [fail('returns within 550 ms', '1,502 ms', {}, { timing: lateBy(1502, 550) }), pass()]),
  ]);
  assert.equal(runs, { 'TIM-01': 2, 'TIM-02': 2, 'TIM-03': 1, 'TIM-04': 1 });
  assert.is(r.get('TIM-04')!.verdict.status, 'fail');
  const v1 = r.get('TIM-01')!.verdict as Extract<Verdict, { status: 'pass' }>;
  assert.is(v1.status, 'pass');
  assert.match(v1.note ?? '', /a first run missed a time bound \(expected returns within 550 ms; actual 551\.1 ms\) and a second run alone met it/);
  const v2 = r.get('TIM-02')!.verdict as Extract<Verdict, { status: 'fail' }>;
  assert.is(v2.actual, '1,502 ms');
  assert.equal(v2.evidence, { first_run: '551.1 ms', confirmed: 'failed again on a second run alone' });
  assert.is(r.get('TIM-03')!.verdict.status, 'fail');
});

test.run();
