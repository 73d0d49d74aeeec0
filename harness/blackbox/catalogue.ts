// The BB catalogue: every black-box check, in report order (one file per requirement group).
import type { BlackboxCheck } from './check.ts';
import { CXL_CHECKS } from './checks/cxl.ts';
import { H2_CHECKS } from './checks/h2.ts';
import { ISO_CHECKS } from './checks/iso.ts';
import { REQ_CHECKS } from './checks/req.ts';
import { SLR_CHECKS } from './checks/slr.ts';
import { STL_CHECKS } from './checks/stl.ts';

export const BB_CHECKS: readonly BlackboxCheck[] = [...STL_CHECKS, ...SLR_CHECKS, ...CXL_CHECKS, ...REQ_CHECKS, ...ISO_CHECKS, ...H2_CHECKS];
