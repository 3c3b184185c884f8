/**
 * What this process has written to a SQLite file, counted per organization (issue 12):
 * the list cache (`server/listcache.ts`) keeps an organization's pages until that
 * organization's data changes, not until anybody's does.
 *
 * A write statement that changed rows counts for the organization whose request made
 * it (`scope`, an AsyncLocalStorage around each Close route's handler), and for every
 * organization when no request scope is set (the emulator's reset, the CLI, background
 * workers). Commits by other processes are not seen here: `Db.changeToken` adds SQLite's
 * `PRAGMA data_version` to the token, which changes for every organization.
 *
 * Sound because a request writes only its own organization's rows (every repository
 * statement is scoped to `organizationId`, issue 8), and a task page shows only rows of
 * its organization (its tasks and their users, leads and contacts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Most organizations counted one by one; past it every count starts over from a new epoch. */
const MAX_ORGANIZATIONS = 10_000;

export class WriteCounter {
  /** Writes made outside any organization's scope: they change every organization's token. */
  private everyone = 0;
  /** Every write counted: the token of "anything changed" (the credential cache's). */
  private total = 0;
  private readonly byOrganization = new Map<string, number>();
  private readonly scope = new AsyncLocalStorage<string>();

  /** Counts one write statement that changed rows, for the organization in scope or for all. */
  count(): void {
    this.total++;
    const organizationId = this.scope.getStore();
    if (organizationId === undefined) {
      this.everyone++;
      return;
    }
    if (!this.byOrganization.has(organizationId) && this.byOrganization.size >= MAX_ORGANIZATIONS) {
      // Forgetting the counts must not let an old token match again: a new epoch changes all.
      this.byOrganization.clear();
      this.everyone++;
    }
    this.byOrganization.set(organizationId, (this.byOrganization.get(organizationId) ?? 0) + 1);
  }

  /**
   * A token that changes whenever this process writes rows of `organizationId` (or of
   * everyone); without an organization, whenever it writes anything.
   */
  token(organizationId?: string): string {
    if (organizationId === undefined) return `${this.total}`;
    return `${this.everyone}.${this.byOrganization.get(organizationId) ?? 0}`;
  }

  /** Runs `fn` with its writes counted for `organizationId` (a Close request's handler). */
  within<T>(organizationId: string, fn: () => Promise<T>): Promise<T> {
    return this.scope.run(organizationId, fn);
  }
}

/** What a `RowChangeFeed` listener is told. */
export interface RowChangeListener {
  /** A row of `tasks` (by `rowid`) was inserted, updated or deleted through this connection. */
  task(rowid: number): void;
  /** A row of `users`, `leads` or `contacts` (the objects tasks show the names of) changed. */
  names(): void;
}

/**
 * SQLite only: the rows this connection changes, as SQLite itself reports them
 * (temporary triggers on `tasks`, `users`, `leads` and `contacts` calling a JS
 * function), so foreign-key cascades, migrations and raw SQL are reported like the
 * task API's own writes. Commits by other connections are not reported row by row:
 * `othersVersion()` (`PRAGMA data_version`) changes with them. The triggers are
 * created when the first listener comes (after migrations) and cost a function call
 * per changed row (issue 12: the per-task JSON cache, `tasks/fragments.ts`).
 */
export class RowChangeFeed {
  private readonly listeners = new Set<RowChangeListener>();

  /**
   * @param install creates the triggers (idempotent)
   * @param othersVersion `PRAGMA data_version`: changes when another connection commits
   */
  constructor(
    private readonly install: () => void,
    readonly othersVersion: () => number,
  ) {}

  /** Tells `listener` of every change from now on, until the returned function is called. */
  listen(listener: RowChangeListener): () => void {
    this.install();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called by the triggers: a row of `table` changed. */
  changed(table: string, rowid: number): void {
    for (const l of this.listeners) {
      if (table === 'tasks') l.task(rowid);
      else l.names();
    }
  }
}
