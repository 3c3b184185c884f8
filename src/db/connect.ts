/**
 * Opening Tasklane's database from a `DATABASE_URL`, and running its migrations.
 *
 * Accepted URLs:
 * - a file path (`./data/tasklane.db`), `sqlite:PATH` or `file:PATH`: SQLite through
 *   better-sqlite3, WAL mode; the folder is created when missing;
 * - `:memory:`: a private in-memory SQLite database (tests, throwaway runs);
 * - `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?...]` (or `postgresql://`):
 *   PostgreSQL through a `pg` connection pool, shared by several Tasklane nodes
 *   (issue 4);
 * - `pglite:` (in memory) or `pglite:PATH` (a data folder): PostgreSQL compiled to
 *   WebAssembly, in-process (PGlite), so the PostgreSQL dialect runs without a server.
 *
 * Whatever the backend, rows come back in the encodings of `schema.ts`: `bigint`
 * columns as JS numbers (ms instants fit in 2^53), booleans as integers 0/1.
 * SQLite and PostgreSQL specifics live here and in `dialect.ts`, nowhere else.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration, type MigrationProvider, type SqliteDatabase } from 'kysely';
import type { Database } from './schema.js';
import { installRowTriggers, withMigrationLock, type DialectName } from './dialect.js';
import { listenPostgres, type ListenHandlers, type StopListening } from './notify.js';
import { acquireOwnerLock } from './ownerlock.js';
import { RowChangeFeed, WriteCounter } from './changes.js';
import { startBackgroundCheckpoints } from './checkpoint.js';
import { DEFAULT_DB_PATH, checkDatabaseUrl, isPgliteUrl, isPostgresUrl, redactUrl, sqlitePathFromUrl } from './url.js';

export { DEFAULT_DB_PATH, isPgliteUrl, isPostgresUrl, redactUrl, sqlitePathFromUrl };
import { MIGRATIONS } from './migrations/all.js';
import { preparingPool } from './prepared.js';

/** An open database: the Kysely handle, which dialect it speaks, and how to close it. */
export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  /** Where it lives, for messages: a file path, `:memory:`, `pglite:...`, or a PostgreSQL URL without its password. */
  location: string;
  /**
   * A token that changes whenever the database's data may have changed: any write
   * through this handle, or a commit by any other connection to the same file (another
   * process). With `organizationId`, writes this process made within another
   * organization's scope (`scopeWrites`) leave it unchanged. Only SQLite has one (`PRAGMA data_version` tells of other connections'
   * commits); on PostgreSQL other nodes write unseen, so it is undefined there, and
   * nothing may be cached across requests.
   */
  changeToken?: (organizationId?: string) => string;
  /**
   * SQLite: runs `fn` with the writes it makes counted for `organizationId` alone
   * (`changes.ts`), so `changeToken(other)` stays the same. Close route handlers run in it.
   */
  scopeWrites?: <T>(organizationId: string, fn: () => Promise<T>) => Promise<T>;
  /**
   * PostgreSQL and PGlite: hears NOTIFYs on `channel` (`db/notify.ts`) until the
   * returned function is called. Absent on SQLite (use `changeToken` there).
   */
  listen?: (channel: string, handlers: ListenHandlers) => StopListening;
  /**
   * SQLite: the rows of `tasks` and of the tables tasks take names from that this
   * connection changes (`changes.ts` `RowChangeFeed`). Absent on PostgreSQL.
   */
  rowChanges?: RowChangeFeed;
  /**
   * SQLite file: starts WAL checkpoints in a worker thread, off the request path
   * (`checkpoint.ts`); `serve` calls it. The returned function stops them.
   */
  startBackgroundCheckpoints?: (onError?: (message: string) => void) => () => Promise<void>;
  /** PostgreSQL: the connection pool's use now (for metrics). */
  poolStats?: () => { total: number; idle: number; waiting: number; max: number };
  close(): Promise<void>;
}

/** Options of `openDb`. */
export interface OpenDbOptions {
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /**
   * Most PostgreSQL connections this process opens (default 10, `pg`'s own default).
   * Each node holds up to this many; N nodes need N x this under the server's
   * `max_connections` (100 by default), or requests queue for a connection.
   */
  poolMax?: number;
  /**
   * Take ownership of a SQLite file for this role (`serve`, `import`; `ownerlock.ts`):
   * refused, naming the PID, while another living process owns it; given up on close.
   * Ignored for other backends, which have many writers by design.
   */
  owner?: string;
}

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

  constructor(
    stmt: BetterSqlite3.Statement,
    private readonly writes: WriteCounter,
  ) {
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
    // A statement may write and return the rows it wrote (`... RETURNING`): a write.
    if (!this.stmt.readonly && rows.length) this.writes.count();
    const make = this.makeRow!;
    const out = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = make(rows[i]);
    return out;
  }

  run(parameters: ReadonlyArray<unknown>) {
    // Only statements that changed rows count (a poll that updates nothing does not).
    // better-sqlite3 runs synchronously, so no reader sees the change before the count.
    const result = this.stmt.run(parameters);
    if (result.changes > 0) this.writes.count();
    return result;
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
function withStatementCache(raw: BetterSqlite3.Database, writes: WriteCounter): SqliteDatabase {
  const cache = new Map<string, FastStatement>();
  return {
    close: () => raw.close(),
    prepare(text: string) {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = new FastStatement(raw.prepare(text), writes);
        if (cache.size >= 1000) cache.clear();
        cache.set(text, stmt);
      }
      return stmt as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}

/** OID of PostgreSQL's `int8` (`bigint`), the type of our ms columns and of `count(*)`. */
const INT8_OID = 20;

/**
 * Parses an `int8` text value into a JS number. Our `bigint` columns hold ms instants
 * (about 2^41) and counts, far below 2^53.
 * @throws Error when a value would lose precision (never silently round).
 */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${text} does not fit a JS number`);
  return n;
}

/**
 * Opens the SQLite file at `path`, creating its folder when missing.
 * @throws Error naming the path when it is a folder or cannot be opened.
 */
function openSqliteFile(path: string): BetterSqlite3.Database {
  if (path === ':memory:') return new BetterSqlite3(path);
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new Error(`${path} is a folder, not a SQLite database file; give a file path such as ${join(path, 'tasklane.db')}`);
  }
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    return new BetterSqlite3(path);
  } catch (e) {
    throw new Error(`cannot open the SQLite database ${path}: ${(e as Error).message}`);
  }
}

function openSqlite(url: string, owner?: string): Db {
  const path = sqlitePathFromUrl(url);
  const release = owner && path !== ':memory:' ? acquireOwnerLock(resolve(path), owner) : () => {};
  let raw: BetterSqlite3.Database;
  try {
    raw = openSqliteFile(path);
  } catch (e) {
    release();
    throw e;
  }
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  // Another process (a short CLI command beside the running server) may hold the write
  // lock briefly: wait for it up to 5 s rather than fail; `writeTransaction` retries past it.
  raw.pragma('busy_timeout = 5000');
  // Reads go through a memory map (not the process's own memory); 32 MiB of page cache
  // holds a 1000-task bulk update's dirty pages (about 24 MiB). Both only change speed.
  raw.pragma('mmap_size = 1073741824');
  raw.pragma('cache_size = -32768');
  // Table statistics steer the planner to the right index; refresh them when stale,
  // sampling at most 1000 rows per index so a large database opens quickly.
  raw.pragma('analysis_limit = 1000');
  raw.pragma('optimize = 0x10002');
  const writes = new WriteCounter();
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw, writes) }) });
  const dataVersion = raw.prepare('PRAGMA data_version').pluck();
  const rowChanges = new RowChangeFeed(
    () => installRowTriggers(raw, rowChanges),
    () => Number(dataVersion.get()),
  );
  return {
    kysely,
    dialect: 'sqlite',
    location: path,
    changeToken: (organizationId) => `${writes.token(organizationId)}:${dataVersion.get()}`,
    scopeWrites: (organizationId, fn) => writes.within(organizationId, fn),
    rowChanges,
    startBackgroundCheckpoints: path === ':memory:' ? undefined : (onError) => startBackgroundCheckpoints(raw, path, undefined, onError).stop,
    close: async () => {
      try {
        await kysely.destroy();
      } finally {
        release();
      }
    },
  };
}

function openPostgres(url: string, opts: OpenDbOptions): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolMax ?? 10,
    // int8 as numbers; every other type as pg parses it.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server (restart, failover) emits 'error' on the
  // pool; without a listener Node would crash the node. The next query reconnects.
  pool.on('error', () => {});
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  return {
    kysely,
    dialect: 'postgres',
    location: redactUrl(url),
    listen: (channel, handlers) => listenPostgres(url, channel, handlers),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: opts.poolMax ?? 10 }),
    close: () => kysely.destroy(),
  };
}

async function openPglite(url: string): Promise<Db> {
  const dataDir = url.slice('pglite:'.length);
  let client: PGlite;
  if (dataDir === '' || dataDir === 'memory://') {
    client = await PGlite.create(PGLITE_OPTIONS);
  } else {
    mkdirSync(resolve(dataDir), { recursive: true });
    client = await PGlite.create(resolve(dataDir), PGLITE_OPTIONS);
  }
  return pgliteDb(client, url);
}

/** Options every PGlite of Tasklane is made with: `int8` as JS numbers, as on the other backends. */
const PGLITE_OPTIONS = { parsers: { [pgliteTypes.INT8]: parseInt8 } };

/**
 * A `Db` over an open PGlite client. `close` closes the client unless `release` is
 * given, which is then called instead (test pools reset a client and reuse it).
 */
export function pgliteDb(client: PGlite, location: string, release?: () => Promise<void>): Db {
  // kysely-pglite-dialect hands out PGlite's one session to one caller at a time, so
  // a transaction never interleaves with another request's queries.
  const kysely = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  // One process holds a PGlite: a NOTIFY comes back through the same client.
  const listen = (channel: string, handlers: ListenHandlers): StopListening => {
    const unsubscribe = client.listen(channel, () => handlers.onMessage()).then((u) => (handlers.onState(true), u));
    // A closed PGlite has no listeners left to remove.
    return async () => (await unsubscribe.catch(() => null))?.().catch(() => {});
  };
  return { kysely, dialect: 'postgres', location, listen, close: release ?? (() => kysely.destroy()) };
}

/**
 * An in-memory PGlite client that starts as the copy `dump` (a `dumpFreshPgliteDb`
 * tarball), with Tasklane's type parsers, without running migrations: restoring a
 * migrated copy takes a fraction of a fresh start (initdb plus every migration), which
 * test suites pay per database. `pgliteDb(client, ...)` makes it a `Db`.
 */
export function pgliteClientFromDump(dump: Blob): Promise<PGlite> {
  return PGlite.create({ ...PGLITE_OPTIONS, loadDataDir: dump });
}

/** A fresh in-memory PGlite database, migrated, as a tarball that `pgliteClientFromDump` restores. */
export async function dumpFreshPgliteDb(): Promise<Blob> {
  const client = await PGlite.create(PGLITE_OPTIONS);
  const db = pgliteDb(client, 'pglite:');
  await migrate(db);
  const dump = await client.dumpDataDir('none');
  await db.close();
  return dump;
}

/**
 * Opens the database at `url` and applies pending migrations (issue: "migrations
 * applied on start"; issue 4: the same code on SQLite, PostgreSQL and PGlite).
 * @throws Error for a URL of an unknown scheme, a file that cannot be opened (naming
 *   its path), a server that cannot be reached, or a migration that fails.
 */
export async function openDb(url: string = DEFAULT_DB_PATH, opts: OpenDbOptions = {}): Promise<Db> {
  checkDatabaseUrl(url);
  const db = isPostgresUrl(url) ? openPostgres(url, opts) : isPgliteUrl(url) ? await openPglite(url) : openSqlite(url, opts.owner);
  if (opts.migrate !== false) {
    try {
      await migrate(db);
    } catch (e) {
      await db.close();
      throw e;
    }
  }
  return db;
}

/**
 * Applies every pending migration, in order, and returns the names it applied.
 *
 * Several nodes may start at the same moment on one PostgreSQL database: the whole
 * run (creating Kysely's bookkeeping tables included) happens under one session-level
 * advisory lock (`dialect.ts` `withMigrationLock`), so exactly one node applies each
 * migration and the others wait, then find nothing to do (issue 4).
 * @throws Error naming the migration that failed; nothing of a failed migration is kept.
 */
export async function migrate(db: Db): Promise<string[]> {
  return withMigrationLock(db.kysely, db.dialect, async (kysely) => {
    const migrator = new Migrator({ db: kysely, provider: new InlineMigrationProvider() });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error');
      throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? error}`);
    }
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  });
}

/**
 * The migrations this code knows that the database has not applied (readiness: a node
 * must not serve a database older than its code). @throws when the database cannot be reached.
 */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db: db.kysely, provider: new InlineMigrationProvider() });
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}
