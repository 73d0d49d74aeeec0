// The BB catalogue: every black-box check, in report order (one file per requirement group).
import type { BlackboxCheck } from './check.ts';
import { STL_CHECKS } from './checks/stl.ts';

export const BB_CHECKS: readonly BlackboxCheck[] = [...STL_CHECKS];
