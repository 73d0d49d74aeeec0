// Writing report files: whole or not at all (temp file, then rename, the temp file removed when
// that fails), directories created; checking before a run that each can be written; writing every
// file that can be written when one cannot.
import { accessSync, constants, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function writeFileAtomic(path: string, data: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Why `path` could not be written, checked without writing it: null when it can. The nearest
 * existing directory on its way must be a writable directory (missing ones are created later);
 * an existing `path` must be a writable file.
 */
export function outputPathProblem(path: string): string | null {
  const full = resolve(path);
  try {
    const st = statSync(full);
    if (st.isDirectory()) return 'is a directory';
    accessSync(full, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return 'not writable';
    if (code !== 'ENOENT') return code === 'ENOTDIR' ? `${nearestExisting(full)} is not a directory` : `${code}`;
  }
  const dir = nearestExisting(dirname(full));
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a directory`;
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    return `directory ${dir} is not writable (${(err as NodeJS.ErrnoException).code})`;
  }
  return null;
}

function nearestExisting(p: string): string {
  for (let d = p; ; d = dirname(d)) {
    try {
      statSync(d);
      return d;
    } catch {
      if (dirname(d) === d) return d;
    }
  }
}

export interface FileToWrite { path: string; render: () => string }
export interface WriteOutcome { written: string[]; failed: Array<{ path: string; message: string }> }

/** Writes each file whole; one that fails (its temp file removed) does not stop the others. */
export function writeEachFile(files: readonly FileToWrite[]): WriteOutcome {
  const out: WriteOutcome = { written: [], failed: [] };
  for (const f of files) {
    try {
      writeFileAtomic(f.path, f.render());
      out.written.push(f.path);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      out.failed.push({ path: f.path, message: `${e.code ? `${e.code} ` : ''}${e.message.replace(/^[A-Z]+: /, '')}` });
    }
  }
  return out;
}
