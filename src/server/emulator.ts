/**
 * Emulator mode (issue 3): for integrators who run their own tests against Tasklane
 * as a stand-in for Close. Off unless `buildApp({emulator: true})` (the CLI's
 * `tasklane serve --emulator`). Everything under `/api/v1` behaves as in normal mode;
 * the emulator adds, without authentication:
 *
 * - `POST /__emulator/reset`: empties every table and re-creates the fixed emulator
 *   organization, user and API key; answers `{"organization_id", "user_id", "api_key"}`.
 * - `PUT /__emulator/clock` with `{"now": "2015-05-27T18:33:52Z"}` pins the clock every
 *   rule reads (a date-time without offset is UTC; a date is its UTC midnight, D13);
 *   `{"now": null}` goes back to real time. Answers `{"now": "<isoformat>", "pinned": bool}`.
 * - `GET /__emulator/clock`: the same answer, without changing anything.
 *
 * The key, organization and user have fixed ids, printed at start, so test suites can
 * hard-code them. Never run the emulator where real data lives: a reset deletes all of it.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../context.js';
import type { Db } from '../db/connect.js';
import { writeTransaction, type Executor } from '../db/executor.js';
import { emptyTables } from '../db/dialect.js';
import { dataTables } from '../db/admin.repo.js';
import { insertApiKeyIfMissing, insertMembershipIfMissing, insertOrganizationIfMissing, insertUserIfMissing, organizationIdsExcept } from '../db/accounts.repo.js';
import { hashApiKey } from '../crm/accounts.js';
import { ID_PREFIX } from '../close/ids.js';
import { isoformat, parseCloseDate } from '../close/dates.js';
import { CloseError, FIELD_TEXT } from '../close/errors.js';
import type { Authenticator } from './auth.js';

const pad = (s: string) => s.padEnd(43, '0');

/** The emulator's fixed organization, user and API key (public by design: never use them for real data). */
export const EMULATOR = {
  organizationId: ID_PREFIX.organization + pad('TasklaneEmulatorOrganization'),
  organizationName: 'Tasklane Emulator',
  userId: ID_PREFIX.user + pad('TasklaneEmulatorUser'),
  email: 'emulator@tasklane.invalid',
  firstName: 'Emulator',
  lastName: 'User',
  apiKeyId: ID_PREFIX.apiKey + 'TasklaneEmulatorKey000',
  apiKey: 'api_' + pad('TasklaneEmulatorKeyNotSecret'),
} as const;

/** A clock that follows `base` until pinned, then stands still at the pinned instant (ms). */
export class EmulatorClock {
  private pinned: number | null = null;

  constructor(private readonly base: Clock) {}

  /** The clock function to hand to every rule. */
  readonly now: Clock = () => this.pinned ?? this.base();

  /** Pins the clock at `ms`, or releases it with null. */
  set(ms: number | null): void {
    this.pinned = ms;
  }

  get isPinned(): boolean {
    return this.pinned !== null;
  }
}

/** Creates the emulator organization, user, membership and key where missing. Idempotent. */
export async function ensureEmulatorAccount(ex: Executor, nowMs: number): Promise<void> {
  await insertOrganizationIfMissing(ex, { id: EMULATOR.organizationId, name: EMULATOR.organizationName, currency: 'USD', date_created: nowMs, date_updated: nowMs });
  await insertUserIfMissing(ex, { id: EMULATOR.userId, email: EMULATOR.email, first_name: EMULATOR.firstName, last_name: EMULATOR.lastName, timezone: null, date_created: nowMs, date_updated: nowMs });
  await insertMembershipIfMissing(ex, { id: ID_PREFIX.membership + pad('TasklaneEmulatorMembership'), organization_id: EMULATOR.organizationId, user_id: EMULATOR.userId, role_id: 'admin', date_created: nowMs });
  await insertApiKeyIfMissing(ex, { id: EMULATOR.apiKeyId, key_hash: hashApiKey(EMULATOR.apiKey), user_id: EMULATOR.userId, organization_id: EMULATOR.organizationId, date_created: nowMs });
}

/** Ids of organizations in `db` other than the emulator's (the CLI refuses to run the emulator over them). */
export async function foreignOrganizations(db: Db): Promise<string[]> {
  return organizationIdsExcept(db.kysely, EMULATOR.organizationId);
}

/** Empties every table but the migration bookkeeping, in one transaction, then re-creates the emulator account. */
export async function resetEmulatorData(db: Db, nowMs: number): Promise<void> {
  const tables = await dataTables(db.kysely);
  await writeTransaction(db, async (trx) => {
    await emptyTables(db.dialect, trx, tables);
    await ensureEmulatorAccount(trx, nowMs);
  });
}

/** The range the emulator clock may be set to (see the clock route). */
const CLOCK_MIN_MS = Date.parse('0001-01-02T00:00:00Z');
const CLOCK_MAX_MS = Date.parse('9999-12-30T23:59:59Z');

/** The clock's state as the emulator answers it. */
function clockJson(clock: EmulatorClock): { now: string; pinned: boolean } {
  return { now: isoformat(clock.now()), pinned: clock.isPinned };
}

/** Registers `/__emulator/*` on `app` (only called when emulator mode is on). */
export function registerEmulatorRoutes(app: FastifyInstance, opts: { db: Db; clock: EmulatorClock; auth: Authenticator }): void {
  app.post('/__emulator/reset', async () => {
    await resetEmulatorData(opts.db, opts.clock.now());
    opts.auth.clear();
    return { organization_id: EMULATOR.organizationId, user_id: EMULATOR.userId, api_key: EMULATOR.apiKey };
  });
  app.get('/__emulator/clock', async () => clockJson(opts.clock));
  app.put('/__emulator/clock', async (request) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (!Object.prototype.hasOwnProperty.call(body, 'now')) throw CloseError.field('now', FIELD_TEXT.required);
    const raw = body.now;
    if (raw === null) opts.clock.set(null);
    else {
      const d = typeof raw === 'string' ? parseCloseDate(raw) : null;
      if (!d) throw CloseError.field('now', `${FIELD_TEXT.invalidDate} Use an ISO 8601 date-time, or null for real time (got ${JSON.stringify(raw)}).`);
      // "Today" must stay a date every zone can write back (years 0001-9999, D13/D18):
      // keep 14 hours (the widest offset) plus a day clear of both ends.
      if (d.ms < CLOCK_MIN_MS || d.ms > CLOCK_MAX_MS) throw CloseError.field('now', 'The clock must lie between 0001-01-02 and 9999-12-30.');
      opts.clock.set(d.ms);
    }
    return clockJson(opts.clock);
  });
}
