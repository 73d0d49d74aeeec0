// POSIX shell single-quoting, for the one shell script dawdle writes (the UML guest's init).
export function sq(s: string): string {
  if (s.includes('\0')) throw new Error('a NUL byte cannot be passed through a shell script');
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
