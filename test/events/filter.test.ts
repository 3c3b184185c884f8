/**
 * Pure rules of webhooks: Close's filter grammar (reference §12.3, "Webhook Filters"),
 * the retry schedule (exponential, capped at 20 minutes, 72 hours), the SSRF address
 * ranges, and the PostgreSQL form of the outbox claim.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import { matchesFilter, parseEventFilter, type EventFilter } from '../../src/events/filter.js';
import { RETRY_MAX_MS, RETRY_WINDOW_MS, nextAttemptAt, retryDelayMs } from '../../src/events/delivery.js';
import { isPrivateAddress } from '../../src/events/ssrf.js';
import { claimDueDeliveriesQuery } from '../../src/db/webhooks.repo.js';
import type { Database } from '../../src/db/schema.js';

const event = {
  action: 'updated',
  user_id: 'user_N6KhMpzHRCYQHdn4gRNIFNN5JExnsrprKA6ekxM63XA',
  changed_fields: ['date_updated', 'text'],
  lead_id: null,
  data: { text: 'Instantly: follow up', is_complete: false, emails: [{ email: 'a@b.c' }], priority: 'high' },
};

const field = (name: string, filter: EventFilter): EventFilter => ({ type: 'field_accessor', field: name, filter });

test('each filter operator matches as Close documents it', () => {
  const cases: [EventFilter, boolean][] = [
    [field('user_id', { type: 'equals', value: event.user_id }), true],
    [field('user_id', { type: 'equals', value: 'user_other' }), false],
    [field('action', { type: 'not_equals', value: 'created' }), true],
    [field('lead_id', { type: 'is_null' }), true],
    [field('missing', { type: 'is_null' }), true],
    [field('lead_id', { type: 'non_null' }), false],
    [field('changed_fields', { type: 'contains', value: 'text' }), true],
    [field('changed_fields', { type: 'contains', value: 'date' }), false],
    [field('data', field('text', { type: 'contains', value: 'Instantly' })), true],
    [field('data', field('text', { type: 'contains', value: 'instantly' })), false],
    [field('data', field('emails', { type: 'any_array_value', filter: field('email', { type: 'equals', value: 'a@b.c' }) })), true],
    [field('data', field('emails', { type: 'any_array_value', filter: field('email', { type: 'equals', value: 'x@y.z' }) })), false],
    [{ type: 'and', filters: [field('action', { type: 'equals', value: 'updated' }), field('data', field('priority', { type: 'equals', value: 'high' }))] }, true],
    [{ type: 'and', filters: [field('action', { type: 'equals', value: 'updated' }), field('data', field('priority', { type: 'equals', value: 'medium' }))] }, false],
    [{ type: 'or', filters: [field('action', { type: 'equals', value: 'created' }), field('data', field('is_complete', { type: 'equals', value: false }))] }, true],
    [{ type: 'not', filter: field('action', { type: 'equals', value: 'updated' }) }, false],
    [field('data', { type: 'equals', value: { ...event.data } }), true],
    [field('data', field('text', field('deeper', { type: 'is_null' }))), true],
  ];
  for (const [filter, expected] of cases) {
    assert.equal(parseEventFilter(filter).hasOwnProperty('filter'), true, JSON.stringify(filter));
    assert.equal(matchesFilter(filter, event), expected, JSON.stringify(filter));
  }
});

test('malformed filters are refused with the place of the fault', () => {
  const cases: [unknown, string][] = [
    ['equals', 'a filter must be an object with a "type".'],
    [{ type: 'like', value: 'x' }, 'unknown filter type "like"'],
    [{ type: 'equals' }, '"equals" needs a "value".'],
    [{ type: 'and', filters: [] }, '"and" needs a non-empty "filters" list.'],
    [{ type: 'or', filters: [{ type: 'is_null' }, { type: 'nope' }] }, 'filters[1]: unknown filter type "nope"'],
    [{ type: 'field_accessor', filter: { type: 'is_null' } }, '"field_accessor" needs a "field" name.'],
    [{ type: 'field_accessor', field: 'data' }, '"field_accessor" needs a "filter".'],
    [{ type: 'not', filter: { type: 'field_accessor', field: 'x', filter: 3 } }, 'filter.filter: a filter must be an object'],
  ];
  for (const [raw, message] of cases) {
    const r = parseEventFilter(raw);
    assert.ok('error' in r, JSON.stringify(raw));
    assert.ok(r.error.includes(message), `${JSON.stringify(raw)}: ${r.error}`);
  }
  let deep: unknown = { type: 'is_null' };
  for (let i = 0; i < 40; i++) deep = { type: 'not', filter: deep };
  assert.ok('error' in parseEventFilter(deep));
});

test('retries back off exponentially up to one try every 20 minutes, for 72 hours (reference §12.3)', () => {
  const s = 1000;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 50].map((n) => retryDelayMs(n, 10 * s) / s),
    [10, 20, 40, 80, 160, 320, 640, 1200, 1200, 1200],
  );
  assert.equal(RETRY_MAX_MS, 20 * 60 * s);
  const created = Date.parse('2026-03-10T12:00:00Z');
  assert.equal(nextAttemptAt(1, created, created, 10 * s), created + 10 * s);
  // Jitter only shortens, by at most 10%.
  assert.equal(nextAttemptAt(8, created, created, 10 * s, 0.999), created + Math.round(1200 * s * (1 - 0.0999)));
  // The last attempt lands on the end of the window; a failure then gives up.
  const nearEnd = created + RETRY_WINDOW_MS - 5 * 60 * s;
  assert.equal(nextAttemptAt(30, nearEnd, created, 10 * s), created + RETRY_WINDOW_MS);
  assert.equal(nextAttemptAt(31, created + RETRY_WINDOW_MS, created, 10 * s), null);
});

test('the SSRF guard knows private, loopback, link-local and mapped addresses', () => {
  for (const a of ['127.0.0.1', '10.0.0.5', '172.16.3.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '[::1]', 'fe80::1', 'fd12::1', '::ffff:127.0.0.1', '::ffff:a00:1']) {
    assert.equal(isPrivateAddress(a), true, a);
  }
  for (const a of ['8.8.8.8', '93.184.216.34', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', 'example.com']) {
    assert.equal(isPrivateAddress(a), false, a);
  }
});

/** A Kysely that only compiles, for a dialect without a server. */
function compilerFor(dialect: 'postgres' | 'sqlite'): Kysely<Database> {
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => (dialect === 'postgres' ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (dialect === 'postgres' ? new PostgresIntrospector(db) : new SqliteIntrospector(db)),
      createQueryCompiler: () => (dialect === 'postgres' ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
    },
  });
}

test('the outbox claim takes FOR UPDATE SKIP LOCKED on PostgreSQL and a plain UPDATE on SQLite', () => {
  const pg = claimDueDeliveriesQuery(compilerFor('postgres'), 'postgres', 'wrk_a', 1000, 61_000, 50).compile();
  assert.equal(
    pg.sql,
    'update "webhook_deliveries" set "locked_until" = $1, "locked_by" = $2 where "id" in (select "id" from "webhook_deliveries" where "state" = $3 and "next_attempt_at" <= $4 and ("locked_until" is null or "locked_until" <= $5) order by "next_attempt_at", "id" limit $6 for update skip locked) returning *',
  );
  assert.deepEqual(pg.parameters, [61_000, 'wrk_a', 'pending', 1000, 1000, 50]);
  const lite = claimDueDeliveriesQuery(compilerFor('sqlite'), 'sqlite', 'wrk_a', 1000, 61_000, 50).compile();
  assert.ok(!/for update/i.test(lite.sql));
  assert.match(lite.sql, /returning \*$/);
});
