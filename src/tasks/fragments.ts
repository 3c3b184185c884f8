/**
 * The per-task JSON cache of the task list (issue 12): each task's text without its
 * `view` (`serialize.ts` `TaskFragment`), kept by SQLite `rowid`, so a computed page
 * (a new filter, a page after a write) reads only the ids that make it and the rows
 * not kept, and writes the page from kept text plus each task's `view`, computed per
 * request.
 *
 * A kept text is exactly the row's current state, because SQLite reports every change
 * (`db/changes.ts` `RowChangeFeed`, fed by triggers on this connection):
 * - a changed, inserted or deleted task row drops that row's text (a write changes
 *   one task, not every page of the organization);
 * - a changed name (user, lead, contact) drops every text, and every name kept for the
 *   rows not kept (`KnownNames`): renames are rare, and the texts that show a name are
 *   not tracked one by one;
 * - a commit by another process on the same file (`othersVersion`) drops every text;
 * - text made from rows read while a change happened is used for that answer only.
 * Only SQLite has the feed: on PostgreSQL other nodes write unseen, and pages are built
 * from rows every time.
 */
import type { Db } from '../db/connect.js';
import type { RowChangeFeed } from '../db/changes.js';
import type { Executor } from '../db/executor.js';
import { findTasksBy, type KnownNames } from '../db/tasks.repo.js';
import type { RequestZone } from '../close/zone.js';
import { fragmentPageText, taskFragment, type TaskFragment } from './serialize.js';

/** Most texts kept (about 1 KB each): the first pages of a hundred inboxes. */
export const DEFAULT_MAX_FRAGMENTS = 10_000;

export class TaskFragments {
  private readonly kept = new Map<number, TaskFragment>();
  /**
   * Rows whose text was made once and not kept: a text is kept from the second time its
   * row is on a page, so one-off pages (a rare filter) do not churn the kept ones out.
   */
  private readonly seen = new Set<number>();
  /** Names of users, leads and contacts, for the rows read because their text is not kept. */
  private readonly names: KnownNames = { version: 0, users: new Map(), leads: new Map(), contacts: new Map() };
  /** Changes heard so far: text made across a change is not kept. */
  private changes = 0;
  private othersSeen = 0;
  /** Set once listening (from the first page on: the tables exist by then). */
  private stopListening: (() => void) | null = null;
  /** Texts found kept, and made from rows (for tests and tuning). */
  readonly stats = { hits: 0, misses: 0 };

  private constructor(
    private readonly feed: RowChangeFeed,
    private readonly max: number,
  ) {}

  /** Starts hearing changes (nothing is kept before: nothing can be stale). */
  private listen(): void {
    this.othersSeen = this.feed.othersVersion();
    this.stopListening = this.feed.listen({
      task: (rowid) => {
        this.changes++;
        this.kept.delete(rowid);
      },
      names: () => {
        this.changes++;
        this.forget();
      },
    });
  }

  /** A cache for `db`, or null when its database reports no row changes (PostgreSQL). */
  static for(db: Db, max = DEFAULT_MAX_FRAGMENTS): TaskFragments | null {
    return db.rowChanges && max > 0 ? new TaskFragments(db.rowChanges, max) : null;
  }

  /** Stops listening and forgets every text (the server closes). */
  close(): void {
    this.stopListening?.();
    this.stopListening = null;
    this.forget();
    this.seen.clear();
  }

  /** Forgets every kept text and name. */
  private forget(): void {
    this.kept.clear();
    // A new version first: names being read now are not added afterwards (`withNames`).
    this.names.version++;
    this.names.users.clear();
    this.names.leads.clear();
    this.names.contacts.clear();
  }

  /** How many texts are kept now. */
  get size(): number {
    return this.kept.size;
  }

  /** Drops everything (a change) when another process committed since the last look. */
  private checkOthers(): void {
    const v = this.feed.othersVersion();
    if (v === this.othersSeen) return;
    this.othersSeen = v;
    this.changes++;
    this.forget();
  }

  /**
   * The JSON text of `{"data": [...], "has_more": hasMore}` for the organization's
   * tasks `rowids` (in page order, from `tasklist.repo.ts` `pickTaskKeys` on SQLite)
   * seen from `zone` at `nowMs`, each task keeping only `fields` when given: byte for
   * byte what `taskPageText` writes for the same rows (a `_fields` page is cut from the
   * same kept texts). Tasks deleted since they were picked are left out, as
   * `tasksByKeys` does.
   */
  async pageText(ex: Executor, organizationId: string, rowids: readonly number[], zone: RequestZone, nowMs: number, hasMore: boolean, fields: ReadonlySet<string> | null = null): Promise<string> {
    if (!this.stopListening) this.listen();
    else this.checkOthers();
    const found = new Array<TaskFragment | undefined>(rowids.length);
    const missing: number[] = [];
    for (let i = 0; i < rowids.length; i++) {
      const f = this.kept.get(rowids[i]);
      if (f !== undefined && f.organizationId === organizationId) found[i] = f;
      else missing.push(rowids[i]);
    }
    this.stats.hits += rowids.length - missing.length;
    this.stats.misses += missing.length;
    if (missing.length) {
      const changesBefore = this.changes;
      const rows = await findTasksBy(ex, organizationId, 'rowid', missing, null, this.names);
      this.checkOthers();
      const keep = this.changes === changesBefore;
      for (let i = 0; i < rowids.length; i++) {
        if (found[i] !== undefined) continue;
        const row = rows.get(rowids[i]);
        if (!row) continue;
        const again = this.seen.has(rowids[i]);
        const f = taskFragment(row, keep && again);
        found[i] = f;
        if (!keep) continue;
        if (again) this.keep(rowids[i], f);
        else this.sawOnce(rowids[i]);
      }
    }
    const fragments: TaskFragment[] = [];
    for (const f of found) if (f !== undefined) fragments.push(f);
    return fragmentPageText(fragments, zone, nowMs, hasMore, fields);
  }

  private sawOnce(rowid: number): void {
    if (this.seen.size >= 4 * this.max) this.seen.clear();
    this.seen.add(rowid);
  }

  private keep(rowid: number, f: TaskFragment): void {
    this.seen.delete(rowid);
    if (this.kept.size >= this.max) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(rowid, f);
  }
}
