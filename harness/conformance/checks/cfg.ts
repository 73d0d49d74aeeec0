// CFG: configuration defaults and per-request overrides.
import type { Check } from '../check.ts';
import { basics } from '../scenarios/basics.ts';
import { defaultTimeout, timeouts, TIMEOUTS } from '../scenarios/timeouts.ts';
import { WINDOW, windowScenario } from '../scenarios/window.ts';
import { fail, firstFailure, pass, lateBy } from '../verdict.ts';
import { describeWrite, elapsedMs, fmtMs, isNil, timeoutWindow, withinTimeout, writeEntry } from '../verifiers.ts';

const WINDOW_DEFAULT = 1048576;
const TIMEOUT_DEFAULT = 30;

export const cfgChecks: Check[] = [
  {
    id: 'CFG-01', group: 'CFG', level: 'MUST', interpretations: [], features: ['send_window'],
    text: '`default_send_window` defaults to 1048576.',
    method: 'Reads the default the target reports in /__probe/info and the window a probe handler without io settings actually gets (journal `effective`).',
    async run(ctx) {
      const r = await ctx.scenario('basics', basics);
      const effective = r.journals[0]!.effective.send_window;
      return firstFailure([
        { ok: ctx.info.defaults.send_window === WINDOW_DEFAULT, expected: `info.defaults.send_window = ${WINDOW_DEFAULT}`, actual: String(ctx.info.defaults.send_window) },
        { ok: effective === WINDOW_DEFAULT, expected: `a handler without io.send_window gets ${WINDOW_DEFAULT}`, actual: String(effective) },
      ], { reported: ctx.info.defaults.send_window, effective });
    },
  },
  {
    id: 'CFG-02', group: 'CFG', level: 'MUST', interpretations: [], features: ['send_timeout'],
    text: '`default_send_timeout` defaults to 30 seconds (checked from the reported effective value; the slow mode also checks it in time).',
    method: 'Reads the reported and effective default timeout. With --slow, also blocks a write without any timeout against a stalled client and times its return (30 s).',
    async run(ctx) {
      const r = await ctx.scenario('basics', basics);
      const effective = r.journals[0]!.effective.send_timeout;
      const evidence: Record<string, number | string | null> = { reported: ctx.info.defaults.send_timeout, effective };
      if (ctx.info.defaults.send_timeout !== TIMEOUT_DEFAULT) return fail(`info.defaults.send_timeout = ${TIMEOUT_DEFAULT}`, String(ctx.info.defaults.send_timeout), evidence);
      if (effective !== TIMEOUT_DEFAULT) return fail(`a handler without io.send_timeout gets ${TIMEOUT_DEFAULT} s`, `${effective} s`, evidence);
      if (!ctx.options.slow) return pass(evidence, 'the 30 s timeout itself was not waited for (run with --slow to time it)');
      const slow = await ctx.scenario('default-timeout', defaultTimeout);
      const w = writeEntry(slow.journals[0]!, 1);
      evidence.write = describeWrite(w);
      evidence.returned_after = fmtMs(elapsedMs(w));
      if (isNil(w) || !withinTimeout(w, TIMEOUT_DEFAULT)) {
        return fail(`a write without any timeout to a stalled client returns after 30 s (${fmtMs(timeoutWindow(TIMEOUT_DEFAULT).max)} at most) with a send_result`, `${describeWrite(w)} after ${fmtMs(elapsedMs(w))}`, evidence);
      }
      return pass(evidence);
    },
  },
  {
    id: 'CFG-03', group: 'CFG', level: 'MUST', interpretations: [], features: ['send_window', 'send_timeout'],
    text: '`io.send_window` / `io.send_timeout` override the defaults for one request; `nil` falls back.',
    method: 'Sets io.send_window = 128 KiB and io.send_timeout = 0.8 s in two scripts and checks the effective values, that the small window blocks a write the default would take (WIN-04), and that a write without a positional timeout returns after 0.8 s. A handler without settings gets the defaults (nil falls back).',
    async run(ctx) {
      const win = await ctx.scenario('window', windowScenario);
      const tmo = await ctx.scenario('timeouts', timeouts);
      const base = await ctx.scenario('basics', basics);
      const blocked = writeEntry(win.journals[0]!, WINDOW.exceeds);
      const ioWrite = writeEntry(tmo.journals[0]!, TIMEOUTS.ioWrite);
      const evidence = {
        window_effective: win.journals[0]!.effective.send_window,
        timeout_effective: tmo.journals[0]!.effective.send_timeout,
        nil_window: base.journals[0]!.effective.send_window,
        nil_timeout: base.journals[0]!.effective.send_timeout,
        write_over_small_window: describeWrite(blocked),
        write_with_io_timeout: `${describeWrite(ioWrite)} after ${fmtMs(elapsedMs(ioWrite))}`,
      };
      return firstFailure([
        { ok: evidence.window_effective === WINDOW.window, expected: `effective send_window ${WINDOW.window}`, actual: String(evidence.window_effective) },
        { ok: evidence.timeout_effective === TIMEOUTS.ioTimeout, expected: `effective send_timeout ${TIMEOUTS.ioTimeout}`, actual: String(evidence.timeout_effective) },
        { ok: !isNil(blocked), expected: `a write taking the in-flight bytes over io.send_window (${WINDOW.window}) blocks and times out`, actual: describeWrite(blocked) },
        { timing: lateBy(elapsedMs(ioWrite), TIMEOUTS.ioTimeout * 1500), ok: !isNil(ioWrite) && elapsedMs(ioWrite) >= TIMEOUTS.ioTimeout * 1000 - 0.5 && elapsedMs(ioWrite) < TIMEOUTS.ioTimeout * 1500, expected: `a write without a positional timeout returns after io.send_timeout (${TIMEOUTS.ioTimeout} s)`, actual: `${describeWrite(ioWrite)} after ${fmtMs(elapsedMs(ioWrite))}` },
        { ok: evidence.nil_window === ctx.info.defaults.send_window && evidence.nil_timeout === ctx.info.defaults.send_timeout, expected: 'a handler with io settings nil gets the defaults', actual: `${evidence.nil_window} B, ${evidence.nil_timeout} s` },
      ], evidence);
    },
  },
  {
    id: 'CFG-04', group: 'CFG', level: 'MUST', interpretations: [], features: ['send_timeout'],
    text: 'A positional `timeout` argument overrides `io.send_timeout` for that call only.',
    method: 'With io.send_timeout = 0.8 s and a full path: write(body, 0.3) must return after ~0.3 s, and the next write without a positional timeout after ~0.8 s again.',
    exclusive: true,
    async run(ctx) {
      const r = await ctx.scenario('timeouts', timeouts);
      const j = r.journals[0]!;
      const positional = writeEntry(j, TIMEOUTS.positional);
      const again = writeEntry(j, TIMEOUTS.ioAgain);
      const mid = ((TIMEOUTS.positionalTimeout + TIMEOUTS.ioTimeout) / 2) * 1000;
      const evidence = { positional: `${describeWrite(positional)} after ${fmtMs(elapsedMs(positional))}`, next_call: `${describeWrite(again)} after ${fmtMs(elapsedMs(again))}` };
      return firstFailure([
        { timing: lateBy(elapsedMs(positional), mid), ok: !isNil(positional) && elapsedMs(positional) >= TIMEOUTS.positionalTimeout * 1000 - 0.5 && elapsedMs(positional) < mid, expected: `write(body, ${TIMEOUTS.positionalTimeout}) returns after ${TIMEOUTS.positionalTimeout} s, not io.send_timeout (${TIMEOUTS.ioTimeout} s)`, actual: evidence.positional },
        { ok: !isNil(again) && elapsedMs(again) >= mid, expected: `the next write without a timeout uses io.send_timeout (${TIMEOUTS.ioTimeout} s) again`, actual: evidence.next_call },
      ], evidence);
    },
  },
];
