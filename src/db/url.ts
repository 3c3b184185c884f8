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

/** Schemes a `DATABASE_URL` may start with; anything else is refused (`checkDatabaseUrl`). */
const KNOWN_SCHEMES = new Set(['sqlite', 'file', 'postgres', 'postgresql', 'pglite']);

/**
 * Refuses a URL whose scheme names no backend Tasklane has (`mysql://...` would
 * otherwise open a SQLite file called `mysql:`). A plain path, `:memory:` and a
 * Windows drive letter (`C:\...`) are paths.
 * @throws Error naming the scheme and what is accepted.
 */
export function checkDatabaseUrl(url: string): void {
  const m = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(url);
  if (m && !KNOWN_SCHEMES.has(m[1].toLowerCase())) {
    throw new Error(`unknown database URL scheme "${m[1]}:" in ${redactUrl(url)}: use a SQLite file path (or sqlite:PATH), postgres://USER@HOST:PORT/DATABASE, or pglite:[PATH]`);
  }
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

