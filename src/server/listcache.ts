/**
 * A cache of whole task-list responses, as JSON text, for the read-heavy inbox
 * (issue "Tasklane core", Speed): the same organization asking the same list in the
 * same zone on the same day gets the bytes computed for the first asker, as long as
 * nothing in the database has changed since.
 *
 * Safety comes from the key and the token, not from expiry:
 * - the key holds everything the answer depends on: the organization, the route, every
 *   parameter (filters, paging, `_fields`), the request's zone and where its "today"
 *   ends (so `view` and the inbox bounds move at midnight, D15-D17);
 * - the token is the database's change token for the organization
 *   (`Db.changeToken(organizationId)`): it changes with any write this process makes
 *   for that organization (a Close request of it) or for everyone (the emulator's
 *   reset, workers), and with any commit by another process on the same SQLite file
 *   (`PRAGMA data_version`). An entry is served only under the token it was made with:
 *   a write in one organization leaves the others' pages cached (issue 12).
 * Databases without a change token (PostgreSQL, where other nodes write unseen) are
 * never cached.
 */
import type { Params } from '../close/params.js';
import type { RequestContext } from '../context.js';
import { viewBounds } from '../tasks/views.js';

/** JSON text to send as the response body, as is. */
export class JsonText {
  constructor(readonly text: string) {}
}

/** Most entries kept, and most characters of JSON text in all (about 100 KB a 100-task page). */
const MAX_ENTRIES = 512;
const MAX_CHARS = 24 << 20;

/** A computed answer as JSON text: as is when it is text already (`JsonText`), else serialized. */
function asText(value: unknown): JsonText {
  return value instanceof JsonText ? value : new JsonText(JSON.stringify(value));
}

/** Keys computed once and remembered, to keep their answer when asked again; past it the memory starts over. */
const MAX_SEEN = 4096;

export class ListCache {
  private readonly entries = new Map<string, { token: string; text: string }>();
  /** Characters of text kept in `entries`. */
  private chars = 0;
  /**
   * Keys computed once but not kept: an answer is kept from its second computation on,
   * so lists asked once (a parameter of their own, a one-off filter) never push the
   * repeated ones out, nor fill the heap with pages nobody asks again.
   */
  private readonly seen = new Set<string>();
  /** How many answers came from the cache, and how many were computed (for tests and tuning). */
  readonly stats = { hits: 0, misses: 0 };

  /** Forgets the entry of `key`, if any. */
  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.chars -= e.text.length;
  }

  /** The key of a list request (see the module comment for what it must hold). */
  static key(ctx: RequestContext, route: string, params: Params): string {
    const b = viewBounds(ctx.now(), ctx.zone);
    const zone = ctx.zone.ianaName ?? `fixed:${ctx.zone.fixedOffsetMinutes}`;
    const p = [...params.entries()].sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0)).map(([k, v]) => `${k}=${v.join('\u0001')}`);
    return [ctx.organizationId, route, zone, b.todayDayMs, b.tomorrowStartMs, ...p].join('\u0000');
  }

  /**
   * The cached answer for `key`, or the one `compute` gives (a value, or `JsonText`
   * to keep as is; kept when `key` was computed before), as JSON text.
   * Without a change token `compute` runs every time and nothing is kept.
   */
  async get(ctx: RequestContext, key: string, compute: () => Promise<unknown>): Promise<JsonText> {
    const token = ctx.db.changeToken?.(ctx.organizationId);
    if (token === undefined) return asText(await compute());
    const hit = this.entries.get(key);
    if (hit && hit.token === token) {
      this.stats.hits++;
      // Refresh its place in the eviction order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return new JsonText(hit.text);
    }
    this.stats.misses++;
    const { text } = asText(await compute());
    // Only keep it when asked before (kept under an older token, or seen once), and when
    // nothing was written while it was computed.
    if (!hit && !this.seen.has(key)) {
      if (this.seen.size >= MAX_SEEN) this.seen.clear();
      this.seen.add(key);
    } else if (ctx.db.changeToken!(ctx.organizationId) === token) {
      this.seen.delete(key);
      this.drop(key);
      if (text.length <= MAX_CHARS) {
        // The least recently used go first, until the new page fits both bounds.
        while (this.entries.size >= MAX_ENTRIES || this.chars + text.length > MAX_CHARS) this.drop(this.entries.keys().next().value!);
        this.entries.set(key, { token, text });
        this.chars += text.length;
      }
    }
    return new JsonText(text);
  }
}
