/**
 * Test harness: the real app on a real SQLite file in a temporary folder, one
 * organization with users and API keys, and a small request helper over Fastify's
 * `inject` (the full HTTP pipeline: parsers, hooks, routing, serialization).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openDb, type Db } from '../src/db/connect.js';
import { buildApp } from '../src/server/app.js';
import { createApiKey, createOrganization, createUser } from '../src/crm/accounts.js';
import type { RateLimitOptions } from '../src/server/ratelimit.js';

export interface TestUser {
  id: string;
  key: string;
}

export interface Res {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
}

export interface Harness {
  app: FastifyInstance;
  db: Db;
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
  /** The pinned clock itself, to share with a webhook delivery worker. */
  clock: () => number;
  req(method: string, url: string, opts?: { body?: unknown; headers?: Record<string, string>; as?: TestUser; rawBody?: string }): Promise<Res>;
  close(): Promise<void>;
}

/** Basic auth header for an API key, the way Close's clients send it (`key:`). */
export function basic(key: string): string {
  return 'Basic ' + Buffer.from(key + ':').toString('base64');
}

/** Builds a harness. The clock is pinned at `now` (default 2026-03-10T12:00:00Z). */
export async function harness(
  opts: { now?: number; timezone?: string | null; strictParams?: boolean; rateLimit?: RateLimitOptions | false; webhookBlockPrivate?: boolean } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'tasklane-test-'));
  const db = await openDb(join(dir, 'test.db'));
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
  const app = await buildApp({
    db,
    clock: () => now,
    strictParams: opts.strictParams,
    rateLimit: opts.rateLimit ?? false,
    webhookBlockPrivate: opts.webhookBlockPrivate,
  });
  return {
    app,
    db,
    dir,
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
    async req(method, url, o = {}) {
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
      return { status: r.statusCode, body, headers: r.headers as Res['headers'], raw: r.body };
    },
    async close() {
      await app.close();
      await db.close();
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

/** Creates a task through the API; throws unless it answers 200. */
export async function makeTask(h: Harness, body: Record<string, unknown>, as?: TestUser): Promise<any> {
  const r = await h.req('POST', '/api/v1/task/', { body, as });
  if (r.status !== 200) throw new Error(`task create failed: ${r.status} ${r.raw}`);
  return r.body;
}
