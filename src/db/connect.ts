/**
 * Opening Tasklane's database from a `DATABASE_URL`, and running its migrations.
 *
 * Accepted URLs:
 * - a file path (`./data/tasklane.db`), `sqlite:PATH` or `file:PATH`: SQLite through
 *   better-sqlite3, WAL mode; the folder is created when missing;
 * - `:memory:`: a private in-memory SQLite database (tests, throwaway runs).
 *
 * SQLite specifics live here and in `dialect.ts`, nowhere else.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration, type MigrationProvider, type SqliteDatabase } from 'kysely';
import type { Database } from './schema.js';
import { registerSqliteFunctions, type DialectName } from './dialect.js';
import * as m0001 from './migrations/0001_core.js';
import * as m0003 from './migrations/0003_generated.js';

/** An open database: the Kysely handle, which dialect it speaks, and how to close it. */
export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  /** Where it lives, for messages (a file path, or `:memory:`). */
  location: string;
  close(): Promise<void>;
}

/** Default location of the embedded database (issue: CLI `--db`). */
export const DEFAULT_DB_PATH = './data/tasklane.db';

/** Every migration, in order. Names sort in application order. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_core': m0001,
  '0003_generated': m0003,
};

class InlineMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/**
 * Wraps better-sqlite3 so Kysely reuses one prepared statement per SQL text.
 * Kysely's SQLite driver prepares on every query; compiling the same SQL again costs
 * more than running a point lookup. Bounded: the cache is dropped past 1000 texts.
 */
function withStatementCache(raw: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => raw.close(),
    prepare(text: string) {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = raw.prepare(text);
        if (cache.size >= 1000) cache.clear();
        cache.set(text, stmt);
      }
      return stmt as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}

/** Strips a `sqlite:`/`file:` scheme, leaving a path or `:memory:`. */
export function sqlitePathFromUrl(url: string): string {
  if (url.startsWith('sqlite://')) return url.slice('sqlite://'.length);
  if (url.startsWith('sqlite:')) return url.slice('sqlite:'.length);
  if (url.startsWith('file:')) return url.slice('file:'.length);
  return url;
}

/**
 * Opens the database at `url` and applies pending migrations (issue: "migrations
 * applied on start").
 * @throws Error for a URL of an unsupported kind, or a file that cannot be opened.
 */
export async function openDb(url: string = DEFAULT_DB_PATH, opts: { migrate?: boolean } = {}): Promise<Db> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    throw new Error('PostgreSQL is not supported by this build of Tasklane yet; use a SQLite file path.');
  }
  const path = sqlitePathFromUrl(url);
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const raw = new BetterSqlite3(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  // Another process (the CLI beside a running server) may hold the write lock briefly.
  raw.pragma('busy_timeout = 5000');
  registerSqliteFunctions(raw);
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
  const db: Db = { kysely, dialect: 'sqlite', location: path, close: () => kysely.destroy() };
  if (opts.migrate !== false) await migrate(db);
  return db;
}

/**
 * Applies every pending migration, in order.
 * @throws Error naming the migration that failed.
 */
export async function migrate(db: Db): Promise<void> {
  const migrator = new Migrator({ db: db.kysely, provider: new InlineMigrationProvider() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? error}`);
  }
}
