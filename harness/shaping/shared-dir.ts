// The directory a run shares with its command: given by the caller (kept), or a fresh temporary one
// (removed after the run, and at exit if the run never got there).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerUndo } from './cleanup.ts';

export interface SharedDir { path: string; dispose(): void }

export function makeSharedDir(given?: string): SharedDir {
  if (given !== undefined) return { path: given, dispose: () => {} };
  const path = mkdtempSync(join(tmpdir(), 'dawdle-run-'));
  const release = registerUndo(`dir ${path}`, () => rmSync(path, { recursive: true, force: true }));
  return { path, dispose: () => { rmSync(path, { recursive: true, force: true }); release(); } };
}
