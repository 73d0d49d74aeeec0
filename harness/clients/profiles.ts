// Loads client profiles (YAML) from a file or a directory, validates them against the schema and
// reports EVERY problem at once, each with its file and field path:
//   profiles/3g.yaml: read.bytes_per_second: expected a positive number (line 7)
// and builds a profile's reading behaviour through the registry.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { ZodType } from 'zod';
import { formatPath } from '../../protocol/index.ts';
import { createBehaviour } from './behaviours/index.ts';
import { Profile, describeIssue } from './profile-schema.ts';
import type { ReadBehaviour } from './read-behaviour.ts';

export type { Profile } from './profile-schema.ts';

export interface ProfileProblem {
  file: string;
  /** Field path like "read.bytes_per_second"; "" for the file as a whole. */
  path: string;
  message: string;
  /** 1-based line of the field in the file, when known. */
  line?: number;
}

export type ProfileErrorCode = 'ERR_PROFILE_INVALID' | 'ERR_PROFILE_NOT_FOUND';

export function formatProblem(p: ProfileProblem): string {
  return `${p.file}: ${p.path === '' ? '' : `${p.path}: `}${p.message}${p.line !== undefined ? ` (line ${p.line})` : ''}`;
}

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  constructor(readonly code: ProfileErrorCode, readonly problems: ProfileProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export interface LoadedProfile extends Profile {
  /** Where it was read from, as given to the loader. */
  file: string;
}

export type ParsedProfile = { ok: true; profile: LoadedProfile } | { ok: false; problems: ProfileProblem[] };

/**
 * Parses YAML `text` and validates it with `schema`: the value, or every problem with its field and
 * line (YAML errors too); never throws. Client and network profiles are both read this way.
 */
export function parseYamlWith<T>(text: string, file: string, schema: ZodType<T>): { ok: true; value: T } | { ok: false; problems: ProfileProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        file, path: '', message: `YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, ...(e.linePos ? { line: e.linePos[0].line } : {}),
      })),
    };
  }
  const r = schema.safeParse(doc.toJS());
  if (r.success) return { ok: true, value: r.data };
  const problems = r.error.issues.flatMap(describeIssue).map((p) => {
    const line = lineOf(doc, lines, p.path);
    return { file, path: formatPath(p.path), message: p.message, ...(line !== undefined ? { line } : {}) };
  });
  return { ok: false, problems };
}

/** Parses and validates the text of one profile file; never throws. */
export function parseProfileText(text: string, file: string): ParsedProfile {
  const r = parseYamlWith(text, file, Profile);
  return r.ok ? { ok: true, profile: { ...r.value, file } } : r;
}

/** Line of the deepest node along `path` that exists in the document. */
export function lineOf(doc: ReturnType<typeof parseDocument>, lines: LineCounter, path: PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as Array<string | number>, true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return lines.linePos(range[0]).line;
  }
  return undefined;
}

/** Loads one profile file; throws ProfileError with every problem found. */
export async function loadProfile(file: string): Promise<LoadedProfile> {
  const [p] = await loadProfiles(file);
  return p!;
}

/**
 * Loads a profile file, or every *.yaml / *.yml file of a directory (sorted by name). Throws one
 * ProfileError listing the problems of every file, and names used twice.
 */
export async function loadProfiles(fileOrDir: string): Promise<LoadedProfile[]> {
  const info = await stat(fileOrDir).catch(() => null);
  if (info === null) {
    throw new ProfileError('ERR_PROFILE_NOT_FOUND', [{ file: fileOrDir, path: '', message: 'no such file or directory' }]);
  }
  const files = info.isDirectory()
    ? (await readdir(fileOrDir)).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(fileOrDir, f))
    : [fileOrDir];
  // An empty directory is a mistake (a wrong path, a missing checkout), not "no profiles wanted".
  if (files.length === 0) {
    throw new ProfileError('ERR_PROFILE_NOT_FOUND', [{ file: fileOrDir, path: '', message: 'directory has no *.yaml or *.yml profile' }]);
  }
  const problems: ProfileProblem[] = [];
  const loaded: LoadedProfile[] = [];
  const byName = new Map<string, string>();
  for (const file of files) {
    const r = parseProfileText(await readFile(file, 'utf8'), file);
    if (!r.ok) {
      problems.push(...r.problems);
      continue;
    }
    const other = byName.get(r.profile.name);
    if (other !== undefined) {
      problems.push({ file, path: 'name', message: `"${r.profile.name}" is already the name of ${other}` });
      continue;
    }
    byName.set(r.profile.name, file);
    loaded.push(r.profile);
  }
  if (problems.length > 0) throw new ProfileError('ERR_PROFILE_INVALID', problems);
  return loaded;
}

/** A fresh reading behaviour for one connection, as the profile describes. */
export function behaviourFromProfile(profile: Profile): ReadBehaviour {
  return createBehaviour(profile.read.behaviour, profile.read.params);
}
