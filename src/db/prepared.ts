/**
 * Prepared statements on PostgreSQL (issue 12): every data statement Kysely sends is a
 * named statement of its connection, so PostgreSQL parses and plans it once per
 * connection instead of on every request (planning was 1.6 ms of a 4 ms inbox page),
 * and the driver sends only Bind/Execute from then on. The name is a hash of the SQL
 * text, so the same text always has the same name and different texts never share one.
 *
 * Bounded: a connection keeps at most `MAX_PREPARED_PER_CONNECTION` statements (texts
 * with id lists of every length would otherwise pile up on the server); past that,
 * new texts run unnamed, as before. Statements other than SELECT, INSERT, UPDATE,
 * DELETE and WITH (transaction control, DDL in migrations) always run unnamed. A named
 * statement that PostgreSQL refuses to run again because a migration changed its
 * table under it ("cached plan must not change result type") runs once more unnamed.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

/** Most named statements one connection prepares. */
export const MAX_PREPARED_PER_CONNECTION = 500;

/** SQL texts that may be prepared: data statements. */
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

/** Names of texts hashed so far (bounded: starts over past 5000 texts). */
const names = new Map<string, string>();

function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    if (names.size >= 5000) names.clear();
    name = 'tl_' + createHash('sha1').update(text).digest('base64url').slice(0, 22);
    names.set(text, name);
  }
  return name;
}

/** The names each connection (a `pg.Client`) has prepared. */
const preparedBy = new WeakMap<pg.PoolClient, Set<string>>();

/** PostgreSQL's SQLSTATE for a prepared plan whose result type changed (`0A000`, feature_not_supported). */
const PLAN_CHANGED = '0A000';

/** A pool client whose data statements run as named (prepared) statements. */
class PreparingClient {
  constructor(private readonly client: pg.PoolClient) {}

  query(textOrCursor: unknown, values?: ReadonlyArray<unknown>): unknown {
    if (typeof textOrCursor !== 'string') return this.client.query(textOrCursor as never);
    return this.run(textOrCursor, values ?? []);
  }

  private async run(text: string, values: ReadonlyArray<unknown>): Promise<pg.QueryResult> {
    if (!PREPARABLE.test(text)) return this.client.query(text, values as unknown[]);
    let prepared = preparedBy.get(this.client);
    if (!prepared) preparedBy.set(this.client, (prepared = new Set()));
    const name = nameOf(text);
    if (!prepared.has(name) && prepared.size >= MAX_PREPARED_PER_CONNECTION) return this.client.query(text, values as unknown[]);
    prepared.add(name);
    try {
      return await this.client.query({ name, text, values: values as unknown[] });
    } catch (e) {
      if ((e as { code?: string }).code !== PLAN_CHANGED) throw e;
      return this.client.query(text, values as unknown[]);
    }
  }

  release(): void {
    this.client.release();
  }
}

/**
 * `pool` as Kysely's PostgreSQL dialect takes it, its clients preparing their data
 * statements (see the file's comment).
 */
export function preparingPool(pool: pg.Pool): PostgresPool {
  return {
    connect: async () => new PreparingClient(await pool.connect()) as unknown as PostgresPoolClient,
    end: () => pool.end(),
  };
}
