// `stalled`: reads nothing, or stops for good after `after_bytes` bytes (counted from attach,
// response heads included). On plain TCP the stop is byte-exact: the last read is cut to size.
import { z } from 'zod';
import type { ReadBehaviour, ReadControl } from '../read-behaviour.ts';
import { nonNegativeInt } from './params.ts';

export const StalledParams = z.strictObject({
  after_bytes: nonNegativeInt().optional(),
});
export type StalledParams = z.infer<typeof StalledParams>;

export function createStalled(params: StalledParams = {}): ReadBehaviour {
  const limit = params.after_bytes ?? 0;
  let ctl: ReadControl | null = null;
  let start = 0;
  const taken = () => (ctl === null ? 0 : ctl.bytesReceived() - start);
  return {
    name: 'stalled',
    attach(c) {
      ctl = c;
      start = c.bytesReceived();
      if (limit === 0) c.pause();
    },
    nextReadLimit: () => Math.max(1, limit - taken()),
    onBytes() {
      if (ctl !== null && taken() >= limit) ctl.pause();
    },
    detach() { ctl = null; },
  };
}
