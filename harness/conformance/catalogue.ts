// Every check, in catalogue order, and selection by ID patterns (--only "WIN-*,TMO-01").
import type { Check } from './check.ts';
import { cfgChecks } from './checks/cfg.ts';
import { cxlChecks } from './checks/cxl.ts';
import { h2Checks } from './checks/h2.ts';
import { isoChecks } from './checks/iso.ts';
import { pwrChecks } from './checks/pwr.ts';
import { resChecks } from './checks/res.ts';
import { stsChecks } from './checks/sts.ts';
import { tmoChecks } from './checks/tmo.ts';
import { waiChecks } from './checks/wai.ts';
import { winChecks } from './checks/win.ts';

export const CHECKS: readonly Check[] = [
  ...cfgChecks, ...winChecks, ...tmoChecks, ...cxlChecks, ...resChecks, ...pwrChecks, ...stsChecks, ...waiChecks, ...h2Checks, ...isoChecks,
];

export class SelectionError extends Error {
  readonly code = 'ERR_SELECTION';
}

/**
 * The checks whose ID matches one of the comma-separated patterns (`*` = any characters, case
 * insensitive). A pattern that matches nothing is an error that lists the known IDs.
 */
export function selectChecks<C extends { id: string } = Check>(only: string | undefined, all: readonly C[] = CHECKS as unknown as readonly C[]): C[] {
  if (only === undefined || only.trim() === '') return [...all];
  const patterns = only.split(',').map((p) => p.trim()).filter(Boolean);
  const chosen = new Set<C>();
  for (const p of patterns) {
    const re = new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
    const hits = all.filter((c) => re.test(c.id));
    if (hits.length === 0) {
      throw new SelectionError(`--only: "${p}" matches no check (known: ${all.map((c) => c.id).join(', ')})`);
    }
    hits.forEach((c) => chosen.add(c));
  }
  return all.filter((c) => chosen.has(c));
}
