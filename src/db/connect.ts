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
import type { DialectName } from './dialect.js';
import * as m0001 from './migrations/0001_core.js';
import * as m0002 from './migrations/0002_events.js';
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
  '0002_events': m0002,
  '0003_generated': m0003,
};

class InlineMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/**
 * A statement as Kysely's SQLite driver uses it, reading rows as arrays and building
 * the row objects itself: better-sqlite3 builds objects property by property, which
 * costs about three times as much as reading the values (measured: 100 task rows in
 * 1.8 ms as objects, 0.4 ms as arrays plus this factory).
 */
class FastStatement {
  readonly reader: boolean;
  private readonly stmt: BetterSqlite3.Statement;
  private readonly makeRow: ((values: unknown[]) => Record<string, unknown>) | null = null;

  constructor(stmt: BetterSqlite3.Statement) {
    this.stmt = stmt;
    this.reader = stmt.reader;
    if (stmt.reader) {
      const names = stmt.columns().map((c) => c.name);
      stmt.raw(true);
      // An object literal of fixed shape per statement; names are JSON-quoted.
      this.makeRow = new Function('v', `return {${names.map((n, i) => `${JSON.stringify(n)}: v[${i}]`).join(', ')}};`) as (
        values: unknown[],
      ) => Record<string, unknown>;
    }
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    const rows = this.stmt.all(parameters) as unknown[][];
    const make = this.makeRow!;
    const out = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = make(rows[i]);
    return out;
  }

  run(parameters: ReadonlyArray<unknown>) {
    return this.stmt.run(parameters);
  }

  *iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    const make = this.makeRow!;
    for (const values of this.stmt.iterate(parameters) as IterableIterator<unknown[]>) yield make(values);
  }
}

/**
 * Wraps better-sqlite3 for Kysely: one prepared statement per SQL text (Kysely's
 * driver prepares on every query, and compiling the same SQL again costs more than
 * running a point lookup), read through `FastStatement`. Bounded: the cache starts
 * over past 1000 texts.
 */
function withStatementCache(raw: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, FastStatement>();
  return {
    close: () => raw.close(),
    prepare(text: string) {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = new FastStatement(raw.prepare(text));
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
  // Reads through a memory map skip a copy per page; 64 MiB of page cache keeps hot
  // index pages resident. Both only change speed.
  raw.pragma('mmap_size = 1073741824');
  raw.pragma('cache_size = -65536');
  // Table statistics steer the planner to the right index; refresh them when stale,
  // sampling at most 1000 rows per index so a large database opens quickly.
  raw.pragma('analysis_limit = 1000');
  raw.pragma('optimize = 0x10002');
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
