/**
 * What a `DATABASE_URL` names, without opening anything (so the command line can read
 * its configuration without loading the database drivers): a SQLite file (a path,
 * `sqlite:PATH`, `file:PATH`, or `:memory:`), a PostgreSQL server (`postgres://...`,
 * `postgresql://...`), or PGlite (`pglite:`, `pglite:PATH`).
 */

/** Default location of the embedded database (CLI `--db`, env `DATABASE_URL`). */
export const DEFAULT_DB_PATH = './data/tasklane.db';

/** Strips a `sqlite:`/`file:` scheme, leaving a path or `:memory:`. */
export function sqlitePathFromUrl(url: string): string {
  if (url.startsWith('sqlite://')) return url.slice('sqlite://'.length);
  if (url.startsWith('sqlite:')) return url.slice('sqlite:'.length);
  if (url.startsWith('file:')) return url.slice('file:'.length);
  return url;
}

/** True for a `postgres://` or `postgresql://` URL (a PostgreSQL server). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** True for a `pglite:` URL (in-process PostgreSQL). */
export function isPgliteUrl(url: string): boolean {
  return url.startsWith('pglite:');
}

/** The URL with its password replaced by `***`, for logs and messages. */
export function redactUrl(url: string): string {
  if (!isPostgresUrl(url)) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
}

