/**
 * Test harness: the real app on a real, fresh database, one organization with users
 * and API keys, and a small request helper over Fastify's `inject` (the full HTTP
 * pipeline: parsers, hooks, routing, serialization).
 *
 * The backend is chosen by `TEST_DB` (issue 4): `sqlite` (default: a file in a
 * temporary folder), `pglite` (PostgreSQL in-process, in memory) or `postgres` (a
 * new database on the server at `TEST_DATABASE_URL`, dropped afterwards). Every
 * harness gets its own database, so tests never share state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { openDb, pgliteClientFromDump, pgliteDb, type Db } from '../../src/db/connect.js';
import type { PGlite } from '@electric-sql/pglite';
import { buildApp } from '../../src/server/app.js';
import { createApiKey, createOrganization, createUser } from '../../src/crm/accounts.js';
import type { RateLimitOptions } from '../../src/server/ratelimit.js';
import type { AuthFailureLimitOptions } from '../../src/server/authlimit.js';
import { ListCache } from '../../src/server/listcache.js';
import { TaskFragments } from '../../src/tasks/fragments.js';
import { insertTaskRows } from '../../src/db/tasks.repo.js';
import type { Executor } from '../../src/db/executor.js';
import type { TaskRow } from '../../src/db/schema.js';
import type { Static, TSchema } from 'typebox';
import { checkContract } from './contract.js';
import type { LeadTask, UserMadeTask } from '../../src/schemas/task-response.js';

/** Writes a task row as is, without events: for fixtures the API cannot make (1001 tasks in one go, another process's write). */
export async function insertTaskRow(ex: Executor, row: TaskRow): Promise<void> {
  await insertTaskRows(ex, [row]);
}

export interface TestUser {
  id: string;
  key: string;
}

/**
 * An answer. `body` is typed by the response schema given to `req<typeof Schema>()`
 * (`src/schemas/*-response.ts`), `any` without one.
 */
export interface Res<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
}

export interface Harness {
  app: FastifyInstance;
  db: Db;
  /** Which backend this harness runs on (`TEST_DB`). */
  backend: TestBackend;
  /** A temporary folder for the test's own files, removed on close. */
  dir: string;
  orgId: string;
  /** The default caller: timezone given by `opts.timezone` (UTC when absent). */
  user: TestUser;
  /** A second member of the same organization, in Asia/Tokyo. */
  colleague: TestUser;
  /** A member of another organization. */
  outsider: TestUser & { orgId: string };
  /** Sets the pinned clock (ms since the epoch, UTC). */
  setNow(ms: number): void;
  /** Moves the pinned clock forward by `ms` (default one second). */
  advance(ms?: number): void;
  /** The app's task-list response cache, to read its hit counts. */
  listCache: ListCache;
  /** The app's per-task JSON cache (`tasks/fragments.ts`; null off SQLite), to read its hit counts. */
  taskFragments: TaskFragments | null;
  /** The pinned clock itself, to share with a webhook delivery worker. */
  clock: () => number;
  /**
   * One request through the app. Every answer of a Close route is checked against the
   * route's response schema (2xx) or Close's error schema (4xx); a mismatch throws
   * (`contract.ts`). `req<typeof TaskResponse>(...)` types the body by that schema.
   */
  req<S extends TSchema | undefined = undefined>(method: string, url: string, opts?: ReqOptions): Promise<Res<S extends TSchema ? Static<S> : any>>;
  close(): Promise<void>;
}

export type TestBackend = 'sqlite' | 'pglite' | 'postgres';

export interface ReqOptions {
  body?: unknown;
  headers?: Record<string, string>;
  as?: TestUser;
  rawBody?: string;
}

/** Default `TEST_DATABASE_URL` of CI (`.ci/run`): the local server, trust auth. */
export const CI_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * The backend this test process runs on, from `TEST_DB`.
 * @throws Error for an unknown name, or `postgres` without `TEST_DATABASE_URL`.
 */
export function testBackend(): TestBackend {
  const name = (process.env.TEST_DB || 'sqlite').toLowerCase();
  if (name !== 'sqlite' && name !== 'pglite' && name !== 'postgres') throw new Error(`TEST_DB must be sqlite, pglite or postgres (got "${name}")`);
  if (name === 'postgres' && !process.env.TEST_DATABASE_URL) throw new Error('TEST_DB=postgres needs TEST_DATABASE_URL (e.g. ' + CI_DATABASE_URL + ')');
  return name;
}

/** Prefix of the databases tests create on a PostgreSQL server (the runner drops leftovers). */
export const TEST_DATABASE_PREFIX = 'tasklane_t_';

/** `base` with its database name replaced by `name`. */
export function withDatabaseName(base: string, name: string): string {
  const u = new URL(base);
  u.pathname = '/' + name;
  return u.toString();
}

/** A fresh, empty database of the test backend: its URL, and how to remove it. */
export interface FreshDatabase {
  url: string;
  backend: TestBackend;
  drop(): Promise<void>;
}

/**
 * Opens a fresh database, migrated. On PGlite it is restored from the migrated copy
 * `test/run-backends.mjs` makes once per run (env `TEST_PGLITE_TEMPLATE`), which is
 * several times faster than starting PGlite and migrating; elsewhere `openDb(url)`.
 */
export async function openFresh(fresh: FreshDatabase): Promise<Db> {
  const template = process.env.TEST_PGLITE_TEMPLATE;
  if (fresh.backend === 'pglite' && fresh.url === 'pglite:' && template) return pooledPglite(template);
  return openDb(fresh.url);
}

/** PGlite clients of this test process that were closed, reset to the template's state and waiting for reuse. */
const idlePglite: PGlite[] = [];
/** The tables a reset empties: all of the template's but the migration bookkeeping, which it keeps. */
let pgliteTables: string | null = null;
/** How long a closed PGlite client waits for the next harness before it is closed for good. */
const IDLE_PGLITE_MS = 300;

/**
 * A fresh PGlite database in the template's state. Restoring the template costs about
 * 0.9 s of CPU per database (a new WebAssembly instance), so a closed one is emptied
 * instead (every table the template holds empty, truncated) and handed to the next
 * harness of the same process.
 */
async function pooledPglite(template: string): Promise<Db> {
  const client = idlePglite.pop() ?? (await pgliteClientFromDump(new Blob([readFileSync(template)])));
  if (pgliteTables === null) {
    const { rows } = await client.query<{ tablename: string }>("select tablename from pg_tables where schemaname = 'public' and tablename not like 'kysely\\_migration%' order by tablename");
    pgliteTables = rows.map((r) => `"${r.tablename}"`).join(', ');
  }
  let released = false;
  return pgliteDb(client, 'pglite:', async () => {
    if (released) return;
    released = true;
    // A test that failed mid-transaction leaves it open: end it before emptying.
    if (client.closed) return;
    await client.exec(`rollback; truncate table ${pgliteTables} cascade`);
    idlePglite.push(client);
    // An idle client keeps the test process alive: one that no harness takes within
    // IDLE_PGLITE_MS (a file's next test takes it at once) is closed.
    setTimeout(() => {
      const i = idlePglite.indexOf(client);
      if (i >= 0) void idlePglite.splice(i, 1)[0].close();
    }, IDLE_PGLITE_MS);
  });
}

/**
 * Creates a fresh empty database on the test backend (`testBackend()`), or on
 * `backend` when given: a SQLite file in a new temporary folder, an in-memory PGlite
 * (`pglite:`), or a new database on the `TEST_DATABASE_URL` server.
 */
export async function freshDatabase(backend: TestBackend = testBackend()): Promise<FreshDatabase> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tasklane-test-'));
    return { url: join(dir, 'test.db'), backend, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (backend === 'pglite') return { url: 'pglite:', backend, drop: async () => {} };
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const name = TEST_DATABASE_PREFIX + process.pid + '_' + randomBytes(4).toString('hex');
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabaseName(base, name),
    backend,
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Basic auth header for an API key, the way Close's clients send it (`key:`). */
export function basic(key: string): string {
  return 'Basic ' + Buffer.from(key + ':').toString('base64');
}

/** Builds a harness. The clock is pinned at `now` (default 2026-03-10T12:00:00Z). */
export async function harness(
  opts: {
    now?: number;
    timezone?: string | null;
    strictParams?: boolean;
    rateLimit?: RateLimitOptions | false;
    webhookBlockPrivate?: boolean;
    /** Off unless given: suites send hundreds of bad keys in one pinned instant. */
    authFailureLimit?: AuthFailureLimitOptions | false;
  } = {},
): Promise<Harness> {
  const fresh = await freshDatabase();
  const db = await openFresh(fresh);
  const dir = mkdtempSync(join(tmpdir(), 'tasklane-files-'));
  let now = opts.now ?? Date.parse('2026-03-10T12:00:00Z');
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const org = await createOrganization(db.kysely, { name: 'Acme' }, t0);
  const u = await createUser(db.kysely, org.id, { email: 'ann@acme.test', first_name: 'Ann', last_name: 'Lee', timezone: opts.timezone ?? null }, t0);
  const c = await createUser(db.kysely, org.id, { email: 'ken@acme.test', first_name: 'Ken', last_name: 'Sato', timezone: 'Asia/Tokyo' }, t0);
  const other = await createOrganization(db.kysely, { name: 'Other' }, t0);
  const o = await createUser(db.kysely, other.id, { email: 'eve@other.test', first_name: 'Eve', last_name: 'Outer' }, t0);
  const user = { id: u.id, key: (await createApiKey(db.kysely, org.id, u.id, t0)).key };
  const colleague = { id: c.id, key: (await createApiKey(db.kysely, org.id, c.id, t0)).key };
  const outsider = { id: o.id, key: (await createApiKey(db.kysely, other.id, o.id, t0)).key, orgId: other.id };
  // Rate limits read the pinned clock too; suites that make thousands of requests in one
  // pinned instant turn them off unless they test them.
  const listCache = new ListCache();
  const taskFragments = TaskFragments.for(db);
  const app = await buildApp({
    db,
    listCache,
    taskFragments,
    clock: () => now,
    strictParams: opts.strictParams,
    rateLimit: opts.rateLimit ?? false,
    authFailureLimit: opts.authFailureLimit ?? false,
    webhookBlockPrivate: opts.webhookBlockPrivate,
  });
  return {
    app,
    db,
    backend: fresh.backend,
    dir,
    listCache,
    taskFragments,
    orgId: org.id,
    user,
    colleague,
    outsider,
    setNow: (ms) => {
      now = ms;
    },
    advance: (ms = 1000) => {
      now += ms;
    },
    clock: () => now,
    async req(method: string, url: string, o: ReqOptions = {}) {
      const headers: Record<string, string> = { authorization: basic((o.as ?? user).key), ...(o.headers ?? {}) };
      let payload: string | undefined;
      if (o.rawBody !== undefined) payload = o.rawBody;
      else if (o.body !== undefined) {
        payload = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const r = await app.inject({ method: method as any, url, headers, payload });
      let body: any;
      try {
        body = r.body ? JSON.parse(r.body) : undefined;
      } catch {
        body = r.body;
      }
      checkContract({ method, url, headers, body: o.body }, { status: r.statusCode, body, contentType: String(r.headers['content-type'] ?? '') });
      return { status: r.statusCode, body, headers: r.headers as Res['headers'], raw: r.body };
    },
    async close() {
      await app.close();
      await db.close();
      await fresh.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a lead through the API and returns its id. */
export async function makeLead(h: Harness, name = 'Bluth Company', as?: TestUser): Promise<string> {
  const r = await h.req('POST', '/api/v1/lead/', { body: { name }, as });
  if (r.status !== 200) throw new Error(`lead create failed: ${r.status} ${r.raw}`);
  return r.body.id;
}

/** Creates a task (`lead` or `outgoing_call`) through the API; throws unless it answers 200. */
export async function makeTask(h: Harness, body: Record<string, unknown>, as?: TestUser): Promise<UserMadeTask> {
  const r = await h.req<typeof LeadTask>('POST', '/api/v1/task/', { body, as });
  if (r.status !== 200) throw new Error(`task create failed: ${r.status} ${r.raw}`);
  return r.body;
}
