// Link names and addresses: link N is the device `dawdle-N` on the host (a veth end or a TAP) with
// 198.18.N.1/24, and the client side 198.18.N.2/24 (198.18.0.0/15: RFC 2544's benchmarking range,
// used only inside what the run creates). Creating the device `dawdle-N` is the reservation: the
// kernel refuses a second link of that name, so concurrent runs never share a subnet.
import type { LinkAddresses } from './backend.ts';
import { PREFIX } from './cleanup.ts';

export const FIRST = 1;
export const LAST = 250;
/**
 * Runs that pick their own link draw from FIRST..LAST_PICKED; the numbers above it are taken only
 * when asked for (`--link N`), so a run that names one (a server bound to 198.18.N.1 beforehand, a
 * test) never finds it held by a concurrent run that happened to draw it.
 */
export const LAST_PICKED = 239;

export function addressesOf(n: number): LinkAddresses {
  if (!Number.isInteger(n) || n < FIRST || n > LAST) throw new RangeError(`link number ${n} outside ${FIRST}..${LAST}`);
  return { name: `${PREFIX}${n}`, host: `198.18.${n}.1`, client: `198.18.${n}.2`, prefixLength: 24 };
}

/** Link numbers in a random order (so concurrent runs rarely race for the same one). */
export function candidates(): number[] {
  const all = Array.from({ length: LAST_PICKED - FIRST + 1 }, (_, i) => FIRST + i);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all;
}

/**
 * Calls `create(addr)` for candidate links until one succeeds (it returns true) - at most `tries`.
 * `create` must fail (false) when the name is taken.
 */
export async function reserve(create: (a: LinkAddresses) => Promise<boolean>, tries = 20, only?: number): Promise<LinkAddresses | null> {
  for (const n of only !== undefined ? [only] : candidates().slice(0, tries)) {
    const a = addressesOf(n);
    if (await create(a)) return a;
  }
  return null;
}
