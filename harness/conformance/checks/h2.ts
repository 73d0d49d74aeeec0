// H2: HTTP/2 flow control (seeds 002/003). These run on h2 and h2c only; the client simulator
// grants every window itself and records each DATA frame against them (harness/clients/h2).
import type { Check, CheckContext } from '../check.ts';
import type { ScenarioRun } from '../probe-run.ts';
import {
  burstyWindow, connectionWindow, H2_WINDOWS, SIBLINGS, smallWindow, STALL, stalledSibling, stalledStream,
} from '../scenarios/h2.ts';
import { type Condition, type Evidence, firstFailure, type Verdict, lateBy } from '../verdict.ts';
import {
  bodyBytesSentOf, describeTimeoutWindow, describeWrite, elapsedMs, fmtBytes, fmtMs, inFlight, isNil, matchWire, matchWirePrefix, statsOf, statsViolation, waitEntry, withinTimeout, writeEntry, timeoutWindow,
} from '../verifiers.ts';

export const H2_ONLY = ['h2', 'h2c'] as const;

/** H2-01: a run's responses must reach at least this many initial windows (so grants were exercised). */
const EXERCISED = 2;
/** WIN-01's bound, as there: a write that fits the send window returns nil within this. */
const NONBLOCKING_MS = 200;

/** The violations a run recorded, one line each ("H2-01 stream 3: ..."), the first few. */
function violationLines(r: ScenarioRun, max = 3): string {
  const v = r.h2?.violations ?? [];
  return v.slice(0, max).map((x) => `${x.code} (${x.rule}) stream ${x.streamId}: ${x.message}`).join('; ') + (v.length > max ? ` (and ${v.length - max} more)` : '');
}

/** H2-01 over one run: no DATA beyond a granted window, no other violation, what arrived byte-exact, grants exercised. */
function windowsKept(r: ScenarioRun): Condition[] {
  const excess = (r.h2?.violations ?? []).filter((v) => v.code === 'H2-01');
  const other = (r.h2?.violations ?? []).filter((v) => v.code !== 'H2-01');
  const initial = r.responses[0]?.h2?.window.initial ?? 0;
  const received = r.responses.reduce((a, x) => a + x.bodyBytes, 0);
  return [
    { ok: r.h2 !== undefined, expected: `${r.scenario}: an HTTP/2 run`, actual: 'no HTTP/2 record' },
    {
      ok: excess.length === 0,
      expected: `${r.scenario}: no DATA beyond the stream or connection window the client granted`,
      actual: excess.slice(0, 3).map((v) => `stream ${v.streamId}: ${v.excess?.bytes ?? '?'} B over the ${v.excess?.scope ?? '?'} window (${v.excess?.window ?? '?'} B left)`).join('; ')
        + (excess.length > 3 ? ` (${excess.length} frames in all)` : ''),
    },
    { ok: other.length === 0, expected: `${r.scenario}: no other RFC 9113 violation`, actual: violationLines({ ...r, h2: { ...r.h2!, violations: other } }) },
    // What matters here is every frame against the windows. That what arrived is right, and that
    // the run went well beyond its streams' initial windows (grants were needed), shows the run
    // exercised them; whether each response completed is evidence only (a server that stops
    // sending has not exceeded a window; other checks see stalls).
    ...r.journals.map((j, n) => {
      const m = matchWirePrefix(j, r.bodies[n] ?? Buffer.alloc(0));
      return {
        ok: m.ok,
        expected: `${r.scenario}: response ${n + 1} byte-exact as far as it arrived`,
        actual: `${m.problem ?? ''} (${r.responses[n]?.completion ?? 'no response'}, journal end ${j.end?.reason ?? 'none'})`,
      };
    }),
    {
      ok: received >= EXERCISED * initial * r.responses.length,
      expected: `${r.scenario}: the responses together reach at least ${EXERCISED}x their initial windows (${r.responses.length} x ${fmtBytes(initial)}), so grants were needed`,
      actual: `${fmtBytes(received)} received`,
    },
  ];
}

function windowEvidence(runs: ScenarioRun[]): Evidence {
  const e: Evidence = {};
  for (const r of runs) {
    const k = r.scenario.replace(/^h2-window-/, '');
    e[`${k}_responses`] = r.responses.map((x) => `${x.completion} ${x.bodyBytes}`).join(', ');
    e[`${k}_violations`] = r.h2?.violations.length ?? null;
    e[`${k}_grants`] = r.h2 ? r.h2.windowUpdatesSent.stream + r.h2.windowUpdatesSent.connection : null;
    e[`${k}_received`] = r.responses.reduce((a, x) => a + (x.h2?.window.received ?? 0), 0);
    e[`${k}_connection_granted`] = r.h2?.connectionWindow.granted ?? null;
  }
  return e;
}

/** H2-02 on one W: the stalled stream stalls `sent` exactly; WIN/TMO/PWR/STS hold on it. */
function stalledVerdict(r: ScenarioRun, w: number): { conditions: Condition[]; evidence: Evidence } {
  const j = r.journals[0]!;
  const big = writeEntry(j, STALL.big_i);
  const afterBig = statsOf(j.entries[STALL.afterBig]!);
  const fits = STALL.fits.map((i) => writeEntry(j, i));
  const exceeds = writeEntry(j, STALL.exceeds);
  const end = statsOf(j.entries[STALL.end]!);
  const m = matchWire(j, r.bodies[0] ?? Buffer.alloc(0));
  const atStall = r.marks.receivedAtStall ?? -1;
  const sv = statsViolation(j);
  const p = `W = ${w}:`;
  return {
    evidence: {
      [`w${w}_big_write`]: `${describeWrite(big)} after ${fmtMs(elapsedMs(big))}`,
      [`w${w}_sent_after`]: afterBig.sent,
      [`w${w}_client_received_at_stall`]: atStall,
      [`w${w}_exceeding_write`]: `${describeWrite(exceeds)} after ${fmtMs(elapsedMs(exceeds))}`,
      [`w${w}_received_in_all`]: m.receivedBytes,
    },
    conditions: [
      { ok: !isNil(big) && bodyBytesSentOf(big) === w, expected: `${p} write(${fmtBytes(STALL.big)}, ${STALL.bigTimeout}) to a stream stalled at its window times out with body_bytes_sent == W exactly`, actual: describeWrite(big) },
      { timing: lateBy(elapsedMs(big), timeoutWindow(STALL.bigTimeout).max), ok: withinTimeout(big, STALL.bigTimeout), expected: `${p} it returns ${describeTimeoutWindow(STALL.bigTimeout)} after the call (TMO-01)`, actual: fmtMs(elapsedMs(big)) },
      { ok: afterBig.sent === w, expected: `${p} sent == W after it (I-3: only bytes the windows allowed)`, actual: `sent ${afterBig.sent}` },
      { ok: atStall === w, expected: `${p} the client received exactly W body bytes while it granted nothing`, actual: `${atStall} B` },
      ...fits.map((f, n) => ({
        timing: lateBy(elapsedMs(f), NONBLOCKING_MS), ok: isNil(f) && elapsedMs(f) <= NONBLOCKING_MS,
        expected: `${p} write ${n + 1} of ${fmtBytes(STALL.piece)} (${fmtBytes(n * STALL.piece)} in flight, send window ${fmtBytes(STALL.sendWindow)}) returns nil within ${NONBLOCKING_MS} ms (WIN-01)`,
        actual: `${describeWrite(f)} after ${fmtMs(elapsedMs(f))}`,
      })),
      ...fits.map((f) => ({ ok: inFlight(statsOf(f)) <= (j.effective.send_window ?? Infinity), expected: `${p} in flight <= send_window when write() returns nil (WIN-02)`, actual: `${inFlight(statsOf(f))} B` })),
      { timing: lateBy(elapsedMs(exceeds), timeoutWindow(STALL.exceedsTimeout).max), ok: !isNil(exceeds) && withinTimeout(exceeds, STALL.exceedsTimeout) && bodyBytesSentOf(exceeds) === 0, expected: `${p} a write over the send window blocks and times out after ${STALL.exceedsTimeout} s having sent nothing (WIN-04, TMO-01)`, actual: `${describeWrite(exceeds)} after ${fmtMs(elapsedMs(exceeds))}` },
      { ok: sv === null, expected: `${p} send_stats consistent (STS-01)`, actual: sv ?? '' },
      { ok: m.ok, expected: `${p} once the client reads, it receives exactly the sent prefix of every write (PWR-01)`, actual: m.problem ?? '' },
      { ok: end.sent === end.current && end.sent === m.receivedBytes, expected: `${p} at the end sent == current == body bytes received (STS-03)`, actual: `current ${end.current}, sent ${end.sent}, received ${m.receivedBytes}` },
      { ok: (r.h2?.violations.length ?? 0) === 0, expected: `${p} no RFC 9113 violation or window excess`, actual: violationLines(r) },
    ],
  };
}

async function siblingVerdict(ctx: CheckContext): Promise<Verdict> {
  const r = await ctx.scenario('h2-stalled-sibling', stalledSibling);
  const [a, b] = r.journals as [typeof r.journals[0], typeof r.journals[0]];
  const aw = writeEntry(a, 1);
  const bw = writeEntry(b, SIBLINGS.bWrite);
  const bwait = waitEntry(b, SIBLINGS.bWait);
  const took = bwait.t1 - bw.t0;
  const mb = matchWire(b, r.bodies[1] ?? Buffer.alloc(0));
  const window = r.marks.aWindow ?? NaN;
  const evidence = {
    a_write: `${describeWrite(aw)} after ${fmtMs(elapsedMs(aw))}`, a_received_when_b_done: r.marks.aReceivedWhenBDone ?? null,
    b_write_and_drain: fmtMs(took), b_received: mb.receivedBytes, b_completion: r.responses[1]?.completion ?? 'none',
  };
  return firstFailure([
    { ok: isNil(bw) && bwait.result === null, expected: `B's write(${fmtBytes(SIBLINGS.bBytes)}) and wait(0) complete (nil) while A is stalled`, actual: `write ${describeWrite(bw)}, wait ${JSON.stringify(bwait.result)}` },
    { timing: lateBy(took, SIBLINGS.promptMs), ok: took <= SIBLINGS.promptMs, expected: `promptly: B's ${fmtBytes(SIBLINGS.bBytes)} are all sent within ${SIBLINGS.promptMs} ms`, actual: fmtMs(took) },
    { ok: r.responses[1]?.completion === 'complete' && mb.ok, expected: "B's response arrives complete and byte-exact", actual: `${r.responses[1]?.completion ?? 'no response'}: ${mb.problem ?? 'intact'}` },
    { ok: r.marks.aReceivedWhenBDone === window, expected: `A stays stalled: it had received exactly its window (${window} B) when B was done`, actual: `${r.marks.aReceivedWhenBDone ?? '?'} B` },
    { ok: !isNil(aw) && bodyBytesSentOf(aw) === window, expected: `A's write times out having sent exactly its window (${window} B)`, actual: describeWrite(aw) },
    { ok: (r.h2?.violations.length ?? 0) === 0, expected: 'no RFC 9113 violation or window excess', actual: violationLines(r) },
  ], evidence);
}

export const h2Checks: Check[] = [
  {
    id: 'H2-01', group: 'H2', level: 'MUST', interpretations: [], features: ['h2'],
    transports: [...H2_ONLY], notApplicable: 'HTTP/2 only (flow-control windows)',
    text: "The server never sends more DATA than the client's stream and connection windows allow.",
    method: `Three runs with small and odd windows, every DATA frame counted against what the client granted: (1) SETTINGS_INITIAL_WINDOW_SIZE ${H2_WINDOWS.small.initialWindow}, each frame granted back as it is read, ${H2_WINDOWS.small.streams} streams of ${fmtBytes(H2_WINDOWS.small.bytes)} sharing the 65,535 B connection window; (2) window ${H2_WINDOWS.bursty.initialWindow}, a bursty reader (${H2_WINDOWS.bursty.onMs} ms on, ${H2_WINDOWS.bursty.offMs} ms off) whose grants are held back until ${H2_WINDOWS.bursty.grantThreshold} B (stream) and ${H2_WINDOWS.bursty.connectionGrantThreshold} B (connection) are owed; (3) ${H2_WINDOWS.connection.streams} streams with ${fmtBytes(H2_WINDOWS.connection.initialWindow)} windows behind a 65,535 B connection window granted at ${fmtBytes(H2_WINDOWS.connection.rate)}/s in ${H2_WINDOWS.connection.chunk} B steps. No frame may exceed the stream or connection window left when it arrived; any other RFC 9113 violation the client records fails too (as evidence); what arrives must be byte-exact, and each run's responses together must reach at least ${EXERCISED}x their initial windows (grants exercised); whether each response completes is evidence.`,
    async run(ctx) {
      const runs = await Promise.all([ctx.scenario('h2-window-small', smallWindow), ctx.scenario('h2-window-bursty', burstyWindow), ctx.scenario('h2-window-connection', connectionWindow)]);
      return firstFailure(runs.flatMap(windowsKept), windowEvidence(runs));
    },
  },
  {
    id: 'H2-02', group: 'H2', level: 'MUST', interpretations: ['I-2', 'I-3'], features: ['h2', 'send_timeout', 'send_stats', 'wait', 'send_result'],
    transports: [...H2_ONLY], notApplicable: 'HTTP/2 only (stream windows)',
    text: 'A stream whose window the client keeps at 0 stalls `sent` exactly like a stalled HTTP/1.1 reader: WIN/TMO/PWR requirements hold on that stream.',
    method: `For W = ${STALL.windows.join(' and W = ')} (SETTINGS_INITIAL_WINDOW_SIZE; the connection window is large, so the stream's decides) the client grants nothing on its stream. write(${fmtBytes(STALL.big)}, ${STALL.bigTimeout}) must time out in the TMO-01 bound with body_bytes_sent == W exactly, sent == W, and the client must hold exactly W bytes. With the window at 0 and send window ${fmtBytes(STALL.sendWindow)}: two writes of ${fmtBytes(STALL.piece)} return nil at once (WIN-01/02), a third blocks and times out having sent nothing (WIN-04). Then the client reads: the body must be exactly the sent prefix of every write (PWR-01), stats consistent throughout (STS-01) and at the end sent == current == bytes received.`,
    async run(ctx) {
      const runs = [];
      for (const w of STALL.windows) runs.push({ w, r: await ctx.scenario(`h2-stall-${w}`, (c) => stalledStream(c, w)) });
      const parts = runs.map(({ w, r }) => stalledVerdict(r, w));
      return firstFailure(parts.flatMap((p) => p.conditions), Object.assign({}, ...parts.map((p) => p.evidence)));
    },
  },
  {
    id: 'H2-03', group: 'H2', level: 'MUST', interpretations: [], features: ['h2', 'send_timeout', 'wait', 'send_result'],
    transports: [...H2_ONLY], notApplicable: 'HTTP/2 only (streams of one connection)',
    text: 'One stalled stream does not delay sibling streams on the same connection (while the connection window allows).',
    method: `Stream A's window is exhausted and never granted (its handler writes ${fmtBytes(SIBLINGS.aBytes)} with a ${SIBLINGS.aTimeout} s timeout); the connection window is granted as DATA arrives. ${SIBLINGS.bDelay * 1000} ms later stream B on the same connection writes ${fmtBytes(SIBLINGS.bBytes)} to a reading client: B's write and wait(0) must complete within ${SIBLINGS.promptMs} ms and its response arrive complete and byte-exact, while A stays stalled at exactly its window.`,
    run: siblingVerdict,
  },
];
