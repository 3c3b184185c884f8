/**
 * Live updates by polling the event log (`GET /api/v1/event/`), the public API every
 * change to a task is recorded in, in the same transaction as the change. Any new
 * event tells the page to refresh its list and counts.
 *
 * Why polling and not a server-sent-events stream: the event log is already durable
 * and shared by every node (on PostgreSQL a change made on another node is invisible to
 * this one's memory), so a stream would itself have to poll the database per open
 * page, plus hold a connection, heartbeat and idle limit per tab. One indexed query
 * every `POLL_MS` meets the 5 s goal and is what any script can do too.
 *
 * How new events are found: `cursor_previous` is null when nothing newer exists, so
 * it cannot serve as a bookmark. Instead each poll asks for events updated since the
 * newest one seen, minus `LOOKBACK_MS` (an event is stamped when its request starts
 * and becomes visible when its transaction commits, so a slow write can appear after
 * a quicker, later-stamped one), and drops the ids already seen.
 */
import type { Api } from './api.ts';

/** How often the open page asks for new events: well inside the 5 s an update may take. */
export const POLL_MS = 2000;
/** Events stamped this long before the newest one seen are asked for again (and deduplicated). */
export const LOOKBACK_MS = 30_000;

interface EventItem {
  id: string;
  object_type: string;
  action: string;
  /** Naive UTC (`2026-03-10T12:00:00.250000`), as Close's event envelopes are. */
  date_updated: string;
}

/** Milliseconds of an event's naive-UTC timestamp. */
export function eventMs(naiveUtc: string): number {
  return Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(naiveUtc) ? naiveUtc : `${naiveUtc.slice(0, 23)}Z`);
}

/** Watches the organization's event log and calls `onEvents` with every batch of new events. */
export class EventWatcher {
  private newestMs: number | null = null;
  /** Ids seen within the lookback window, with their time. */
  private seen = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private busy = false;

  constructor(
    private readonly api: Api,
    private readonly onEvents: (events: EventItem[]) => void,
    /** A poll failed (it is retried at the next tick). */
    private readonly onError: (e: unknown) => void = () => {},
    /** A poll succeeded. */
    private readonly onOk: () => void = () => {},
  ) {}

  /**
   * Marks every event that exists now as seen, then polls every `POLL_MS` while the
   * page is visible. A failed first read is reported and polling starts all the same
   * (its first answer then counts as new, which costs one extra refresh).
   */
  async start(): Promise<void> {
    document.addEventListener('visibilitychange', this.onVisibility);
    try {
      const page = await this.api.get<{ data: EventItem[] }>('/event/', { _limit: 50 });
      this.remember(page.data);
      this.onOk();
    } catch (e) {
      this.onError(e);
    }
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  private onVisibility = () => {
    if (document.visibilityState === 'visible') void this.poll();
  };

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), POLL_MS);
  }

  private remember(events: EventItem[]): EventItem[] {
    const fresh: EventItem[] = [];
    for (const e of events) {
      const ms = eventMs(e.date_updated);
      if (this.seen.has(e.id)) continue;
      this.seen.set(e.id, ms);
      fresh.push(e);
      if (this.newestMs === null || ms > this.newestMs) this.newestMs = ms;
    }
    if (this.newestMs !== null) {
      for (const [id, ms] of this.seen) if (ms < this.newestMs - LOOKBACK_MS) this.seen.delete(id);
    }
    return fresh;
  }

  /** One poll; a hidden page skips it (it polls again when shown). */
  async poll(): Promise<void> {
    if (this.stopped || this.busy) return;
    if (document.visibilityState === 'hidden') return this.schedule();
    this.busy = true;
    try {
      const query = this.newestMs === null ? { _limit: 50 } : { _limit: 50, date_updated__gte: new Date(this.newestMs - LOOKBACK_MS).toISOString() };
      const page = await this.api.get<{ data: EventItem[] }>('/event/', query);
      const fresh = this.remember(page.data);
      this.onOk();
      if (fresh.length) this.onEvents(fresh);
    } catch (e) {
      this.onError(e);
    } finally {
      this.busy = false;
      this.schedule();
    }
  }
}
