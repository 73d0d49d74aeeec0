// The send window against a stalled client whose path is full.
import { createStalled } from '../../clients/index.ts';
import type { CheckContext } from '../check.ts';
import { runProbe, type ScenarioRun } from '../probe-run.ts';
import { fill, header, script } from './ops.ts';

/**
 * Window 128 KiB, stalled client, path filled first. Entries: 0 header, 1 fill, 2 write 48 KiB
 * t=2 and 3 write 48 KiB t=2 (in flight 96 KiB <= window: nil at once), 4 write 48 KiB t=0.4
 * (144 KiB > window: must block and time out), 5 stats, 6 close.
 */
export const WINDOW = { window: 131072, piece: 49152, fits: [2, 3], exceeds: 4, exceedsTimeout: 0.4, fitsTimeout: 2 } as const;
export function windowScenario(ctx: CheckContext): Promise<ScenarioRun> {
  return runProbe(ctx, {
    scenario: 'window',
    behaviour: createStalled(),
    scripts: [script([
      header(), fill(ctx),
      { op: 'write', bytes: WINDOW.piece, timeout: WINDOW.fitsTimeout },
      { op: 'write', bytes: WINDOW.piece, timeout: WINDOW.fitsTimeout },
      { op: 'write', bytes: WINDOW.piece, timeout: WINDOW.exceedsTimeout },
      { op: 'stats' }, { op: 'close' },
    ], { io: { send_window: WINDOW.window }, sample_stats_ms: 5 })],
  });
}
